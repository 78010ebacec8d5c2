using System;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Each write and errno of about_VfioAp_Kernel: REFUSALS AND ERRNOS, as the simulated kernel answers writes (errnos verified against drivers/s390/crypto).</summary>
public class SimulationErrnoTableTests
{
    private const string A = "aaaaaaaa-0000-4000-8000-000000000001";
    private const string B = "bbbbbbbb-0000-4000-8000-000000000002";

    /// <summary>Adapters 5, 6 and domains 4, 0x47 for vfio_ap; adapter 7 and domain 1 stay with the host.</summary>
    private static SimulatedKernel Host(int maxAdapterId = 255, int maxDomainId = 255) =>
        Sim.Host(new[] { 5, 6, 7 }, new[] { 1, 4, 0x47 }, new[] { 5, 6 }, new[] { 4, 0x47 }, maxAdapterId, maxDomainId);

    // ---------------------------------------------------------------- assign_adapter / assign_domain

    [Theory]
    [InlineData("5,6")]
    [InlineData("")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("08")]      // octal has no 8
    [InlineData("0x")]
    [InlineData("five")]
    public void Assign_with_a_bad_number_is_EINVAL(string value)
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "assign_adapter"), value));
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "assign_domain"), value));
        Assert.Equal("", k.Matrix(m));
    }

    [Fact]
    public void Assign_with_an_overflowing_number_is_ERANGE()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.ERANGE, k.Echo(Sim.Mdev(m, "assign_adapter"), "99999999999999999999999"));
        Assert.Equal(Errno.ERANGE, k.Echo(Sim.Mdev(m, "assign_domain"), "0xffffffffffffffffff"));
    }

    [Fact]
    public void Ids_are_read_as_kstrtoul_reads_them_so_035_is_octal()
    {
        var k = Sim.Host(new[] { 5 }, new[] { 29, 35 }, new[] { 5 }, new[] { 29, 35 });
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "0x5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "035"));
        Assert.Equal("05.001d\n", k.Matrix(m));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "35"));
        Assert.Equal("05.001d\n05.0023\n", k.Matrix(m));
    }

    [Fact]
    public void Assign_above_the_maximum_id_is_ENODEV()
    {
        var k = Sim.Host(new[] { 5 }, new[] { 4 }, new[] { 5 }, new[] { 4 }, maxAdapterId: 63, maxDomainId: 15);
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "assign_adapter"), "0x40"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "0x3f"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "assign_domain"), "16"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "assign_control_domain"), "16"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "unassign_adapter"), "64"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "unassign_domain"), "16"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "unassign_control_domain"), "16"));
    }

    [Fact]
    public void Assigning_an_assigned_id_is_success_without_change()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "4"));
        var before = k.Matrix(m);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "0x5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "04"));
        Assert.Equal(before, k.Matrix(m));
        Assert.Empty(k.KernelLog);
    }

    [Fact]
    public void Assign_making_a_default_owned_APQN_is_EADDRNOTAVAIL_and_the_bit_is_cleared()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        // Adapter 7 and domain 1 are both in apmask/aqmask: 07.0001 belongs to cex4queue.
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "7"));   // 07 with domain 4 (none yet) is fine
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "4"));    // 07.0004: domain 4 is vfio_ap's
        Assert.Equal(Errno.EADDRNOTAVAIL, k.Echo(Sim.Mdev(m, "assign_domain"), "1"));
        Assert.Equal("07.0004\n", k.Matrix(m));
        var other = k.CreateMdev(B);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(other, "assign_domain"), "1"));
        Assert.Equal(Errno.EADDRNOTAVAIL, k.Echo(Sim.Mdev(other, "assign_adapter"), "7"));
        Assert.Equal(".0001\n", k.Matrix(other));
    }

    [Fact]
    public void Assign_sharing_an_APQN_with_another_mdev_is_EADDRINUSE_and_logged()
    {
        var k = Host();
        var a = k.CreateMdev(A);
        var b = k.CreateMdev(B);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_domain"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_domain"), "0x47"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_domain"), "0x47"));
        Assert.Equal(Errno.EADDRINUSE, k.Echo(Sim.Mdev(b, "assign_adapter"), "5"));
        Assert.Equal(".0047\n", k.Matrix(b));
        var line = Assert.Single(k.KernelLog);
        Assert.EndsWith($"Userspace may not re-assign queue 05.0047 already assigned to {A}", line);
        Assert.StartsWith($"vfio_ap_mdev {A}: ", line);
    }

    [Fact]
    public void Assign_needs_no_queue_device_over_provisioning_is_allowed()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        // No card 0x20 and no queue device 20.0004; aqmask gives domain 4 to vfio_ap, so the APQN is not the host's.
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "0x20"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "4"));
        Assert.Equal("20.0004\n", k.Matrix(m));
        Assert.False(k.QueueExists(new Apqn(0x20, 4)));
        // Adapter 0x20 is not in the host configuration: the guest gets the domain only.
        Assert.Equal(".0004\n", k.GuestMatrix(m));
    }

    [Fact]
    public void Assign_and_unassign_work_while_a_guest_runs_and_the_guest_matrix_follows()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        k.StartGuest(m, "vm1");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "4"));
        Assert.Equal("05.0004\n", k.GuestMatrix(m));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "6"));
        Assert.Equal("05.0004\n06.0004\n", k.GuestMatrix(m));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "unassign_adapter"), "5"));
        Assert.Equal("06.0004\n", k.GuestMatrix(m));
        Assert.Equal("in use\n", k.Read(SysfsLayout.QueueAttribute(new Apqn(6, 4), "status")));
    }

    // ---------------------------------------------------------------- unassign_*

    [Fact]
    public void Unassign_refuses_only_bad_numbers_and_ids_above_the_maximum()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "unassign_adapter"), "x5"));
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "unassign_domain"), "4,5"));
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "unassign_control_domain"), ""));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(m, "unassign_adapter"), "256"));
        // Not assigned: success.
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "unassign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "unassign_domain"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "unassign_control_domain"), "4"));
    }

    // ---------------------------------------------------------------- assign_control_domain

    [Fact]
    public void Control_domains_are_refused_only_for_syntax_and_range_never_for_ownership_or_sharing()
    {
        var k = Host();
        var a = k.CreateMdev(A);
        var b = k.CreateMdev(B);
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(a, "assign_control_domain"), "one"));
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(a, "assign_control_domain"), "0x100"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_control_domain"), "1"));  // host-owned domain: fine
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_control_domain"), "1"));  // shared: fine
        Assert.Equal("0001\n", k.Read(Sim.Mdev(b, "control_domains")));
    }

    // ---------------------------------------------------------------- ap_config

    private static string Cfg(ApMask apm, ApMask aqm, ApMask adm) => apm.ToKernelString() + "," + aqm.ToKernelString() + "," + adm.ToKernelString();

    [Fact]
    public void Ap_config_replaces_the_whole_matrix_at_once()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "ap_config"), Cfg(ApMask.Of(5, 6), ApMask.Of(4, 0x47), ApMask.Of(4))));
        Assert.Equal("05.0004\n05.0047\n06.0004\n06.0047\n", k.Matrix(m));
        Assert.Equal("0004\n", k.Read(Sim.Mdev(m, "control_domains")));
        Assert.Equal(Cfg(ApMask.Of(5, 6), ApMask.Of(4, 0x47), ApMask.Of(4)) + "\n", k.Read(Sim.Mdev(m, "ap_config")));
        Assert.Equal("05.0004\n05.0047\n06.0004\n06.0047\n", k.GuestMatrix(m));
    }

    [Theory]
    [InlineData("0x80")]                       // one mask
    [InlineData("")]                           // nothing
    [InlineData("0xz0,0x80,0x80")]             // not hex
    public void Ap_config_syntax_errors_are_EINVAL(string value)
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "ap_config"), value));
        Assert.Equal("", k.Matrix(m));
    }

    [Fact]
    public void Ap_config_splits_on_newlines_too_so_two_masks_and_echos_newline_read_as_three()
    {
        // strsep(",\n") in ap_config_store: "APM,AQM\n" yields APM, AQM and an empty ADM.
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "ap_config"), ApMask.Of(5).ToKernelString() + "," + ApMask.Of(4).ToKernelString()));
        Assert.Equal("05.0004\n", k.Matrix(m));
        Assert.Equal("", k.Read(Sim.Mdev(m, "control_domains")));
    }

    [Fact]
    public void Ap_config_is_all_or_nothing()
    {
        var k = Host(maxAdapterId: 63);
        var a = k.CreateMdev(A);
        var b = k.CreateMdev(B);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "ap_config"), Cfg(ApMask.Of(5), ApMask.Of(4), ApMask.Empty)));
        var before = k.Read(Sim.Mdev(b, "ap_config"));
        // 07.0001 is the host's.
        Assert.Equal(Errno.EADDRNOTAVAIL, k.Echo(Sim.Mdev(b, "ap_config"), Cfg(ApMask.Of(6, 7), ApMask.Of(1, 0x47), ApMask.Empty)));
        // 05.0004 is A's.
        Assert.Equal(Errno.EADDRINUSE, k.Echo(Sim.Mdev(b, "ap_config"), Cfg(ApMask.Of(5, 6), ApMask.Of(4), ApMask.Empty)));
        Assert.Contains(k.KernelLog, l => l.EndsWith($"queue 05.0004 already assigned to {A}"));
        // Adapter 0x40 is above ap_max_adapter_id 63.
        Assert.Equal(Errno.ENODEV, k.Echo(Sim.Mdev(b, "ap_config"), Cfg(ApMask.Of(6, 0x40), ApMask.Of(0x47), ApMask.Empty)));
        Assert.Equal(before, k.Read(Sim.Mdev(b, "ap_config")));
        Assert.Equal("", k.Matrix(b));
    }

    [Fact]
    public void Ap_config_does_not_exist_on_legacy_kernels()
    {
        var k = Sim.Host(new[] { 5 }, new[] { 4 }, new[] { 5 }, null, features: KernelFeatures.Legacy);
        var m = k.CreateMdev(A);
        Assert.Null(k.Lookup(Sim.Mdev(m, "ap_config")));
        Assert.Null(k.Lookup(Sim.Mdev(m, "guest_matrix")));
        // Writing a file sysfs does not have: the directory cannot create it.
        Assert.Equal(Errno.EACCES, k.Echo(Sim.Mdev(m, "ap_config"), Cfg(ApMask.Of(5), ApMask.Of(4), ApMask.Empty)));
    }

    // ---------------------------------------------------------------- apmask / aqmask

    [Theory]
    [InlineData("apmask", "0xg")]
    [InlineData("apmask", "+256")]
    [InlineData("aqmask", "-5-3")]
    [InlineData("aqmask", "0x" + "00000000000000000000000000000000000000000000000000000000000000000")] // 65 digits
    public void Mask_syntax_errors_are_EINVAL(string attribute, string value)
    {
        var k = Host();
        var before = k.Read("bus/ap/" + attribute);
        Assert.Equal(Errno.EINVAL, k.Echo("bus/ap/" + attribute, value));
        Assert.Equal(before, k.Read("bus/ap/" + attribute));
    }

    [Fact]
    public void Masks_take_absolute_and_relative_syntax_and_rebind_queues()
    {
        var k = Sim.Host(new[] { 5, 6 }, new[] { 4 });
        Assert.Equal("cex4queue", k.DriverOf(new Apqn(5, 4)));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "-5,-6"));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 4)));
        Assert.Equal("0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n", k.Read(SysfsLayout.ApMask));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "+0x5"));
        Assert.Equal("cex4queue", k.DriverOf(new Apqn(5, 4)));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "0x41")); // bits 1 and 7
        Assert.Equal("0x4100000000000000000000000000000000000000000000000000000000000000\n", k.Read(SysfsLayout.ApMask));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(6, 4)));
    }

    [Fact]
    public void Giving_back_an_APQN_an_mdev_uses_is_EBUSY_with_a_log_line_per_APQN()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "0x47"));
        // Adapter 5 back in apmask: 05.0004 and 05.0047 stay vfio_ap's because aqmask lacks 4 and 0x47.
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "+5"));
        Assert.Empty(k.KernelLog);
        // Domains 4 and 0x47 back in aqmask would give 05.0004 and 05.0047 to cex4queue.
        var aqmask = k.Read(SysfsLayout.AqMask);
        Assert.Equal(Errno.EBUSY, k.Echo(SysfsLayout.AqMask, "+4,+0x47"));
        Assert.Equal(aqmask, k.Read(SysfsLayout.AqMask));
        Assert.Equal(2, k.KernelLog.Count);
        Assert.EndsWith($"Userspace may not re-assign queue 05.0004 already assigned to {A}", k.KernelLog[0]);
        Assert.EndsWith($"Userspace may not re-assign queue 05.0047 already assigned to {A}", k.KernelLog[1]);
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 4)));
        // The same through apmask: adapter 6 is unused, so giving it back works.
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "+6"));
    }

    [Fact]
    public void Writing_the_mask_it_already_has_is_success()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        k.Echo(Sim.Mdev(m, "assign_adapter"), "5");
        k.Echo(Sim.Mdev(m, "assign_domain"), "4");
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, k.Read(SysfsLayout.ApMask).TrimEnd('\n')));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.AqMask, "-4"));
        Assert.Empty(k.KernelLog);
    }

    // ---------------------------------------------------------------- create / remove

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("62177883-f1bb-47f0-914d-32a22e3a88")]
    [InlineData("62177883f1bb-47f0-914d-32a22e3a8804-")]
    [InlineData("62177883-f1bb-47f0-914d-32a22e3a8804xx")]
    public void Create_with_a_bad_uuid_is_EINVAL(string value)
    {
        var k = Host();
        Assert.Equal(Errno.EINVAL, k.Echo(SysfsLayout.MdevCreate, value));
        Assert.Empty(k.Mdevs);
    }

    [Fact]
    public void Create_of_an_existing_uuid_is_EEXIST_in_either_case()
    {
        var k = Host();
        k.CreateMdev(A);
        Assert.Equal(Errno.EEXIST, k.Echo(SysfsLayout.MdevCreate, A));
        Assert.Equal(Errno.EEXIST, k.Echo(SysfsLayout.MdevCreate, A.ToUpperInvariant()));
        Assert.Equal("65535\n", k.Read(SysfsLayout.MdevAvailableInstances));
    }

    [Fact]
    public void Create_when_no_instance_is_left_is_EUSERS()
    {
        var k = Host();
        Assert.Equal($"{SimulatedKernel.MaxInstances}\n", k.Read(SysfsLayout.MdevAvailableInstances));
        for (int i = 0; i < SimulatedKernel.MaxInstances; i++)
            Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevCreate, $"00000000-0000-4000-8000-{i:x12}"));
        Assert.Equal("0\n", k.Read(SysfsLayout.MdevAvailableInstances));
        Assert.Equal(Errno.EUSERS, k.Echo(SysfsLayout.MdevCreate, A));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevAttribute(Guid.Parse("00000000-0000-4000-8000-000000000007"), "remove"), "1"));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevCreate, A));
    }

    [Fact]
    public void Remove_is_EBUSY_while_a_guest_uses_the_mdev()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        k.StartGuest(m, "vm1");
        Assert.Equal(Errno.EBUSY, k.Echo(Sim.Mdev(m, "remove"), "1"));
        Assert.Single(k.Mdevs);
        k.StopGuest(m);
        Assert.Equal(Errno.EINVAL, k.Echo(Sim.Mdev(m, "remove"), "yes"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "remove"), "0")); // 0 does nothing
        Assert.Single(k.Mdevs);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "remove"), "1"));
        Assert.Empty(k.Mdevs);
        Assert.Null(k.Lookup(SysfsLayout.MdevDir(m)));
        Assert.Equal($"{SimulatedKernel.MaxInstances}\n", k.Read(SysfsLayout.MdevAvailableInstances));
    }

    // ---------------------------------------------------------------- bind / unbind

    [Fact]
    public void Bind_is_EBUSY_for_a_bound_device_and_ENODEV_against_the_masks()
    {
        var k = Host();
        var vfio = new Apqn(5, 4);   // vfio_ap's
        var host = new Apqn(7, 1);   // the host's
        Assert.Equal(Errno.EBUSY, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "bind"), vfio.ToString()));
        Assert.Equal(Errno.EBUSY, k.Echo(SysfsLayout.DriverAttribute("cex4queue", "bind"), host.ToString()));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), vfio.ToString()));
        Assert.Null(k.DriverOf(vfio));
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("cex4queue", "bind"), vfio.ToString()));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "bind"), vfio.ToString()));
        Assert.Equal("vfio_ap", k.DriverOf(vfio));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.DriverAttribute("cex4queue", "unbind"), host.ToString()));
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "bind"), host.ToString()));
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "bind"), "99.0001")); // no such device
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("cex4card", "bind"), host.ToString())); // wrong device type
    }

    [Fact]
    public void Unbind_of_a_device_not_bound_to_that_driver_is_ENODEV()
    {
        var k = Host();
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("cex4queue", "unbind"), "05.0004"));
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), "07.0001"));
        Assert.Equal(Errno.ENODEV, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), "nothing"));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 4)));
    }

    [Fact]
    public void A_queue_unbound_by_hand_stays_unbound_across_mask_changes()
    {
        var k = Host();
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), "05.0004"));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "+5"));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.AqMask, "+4"));
        Assert.Null(k.DriverOf(new Apqn(5, 4)));
        Assert.Equal("cex4queue", k.DriverOf(new Apqn(5, 1)));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(6, 4)));
    }

    // ---------------------------------------------------------------- permissions

    [Fact]
    public void Writes_as_non_root_are_EACCES_and_write_only_attributes_cannot_be_read()
    {
        var k = Host();
        var m = k.CreateMdev(A);
        using var user = new SimulatedSysfs(k) { AsRoot = false };
        Assert.Equal(Errno.EACCES, user.WriteAsPlan(Sim.Mdev(m, "assign_adapter"), "0x5"));
        Assert.Equal(Errno.EACCES, user.WriteAsPlan(SysfsLayout.ApMask, "-7"));
        Assert.Equal("", k.Matrix(m));
        var r = user.ReadMany(new[] { new SysfsQuery(Sim.Mdev(m, "assign_adapter")), new SysfsQuery(SysfsLayout.ApMask) });
        Assert.Equal(Errno.EACCES, r[Sim.Mdev(m, "assign_adapter")]!.Error);
        Assert.True(r[SysfsLayout.ApMask]!.Ok);
        // Root cannot read a write-only attribute either, nor write a read-only one.
        Assert.Equal(Errno.EACCES, k.Cat(Sim.Mdev(m, "assign_domain")).Error);
        Assert.Equal(Errno.EACCES, k.Cat(SysfsLayout.DriverAttribute("vfio_ap", "bind")).Error);
        Assert.Equal(Errno.EACCES, k.Echo(Sim.Mdev(m, "matrix"), "05.0004"));
        Assert.Equal(Errno.EISDIR, k.Echo(SysfsLayout.MdevDir(m), "1"));
        Assert.Equal(Errno.ENOENT, k.Echo("bus/nosuchbus/attr", "1"));
    }
}
