using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The kernel keeps a deconfigured or checkstopped queue bound to vfio_ap passable (<c>_queue_passable</c>): the
/// prediction keeps it in the APCB, as the kernel's guest_matrix does, and reports it as unusable with the reason.
/// </summary>
public class ApcbUsabilityTests
{
    private static Apcb ApcbOf(SimulatedKernel k)
    {
        var snapshot = HostReader.Read(new SimulatedSysfs(k, "h"));
        return ApcbReport.Build(snapshot, Assert.Single(snapshot.Mdevs));
    }

    private static SimulatedKernel AllBoundSeed()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/vfio_ap/bind", "05.0035"));
        return k;
    }

    [Fact]
    public void A_deconfigured_card_s_queues_stay_in_the_apcb_and_are_reported_unusable()
    {
        var k = AllBoundSeed();
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/config", "0"));
        var apcb = ApcbOf(k);
        Assert.True(apcb.Matches);
        Assert.Equal(6, apcb.Apqns.Count);
        Assert.Empty(apcb.Dropped);
        Assert.Equal(new[] { "05.0004", "05.0022", "05.0035" }, apcb.Unusable.Select(u => u.Apqn.ToString()));
        Assert.All(apcb.Unusable, u => Assert.Equal(UnusableReason.CardDeconfigured, u.Reason));
        Assert.Contains("adapter 05 is deconfigured", apcb.Unusable[0].Message);

        k.ScanBus();      // the queues now say config 0 too; the card's state stays the first reason
        apcb = ApcbOf(k);
        Assert.Equal(6, apcb.Apqns.Count);
        Assert.All(apcb.Unusable, u => Assert.Equal(UnusableReason.CardDeconfigured, u.Reason));
    }

    [Fact]
    public void A_checkstopped_adapter_stays_in_the_apcb_and_is_reported_unusable_after_the_scan_shows_it()
    {
        var k = AllBoundSeed();
        k.SetCardCheckstop(new ApId(4), true);
        Assert.Empty(ApcbOf(k).Unusable);
        k.ScanBus();
        var apcb = ApcbOf(k);
        Assert.Equal(6, apcb.Apqns.Count);
        Assert.Equal(new[] { "04.0004", "04.0022", "04.0035" }, apcb.Unusable.Select(u => u.Apqn.ToString()));
        Assert.All(apcb.Unusable, u => Assert.Equal(UnusableReason.Checkstopped, u.Reason));
    }

    [Fact]
    public void An_offline_card_is_the_host_s_business_and_not_unusable_for_the_guest()
    {
        var k = AllBoundSeed();
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "0"));
        Assert.Empty(ApcbOf(k).Unusable);
    }
}
