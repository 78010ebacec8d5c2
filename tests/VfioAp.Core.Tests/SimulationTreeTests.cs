using System;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>The simulated tree: every path of about_VfioAp_Kernel: SYSFS LAYOUT, the kernel's text (about_VfioAp_Kernel: READ FORMATS, ap_card.c, ap_queue.c, zcrypt_*.c), links and modes.</summary>
public class SimulationTreeTests
{
    private static readonly SimulatedKernel Seed = ScenarioLibrary.Load("seed");
    private static readonly string SeedMdev = SysfsLayout.FormatUuid(Sim.SeedMdev);

    [Theory]
    [InlineData("bus/ap/apmask")]
    [InlineData("bus/ap/aqmask")]
    [InlineData("bus/ap/ap_adapter_mask")]
    [InlineData("bus/ap/ap_usage_domain_mask")]
    [InlineData("bus/ap/ap_control_domain_mask")]
    [InlineData("bus/ap/ap_max_adapter_id")]
    [InlineData("bus/ap/ap_max_domain_id")]
    [InlineData("bus/ap/ap_domain")]
    [InlineData("bus/ap/ap_interrupts")]
    [InlineData("bus/ap/config_time")]
    [InlineData("bus/ap/poll_thread")]
    [InlineData("bus/ap/poll_timeout")]
    [InlineData("bus/ap/scans")]
    [InlineData("bus/ap/bindings")]
    [InlineData("bus/ap/drivers/cex4card/bind")]
    [InlineData("bus/ap/drivers/cex4queue/unbind")]
    [InlineData("bus/ap/drivers/vfio_ap/bind")]
    [InlineData("devices/ap/card04/type")]
    [InlineData("devices/ap/card04/hwtype")]
    [InlineData("devices/ap/card04/raw_hwtype")]
    [InlineData("devices/ap/card04/depth")]
    [InlineData("devices/ap/card04/ap_functions")]
    [InlineData("devices/ap/card04/online")]
    [InlineData("devices/ap/card04/config")]
    [InlineData("devices/ap/card04/chkstop")]
    [InlineData("devices/ap/card04/max_msg_size")]
    [InlineData("devices/ap/card04/request_count")]
    [InlineData("devices/ap/card04/requestq_count")]
    [InlineData("devices/ap/card04/pendingq_count")]
    [InlineData("devices/ap/card04/modalias")]
    [InlineData("devices/ap/card04/04.0004/config")]
    [InlineData("devices/ap/card04/04.0004/chkstop")]
    [InlineData("devices/ap/card04/04.0004/interrupt")]
    [InlineData("devices/ap/card04/04.0004/request_count")]
    [InlineData("devices/ap/card04/04.0004/requestq_count")]
    [InlineData("devices/ap/card04/04.0004/pendingq_count")]
    [InlineData("devices/ap/card04/04.0004/reset")]
    [InlineData("devices/ap/card04/04.0004/status")]
    [InlineData("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/name")]
    [InlineData("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/device_api")]
    [InlineData("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances")]
    [InlineData("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/matrix")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/guest_matrix")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/control_domains")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/ap_config")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/remove")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/assign_adapter")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/unassign_control_domain")]
    public void Every_spec_file_exists(string path)
    {
        var node = Seed.Lookup(path);
        Assert.NotNull(node);
        Assert.Equal(SysfsNodeKind.File, node!.Kind);
    }

    [Theory]
    [InlineData("bus/ap/devices/card04", "../../../devices/ap/card04")]
    [InlineData("bus/ap/devices/05.0035", "../../../devices/ap/card05/05.0035")]
    [InlineData("bus/ap/drivers/vfio_ap/04.0022", "../../../../devices/ap/card04/04.0022")]
    [InlineData("bus/ap/drivers/cex4card/card05", "../../../../devices/ap/card05")]
    [InlineData("devices/ap/card04/driver", "../../../bus/ap/drivers/cex4card")]
    [InlineData("devices/ap/card04/04.0004/driver", "../../../../bus/ap/drivers/vfio_ap")]
    [InlineData("devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804/mdev_type", "../mdev_supported_types/vfio_ap-passthrough")]
    [InlineData("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/62177883-f1bb-47f0-914d-32a22e3a8804", "../../../62177883-f1bb-47f0-914d-32a22e3a8804")]
    [InlineData("bus/mdev/devices/62177883-f1bb-47f0-914d-32a22e3a8804", "../../../devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804")]
    public void Symlinks_have_sysfs_relative_targets(string path, string target)
    {
        var k = ScenarioLibrary.Load("seed");
        var node = k.Lookup(path);
        Assert.NotNull(node);
        Assert.Equal(SysfsNodeKind.Symlink, node!.Kind);
        Assert.Equal(target, node.LinkTarget);
        // The target resolves from the link's directory to a directory of the tree.
        Assert.NotNull(k.List(path));
    }

    [Fact]
    public void Paths_through_symlinks_resolve_as_in_sysfs()
    {
        Assert.Equal("assigned\n", Seed.Read("bus/ap/devices/04.0004/status"));
        Assert.Equal("assigned\n", Seed.Read("bus/ap/drivers/vfio_ap/04.0004/status"));
        Assert.Equal(Seed.Read("devices/vfio_ap/matrix/" + SeedMdev + "/matrix"), Seed.Read("bus/mdev/devices/" + SeedMdev + "/matrix"));
        Assert.Equal("vfio-ap\n", Seed.Read("bus/mdev/devices/" + SeedMdev + "/mdev_type/device_api"));
        Assert.Contains("04.0004", Seed.List("bus/ap/devices/card04")!);
    }

    [Fact]
    public void Bus_attributes_print_the_kernels_text()
    {
        // apmask "-4,-5" and aqmask "-4,-0x22,-0x35" applied to the boot default, all ones.
        Assert.Equal("0xf3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n", Seed.Read("bus/ap/apmask"));
        Assert.Equal("0x" + "f7ffffffdffffbff" + new string('f', 48) + "\n", Seed.Read("bus/ap/aqmask"));
        Assert.Equal("0x0c00000000000000000000000000000000000000000000000000000000000000\n", Seed.Read("bus/ap/ap_adapter_mask"));
        Assert.Equal(SysfsFormat.FormatMask(ApMask.Of(4, 0x22, 0x35)), Seed.Read("bus/ap/ap_usage_domain_mask"));
        Assert.Equal("255\n", Seed.Read("bus/ap/ap_max_adapter_id"));
        Assert.Equal("255\n", Seed.Read("bus/ap/ap_max_domain_id"));
        Assert.Equal("5/6\n", Seed.Read("bus/ap/bindings"));  // 05.0035 is unbound
        Assert.Equal("-1\n", Seed.Read("bus/ap/ap_domain"));  // no queue is the host's
        var all = Sim.Host(new[] { 4 }, new[] { 3, 7 });
        Assert.Equal("2/2 (complete)\n", all.Read("bus/ap/bindings"));
        Assert.Equal("3\n", all.Read("bus/ap/ap_domain"));
    }

    [Fact]
    public void Without_QCI_the_configuration_masks_say_not_supported()
    {
        var k = new SimulatedKernel(maxAdapterId: 63, maxDomainId: 15);
        k.AddCard(new ApId(2), "CEX6A");
        k.SetHostConfig(new HostApConfig(ApMask.Of(2), ApMask.Of(1, 2), ApMask.Empty, reported: false));
        Assert.Equal("not supported\n", k.Read("bus/ap/ap_adapter_mask"));
        Assert.Equal("not supported\n", k.Read("bus/ap/ap_usage_domain_mask"));
        Assert.Equal("not supported\n", k.Read("bus/ap/ap_control_domain_mask"));
        Assert.True(k.QueueExists(new Apqn(2, 1)));
        Assert.Equal("12\n", k.Read("devices/ap/card02/hwtype"));
    }

    [Fact]
    public void Card_attributes_follow_ap_card_and_zcrypt_card()
    {
        Assert.Equal("CEX8C\n", Seed.Read("devices/ap/card04/type"));
        Assert.Equal("14\n", Seed.Read("devices/ap/card04/hwtype"));
        Assert.Equal("14\n", Seed.Read("devices/ap/card04/raw_hwtype"));
        Assert.Equal("ap:t0E\n", Seed.Read("devices/ap/card04/modalias"));
        Assert.Matches("^0x[0-9A-F]{8}\n$", Seed.Read("devices/ap/card04/ap_functions"));
        Assert.Equal("1\n", Seed.Read("devices/ap/card04/online"));
        Assert.Equal("1\n", Seed.Read("devices/ap/card04/config"));
        Assert.Equal("0\n", Seed.Read("devices/ap/card04/chkstop"));

        // type, online and load are zcrypt's: they go with cex4card.
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/cex4card/unbind", "card04"));
        Assert.Null(k.Lookup("devices/ap/card04/type"));
        Assert.Null(k.Lookup("devices/ap/card04/online"));
        Assert.Null(k.Lookup("devices/ap/card04/driver"));
        Assert.NotNull(k.Lookup("devices/ap/card04/hwtype"));
        Assert.Equal(Errno.EBUSY, k.Echo("bus/ap/drivers/cex4card/bind", "card05"));
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/cex4card/bind", "card04"));
        Assert.Equal("CEX8C\n", k.Read("devices/ap/card04/type"));
    }

    [Fact]
    public void Card_and_queue_online_follow_zcrypt_semantics()
    {
        var k = Sim.Host(new[] { 4 }, new[] { 1, 2 });
        Assert.Equal("1\n", k.Read("devices/ap/card04/04.0001/online"));
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card04/04.0001/online", "2"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/04.0001/online", "0"));
        Assert.Equal("0\n", k.Read("devices/ap/card04/04.0001/online"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "0"));            // forces every queue offline
        Assert.Equal("0\n", k.Read("devices/ap/card04/04.0002/online"));
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card04/04.0002/online", "1")); // card offline
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/config", "0"));
        Assert.Equal(Errno.ENODEV, k.Echo("devices/ap/card04/online", "1"));        // deconfigured
        Assert.Equal("1\n", k.Read("devices/ap/card04/04.0001/config"));            // the queue follows only at the next bus scan
        Assert.Equal(Errno.None, k.Echo("bus/ap/scans", "1"));
        Assert.Equal("0\n", k.Read("devices/ap/card04/04.0001/config"));
        Assert.Equal(Errno.ENODEV, k.Echo("devices/ap/card04/04.0001/online", "1"));
        Assert.Equal("0\n", k.Read("devices/ap/card04/04.0001/request_count"));    // cex4queue initialised it: a count, not "-"
    }

    [Fact]
    public void Queue_attributes_depend_on_the_driver()
    {
        var host = Seed.List("devices/ap/card04/04.0004")!;   // vfio_ap
        Assert.Contains("status", host);
        Assert.DoesNotContain("online", host);
        Assert.Equal(new[] { "ap_functions", "chkstop", "config", "driver", "interrupt", "pendingq_count", "request_count", "requestq_count", "reset", "status" }, host);
        var k = Sim.Host(new[] { 4 }, new[] { 1 });
        Assert.Equal(new[] { "ap_functions", "chkstop", "config", "driver", "interrupt", "load", "online", "pendingq_count", "request_count", "requestq_count", "reset" },
                     k.List("devices/ap/card04/04.0001"));
        Assert.Equal("../../../../bus/ap/drivers/cex4queue", k.Lookup("devices/ap/card04/04.0001/driver")!.LinkTarget);
        Assert.Equal("No Reset Timer set.\n", k.Read("devices/ap/card04/04.0001/reset"));
        Assert.Equal("Interrupts enabled.\n", k.Read("devices/ap/card04/04.0001/interrupt"));
        Assert.Equal(SysfsNodeKind.File, k.Lookup("devices/ap/card04/04.0001/config")!.Kind);
        Assert.Equal(0x124, k.Lookup("devices/ap/card04/04.0001/config")!.Mode);  // read-only on queues
        Assert.Equal(0x1A4, k.Lookup("devices/ap/card04/config")!.Mode);          // read-write on cards
    }

    [Fact]
    public void Mdev_directory_has_the_vfio_ap_attributes_with_their_modes()
    {
        var dir = "devices/vfio_ap/matrix/" + SeedMdev;
        Assert.Equal(new[] { "ap_config", "assign_adapter", "assign_control_domain", "assign_domain", "control_domains", "guest_matrix",
                             "matrix", "mdev_type", "remove", "unassign_adapter", "unassign_control_domain", "unassign_domain" }, Seed.List(dir));
        foreach (var wo in new[] { "assign_adapter", "assign_domain", "assign_control_domain", "unassign_adapter", "unassign_domain", "unassign_control_domain", "remove" })
            Assert.Equal(0x80, Seed.Lookup(dir + "/" + wo)!.Mode);
        Assert.Equal(0x1A4, Seed.Lookup(dir + "/ap_config")!.Mode);
        Assert.Equal(0x124, Seed.Lookup(dir + "/matrix")!.Mode);
        Assert.Equal("", Seed.Read(dir + "/control_domains"));  // the seed assigns no control domain
        Assert.Equal(Seed.Read(dir + "/ap_config"),
                     ApMask.Of(4, 5).ToKernelString() + "," + ApMask.Of(4, 0x22, 0x35).ToKernelString() + "," + ApMask.Empty.ToKernelString() + "\n");
    }

    [Fact]
    public void Mdev_type_directory_shows_name_api_and_instances()
    {
        const string type = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough";
        Assert.Equal("VFIO AP Passthrough Device\n", Seed.Read(type + "/name"));
        Assert.Equal("vfio-ap\n", Seed.Read(type + "/device_api"));
        Assert.Equal("65535\n", Seed.Read(type + "/available_instances"));
        Assert.Equal(new[] { SeedMdev }, Seed.List(type + "/devices"));
        Assert.Equal(new[] { "available_instances", "create", "device_api", "devices", "name" }, Seed.List(type));
    }

    [Fact]
    public void Reads_of_directories_missing_files_and_write_only_files_fail_with_the_kernels_errno()
    {
        Assert.Equal(Errno.EISDIR, Seed.Cat("devices/ap/card04").Error);
        Assert.Equal(Errno.ENOENT, Seed.Cat("devices/ap/card09/type").Error);
        Assert.Equal(Errno.ENOENT, Seed.Cat("devices/ap/card04/04.0099/config").Error);
        Assert.Equal(Errno.EACCES, Seed.Cat("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create").Error);
        Assert.Null(Seed.Lookup("devices/ap/CARD04"));
        Assert.Null(Seed.Lookup("devices/ap/card04/04.0004/status/x"));
        Assert.Null(Seed.List("bus/ap/apmask"));
    }
}
