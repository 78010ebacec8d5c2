using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The worked examples of about_VfioAp_Apcb: WORKED EXAMPLES through the simulated tree, and the events at which the kernel recomputes the
/// shadow APCB (and those at which it only cuts it).
/// </summary>
public class SimulationShadowApcbTests
{
    [Fact]
    public void Seed_guest_matrix_drops_adapter_05()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.Matrix(Sim.SeedMdev));
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Null(k.DriverOf(new Apqn(5, 0x35)));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 0x22)));
        Assert.Equal("assigned\n", k.Read("devices/ap/card05/05.0022/status"));
    }

    [Fact]
    public void Seed_rebinding_05_0035_gives_the_guest_adapter_05_back()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "05.0035"));
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Unbinding_a_queue_from_vfio_ap_unplugs_its_adapter_and_binding_it_back_refilters()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/unbind", "04.0022"));
        // Both adapters are out; with domains left, guest_matrix shows the domains alone.
        Assert.Equal(".0004\n.0022\n.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "04.0022"));
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Kernel_doc_guests_get_their_matrices_and_adapter_6_cannot_join_guest_2()
    {
        var k = ScenarioLibrary.Load("kernel-doc");
        Assert.Equal("05.0004\n05.00ab\n06.0004\n06.00ab\n", k.GuestMatrix(Sim.Guest1));
        Assert.Equal("05.0047\n05.00ff\n", k.GuestMatrix(Sim.Guest2));
        Assert.Equal("06.0047\n06.00ff\n", k.GuestMatrix(Sim.Guest3));
        Assert.Equal("in use\n", k.Read("devices/ap/card06/06.0047/status"));
        Assert.Equal("CEX5A\n", k.Read("devices/ap/card06/type"));
        Assert.Equal("11\n", k.Read("devices/ap/card06/hwtype"));

        Assert.Equal(Errno.EADDRINUSE, k.Echo(Sim.Mdev(Sim.Guest2, "assign_adapter"), "6"));
        Assert.Equal("05.0047\n05.00ff\n", k.Matrix(Sim.Guest2));
        var g3 = SysfsLayout.FormatUuid(Sim.Guest3);
        Assert.Equal(new[]
        {
            $"vfio_ap_mdev {g3}: Userspace may not re-assign queue 06.0047 already assigned to {g3}",
            $"vfio_ap_mdev {g3}: Userspace may not re-assign queue 06.00ff already assigned to {g3}",
        }, k.KernelLog);
    }

    [Fact]
    public void Over_provisioned_domain_is_cut_and_arrives_without_a_write_when_the_machine_configures_it()
    {
        var k = ScenarioLibrary.Load("over-provisioned");
        var m = k.Mdevs.Single();
        Assert.Equal("05.0004\n05.0047\n06.0004\n06.0047\n", k.Matrix(m));
        Assert.Equal("05.0004\n06.0004\n", k.GuestMatrix(m));
        var host = k.HostConfig;
        k.SetHostConfig(new HostApConfig(host.Adapters, host.Domains.With(0x47), host.ControlDomains));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 0x47)));
        Assert.Equal("05.0004\n05.0047\n06.0004\n06.0047\n", k.GuestMatrix(m));
        Assert.Equal(SysfsFormat.FormatMask(ApMask.Of(4, 0x47)), k.Read(SysfsLayout.HostUsageDomainMask));
    }

    [Fact]
    public void Adapters_only_matrix_shows_adapter_lines()
    {
        var k = Sim.Host(new[] { 5, 6 }, new[] { 4 }, new[] { 5, 6 });
        var m = k.CreateMdev("12345678-0000-4000-8000-000000000001");
        k.Echo(Sim.Mdev(m, "assign_adapter"), "5");
        k.Echo(Sim.Mdev(m, "assign_adapter"), "6");
        Assert.Equal("05.\n06.\n", k.Matrix(m));
        Assert.Equal("05.\n06.\n", k.GuestMatrix(m));
    }

    [Fact]
    public void Unassigning_a_domain_only_cuts_it_an_adapter_dropped_for_that_domain_stays_dropped()
    {
        // vfio_ap_mdev_hot_unplug_domain clears the APQI from the shadow and does not filter again.
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "unassign_domain"), "0x35"));
        Assert.Equal("04.0004\n04.0022\n", k.GuestMatrix(Sim.SeedMdev));
        // A fresh prediction would give 05 back; the kernel does so only at its next filter event.
        var prediction = ApcbFilter.Predict(k.MatrixOf(Sim.SeedMdev), k.HostConfig, k.QueueStates);
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", prediction.GuestMatrixText);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "assign_domain"), "0x35"));  // filter event (and re-adds 0x35)
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "ap_config"), SysfsFormat.FormatApConfig(
            new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4, 0x22), ApMask.Empty)).TrimEnd('\n')));
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void A_failed_reset_drops_the_adapter_at_the_next_filter_not_before()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "05.0035"));
        k.SetResetFailed(new Apqn(4, 0x22), true);
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.True(k.QueueStates.ResetFailed(new Apqn(4, 0x22)));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "assign_control_domain"), "4"));  // filters control domains only
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "assign_adapter"), "6"));        // filters the matrix
        Assert.Equal("05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
        // Leaving vfio_ap forgets the failure; coming back re-filters.
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/unbind", "04.0022"));
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "04.0022"));
        Assert.False(k.QueueStates.ResetFailed(new Apqn(4, 0x22)));
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Adapters_and_domains_leaving_the_host_configuration_are_cut_and_come_back_refiltered()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "05.0035"));
        var host = k.HostConfig;
        k.SetHostConfig(new HostApConfig(host.Adapters.Without(4), host.Domains.Without(0x22), host.ControlDomains));
        Assert.Null(k.Lookup("devices/ap/card04"));
        Assert.False(k.QueueExists(new Apqn(5, 0x22)));
        Assert.Equal("05.0004\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
        k.SetHostConfig(host);
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(4, 0x22)));
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Queue_status_says_assigned_unassigned_or_in_use_and_exists_only_under_vfio_ap()
    {
        var k = ScenarioLibrary.Load("seed");
        var status = "devices/ap/card04/04.0004/status";
        Assert.Equal("assigned\n", k.Read(status));
        k.StartGuest(Sim.SeedMdev, "vm");
        Assert.Equal("in use\n", k.Read(status));
        k.StopGuest(Sim.SeedMdev);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "unassign_adapter"), "4"));
        Assert.Equal("unassigned\n", k.Read(status));
        Assert.Null(k.Lookup("devices/ap/card05/05.0035/status"));        // unbound
        Assert.NotNull(k.Lookup("devices/ap/card05/05.0035/config"));
        Assert.Null(k.Lookup("devices/ap/card05/05.0035/online"));        // zcrypt's, and cex4queue does not hold it
    }

    [Fact]
    public void Without_QCI_vfio_ap_has_an_all_zero_configuration_and_the_guest_gets_nothing()
    {
        // vfio_ap fills matrix_dev->info only when PQAP(QCI) exists (facility 12); otherwise it stays zero and the
        // filter's first step cuts every adapter and domain. The module's prediction must agree.
        var k = new SimulatedKernel(maxAdapterId: 63, maxDomainId: 15);
        k.AddCard(new ApId(2), "CEX7C");
        k.SetHostConfig(new HostApConfig(ApMask.Of(2), ApMask.Of(1), ApMask.Of(1), reported: false));
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, "-2"));
        var m = k.CreateMdev("12345678-0000-4000-8000-000000000001");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "2"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "1"));
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(2, 1)));
        Assert.Equal("02.0001\n", k.Matrix(m));
        Assert.Equal("", k.GuestMatrix(m));

        var snapshot = HostReader.Read(new SimulatedSysfs(k));
        var mdev = Assert.Single(snapshot.Mdevs);
        var prediction = VfioAp.Core.Rules.ApcbFilter.Predict(mdev.Matrix, snapshot.HostConfig, snapshot);
        Assert.Equal(k.GuestMatrix(m), prediction.GuestMatrixText);
        Assert.Contains(prediction.Dropped, d => d.Message.Contains("no QCI"));
    }

    [Fact]
    public void Kernel_features_current_has_both_attributes_and_legacy_neither()
    {
        Assert.True(KernelFeatures.Current.ApConfig && KernelFeatures.Current.GuestMatrix);
        Assert.False(KernelFeatures.Legacy.ApConfig || KernelFeatures.Legacy.GuestMatrix);
        Assert.Equal(KernelFeatures.Current, new SimulatedKernel().Features);
    }
}
