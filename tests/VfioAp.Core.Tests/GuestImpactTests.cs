using System;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// A host copied from its snapshot into the simulated kernel reads back as the host, and the guest impact of a list
/// of writes replayed on that copy is what the host's kernel then does to each guest.
/// </summary>
public class GuestImpactTests
{
    private const SnapshotParts Parts = SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs;

    private static HostSnapshot Read(SimulatedKernel k) => HostReader.Read(new SimulatedSysfs(k, "h"), SnapshotParts.All);

    private static SysfsWrite W(string path, string value) => new SysfsWrite(path, value);

    /// <summary>The seed host with 05.0035 bound again (all six APQNs in the guest) and a running guest.</summary>
    private static SimulatedKernel RunningSeed()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "05.0035"));
        k.StartGuest(Sim.SeedMdev, "vm1");
        k.HostFiles.Add(new SimulatedDomain("vm1", "running", false, new[] { Sim.SeedMdev }));
        return k;
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("kernel-doc")]
    [InlineData("over-provisioned")]
    public void A_copy_of_a_snapshot_reads_back_as_the_host(string scenario)
    {
        var k = ScenarioLibrary.Load(scenario);
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/config", "0"));
        var snapshot = HostReader.Read(new SimulatedSysfs(k, "h"), Parts);
        var copy = SnapshotKernel.Build(snapshot);
        Assert.Equal(SnapshotText.Of(snapshot), SnapshotText.Of(HostReader.Read(new SimulatedSysfs(copy, "h"), Parts)));
        foreach (var m in k.Mdevs) Assert.Equal(k.ShadowApcbOf(m), copy.ShadowApcbOf(m));
    }

    [Fact]
    public void The_copy_starts_from_the_kernel_s_shadow_not_from_a_fresh_filter()
    {
        // Unassigning the domain whose queue made the kernel drop adapter 05 leaves 05 dropped (an incremental cut).
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "unassign_domain"), "0x35"));
        Assert.Equal("04.0004\n04.0022\n", k.GuestMatrix(Sim.SeedMdev));
        var copy = SnapshotKernel.Build(Read(k));
        Assert.Equal("04.0004\n04.0022\n", copy.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Binding_the_seed_s_unbound_queue_gains_adapter_05()
    {
        var k = ScenarioLibrary.Load("seed");
        var report = GuestImpactCalculator.Compute(Read(k), new[] { W(SysfsLayout.DriverAttribute("vfio_ap", "bind"), "05.0035") });
        var g = Assert.Single(report.Guests);
        Assert.Equal(new[] { "05.0004", "05.0022", "05.0035" }, g.Gained.Select(q => q.ToString()));
        Assert.Empty(g.Lost);
        Assert.False(g.GuestRunning);
        Assert.Contains("Gains adapter 05 (05.0004, 05.0022, 05.0035).", g.Reasons);
        Assert.Null(report.RefusedWrite);
        Assert.Null(k.DriverOf(new Apqn(5, 0x35)));     // the host itself is not touched
    }

    [Fact]
    public void Unbinding_one_queue_loses_its_whole_adapter_for_the_running_vm()
    {
        var report = GuestImpactCalculator.Compute(Read(RunningSeed()), new[] { W(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), "04.0022") });
        var g = Assert.Single(report.RunningGuestsLosingCrypto);
        Assert.Equal("vm1", g.Guest);
        Assert.Equal(Sim.SeedMdev, g.Mdev);
        Assert.Equal(new[] { "04.0004", "04.0022", "04.0035" }, g.Lost.Select(q => q.ToString()));
        Assert.Contains(g.Reasons, r => r.StartsWith("Loses adapter 04 (04.0004, 04.0022, 04.0035): Adapter 04 is dropped from the guest: queue 04.0022 is not bound", StringComparison.Ordinal));
    }

    [Fact]
    public void Deconfiguring_a_card_keeps_its_queues_in_the_apcb_but_unusable()
    {
        var report = GuestImpactCalculator.Compute(Read(RunningSeed()),
            new[] { W(SysfsLayout.CardAttribute(new ApId(5), "config"), "0"), W("bus/ap/scans", "1") });
        var g = Assert.Single(report.Guests);
        Assert.Empty(g.Lost);
        Assert.Equal(new[] { "05.0004", "05.0022", "05.0035" }, g.Unusable.Select(u => u.Apqn.ToString()));
        Assert.All(g.Unusable, u => Assert.Equal(UnusableReason.CardDeconfigured, u.Reason));
        Assert.True(g.LosesCrypto);
        Assert.Single(report.RunningGuestsLosingCrypto);

        // Configured again, they are usable again.
        var k = RunningSeed();
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/config", "0"));
        k.ScanBus();
        var back = Assert.Single(GuestImpactCalculator.Compute(Read(k), new[] { W(SysfsLayout.CardAttribute(new ApId(5), "config"), "1"), W("bus/ap/scans", "1") }).Guests);
        Assert.Equal(new[] { "05.0004", "05.0022", "05.0035" }, back.Recovered.Select(q => q.ToString()));
        Assert.False(back.LosesCrypto);
    }

    [Fact]
    public void Setting_a_card_offline_changes_no_guest()
    {
        var report = GuestImpactCalculator.Compute(Read(RunningSeed()), new[] { W(SysfsLayout.CardAttribute(new ApId(4), "online"), "0") });
        Assert.Empty(report.Changed);
        Assert.Null(report.RefusedWrite);
    }

    [Fact]
    public void The_replay_stops_at_the_write_the_kernel_refuses()
    {
        var writes = new[]
        {
            W(SysfsLayout.DriverAttribute("vfio_ap", "unbind"), "04.0004"),
            W(SysfsLayout.DriverAttribute("vfio_ap", "bind"), "05.0022"),      // EBUSY: already bound
            W(SysfsLayout.DriverAttribute("vfio_ap", "bind"), "04.0004"),
        };
        var report = GuestImpactCalculator.Compute(Read(RunningSeed()), writes);
        Assert.Same(writes[1], report.RefusedWrite);
        Assert.Equal(Errno.EBUSY, report.RefusedErrno);
        Assert.Equal(3, Assert.Single(report.Guests).Lost.Count);
    }

    [Fact]
    public void A_plan_s_impact_is_that_of_its_sysfs_writes()
    {
        var unassign = W(Sim.Mdev(Sim.SeedMdev, "unassign_domain"), "0x22");
        var plan = new WritePlan("remove domain 0x22", new PlanStep[] { new SysfsWriteStep(unassign, W(Sim.Mdev(Sim.SeedMdev, "assign_domain"), "0x22")) },
                                 SnapshotParts.Mdevs, _ => null);
        var g = Assert.Single(GuestImpactCalculator.Compute(Read(RunningSeed()), plan).Guests);
        Assert.Equal(new[] { "04.0022", "05.0022" }, g.Lost.Select(q => q.ToString()));
        Assert.Contains("Loses domain 0022 (04.0022, 05.0022): it is no longer assigned to the mdev.", g.Reasons);
    }
}
