using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// Card and queue maintenance as the simulated kernel answers it, errno for errno with drivers/s390/crypto and the
/// driver core: bind/unbind (bus.c bind_store, ap_device_probe), vfio_ap's probe and remove of a queue, a queue's
/// reset (ap_queue.c), card config (ap_card.c), card and queue online (zcrypt_card.c, zcrypt_queue.c), the bus scan
/// (ap_bus.c scans_store) and checkstop.
/// </summary>
public class SimulationMaintenanceTests
{
    private const string VfioBind = "bus/ap/drivers/vfio_ap/bind";
    private const string VfioUnbind = "bus/ap/drivers/vfio_ap/unbind";
    private const string ZcryptBind = "bus/ap/drivers/cex4queue/bind";

    // ---------------------------------------------------------------- bind and unbind

    [Fact]
    public void Bind_refuses_as_the_driver_core_and_ap_device_probe_do()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.ENODEV, k.Echo(VfioBind, "05.0036"));        // no such device
        Assert.Equal(Errno.ENODEV, k.Echo(VfioBind, "card05"));         // vfio_ap does not match card devices
        Assert.Equal(Errno.EBUSY, k.Echo(VfioBind, "05.0022"));         // already bound (to vfio_ap itself)
        Assert.Equal(Errno.ENODEV, k.Echo(ZcryptBind, "05.0035"));      // apmask/aqmask give it to vfio_ap
        Assert.Null(k.DriverOf(new Apqn(5, 0x35)));
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0035"));          // echo adds the newline the driver core tolerates
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 0x35)));
        Assert.Equal(Errno.EBUSY, k.Echo(VfioBind, "05.0035"));
    }

    [Fact]
    public void A_queue_owned_by_the_default_drivers_cannot_be_bound_to_vfio_ap()
    {
        var k = Sim.Host(new[] { 4 }, new[] { 1, 2 }, vfioDomains: new[] { 2 });
        Assert.Equal(Errno.None, k.Echo("bus/ap/drivers/cex4queue/unbind", "04.0001"));
        Assert.Equal(Errno.ENODEV, k.Echo(VfioBind, "04.0001"));
        Assert.Equal(Errno.None, k.Echo(ZcryptBind, "04.0001"));
        Assert.Equal(Errno.EBUSY, k.Echo(ZcryptBind, "04.0002"));       // bound to vfio_ap: EBUSY comes before the probe's ENODEV
    }

    [Fact]
    public void Unbind_is_ENODEV_unless_the_device_is_bound_to_that_driver()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.ENODEV, k.Echo(VfioUnbind, "05.0035"));      // unbound
        Assert.Equal(Errno.ENODEV, k.Echo("bus/ap/drivers/cex4queue/unbind", "05.0022"));
        Assert.Equal(Errno.ENODEV, k.Echo(VfioUnbind, "nonsense"));
        Assert.Equal(Errno.None, k.Echo(VfioUnbind, "05.0022"));
        Assert.Null(k.DriverOf(new Apqn(5, 0x22)));
    }

    [Fact]
    public void Unbinding_one_queue_cuts_its_whole_adapter_from_a_running_guest()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0035"));
        k.StartGuest(Sim.SeedMdev, "vm1");
        Assert.Equal("in use\n", k.Read("devices/ap/card04/04.0004/status"));
        Assert.Equal(Errno.None, k.Echo(VfioUnbind, "04.0035"));
        Assert.Equal("05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Null(k.Lookup("devices/ap/card04/04.0035/status"));      // vfio_ap's attribute group left with the driver
        Assert.Equal(Errno.None, k.Echo(VfioBind, "04.0035"));          // probe links the queue and filters again
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void Binding_a_queue_no_mdev_holds_changes_no_guest()
    {
        var k = Sim.Host(new[] { 4, 5 }, new[] { 1 }, new[] { 4, 5 }, new[] { 1 });
        var m = k.CreateMdev("aaaaaaaa-0000-4000-8000-000000000001");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_adapter"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, "assign_domain"), "1"));
        Assert.Equal(Errno.None, k.Echo(VfioUnbind, "05.0001"));
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0001"));
        Assert.Equal("04.0001\n", k.GuestMatrix(m));
        Assert.Equal("unassigned\n", k.Read("devices/ap/card05/05.0001/status"));
    }

    // ---------------------------------------------------------------- reset

    [Fact]
    public void Reset_is_read_write_takes_any_text_and_completes_only_where_cex4queue_drives_the_queue()
    {
        var k = Sim.Host(new[] { 4 }, new[] { 1, 2 }, vfioDomains: new[] { 2 });
        Assert.Equal(0x1A4, k.Lookup("devices/ap/card04/04.0001/reset")!.Mode);
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/04.0001/reset", "whatever"));
        Assert.Equal("No Reset Timer set.\n", k.Read("devices/ap/card04/04.0001/reset"));
        // vfio_ap never runs the AP bus's state machine: the reset stays started.
        Assert.Equal("No Reset Timer set.\n", k.Read("devices/ap/card04/04.0002/reset"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/04.0002/reset", "1"));
        Assert.Equal("Reset in progress.\n", k.Read("devices/ap/card04/04.0002/reset"));
        Assert.Equal("-\n", k.Read("devices/ap/card04/04.0002/request_count"));
        Assert.Equal("0\n", k.Read("devices/ap/card04/04.0001/request_count"));
    }

    [Fact]
    public void A_bus_reset_does_not_clear_vfio_ap_s_record_of_a_failed_reset_but_unbind_and_bind_do()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0035"));
        k.SetResetFailed(new Apqn(5, 0x22), true);
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.SeedMdev, "assign_domain"), "0x22")); // already assigned: no filter
        Assert.Equal(Errno.None, k.Echo(VfioUnbind, "04.0004"));
        Assert.Equal(Errno.None, k.Echo(VfioBind, "04.0004"));           // this filter sees 05.0022's failed reset
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/05.0022/reset", "1"));
        Assert.True(k.QueueStates.ResetFailed(new Apqn(5, 0x22)));
        Assert.Equal(Errno.None, k.Echo(VfioUnbind, "05.0022"));
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0022"));           // a fresh vfio_ap_queue, then the filter
        Assert.False(k.QueueStates.ResetFailed(new Apqn(5, 0x22)));
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    // ---------------------------------------------------------------- card config, the bus scan, checkstop

    [Theory]
    [InlineData("2")]
    [InlineData("-1")]
    [InlineData("on")]
    [InlineData("")]
    public void Card_config_takes_0_or_1_else_EINVAL(string value)
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card05/config", value));
        Assert.Equal("1\n", k.Read("devices/ap/card05/config"));
    }

    [Fact]
    public void A_deconfigured_card_s_queues_follow_at_the_next_scan_and_stay_in_the_guest_s_apcb()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.None, k.Echo(VfioBind, "05.0035"));
        var all = k.GuestMatrix(Sim.SeedMdev);
        var scans = k.Read("bus/ap/scans");
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/config", "0"));
        Assert.Equal("0\n", k.Read("devices/ap/card05/config"));
        Assert.Equal("1\n", k.Read("devices/ap/card05/05.0022/config"));
        Assert.Equal(scans, k.Read("bus/ap/scans"));                     // chzcrypt's write does not scan
        Assert.Equal(Errno.None, k.Echo("bus/ap/scans", "anything"));
        Assert.Equal((long.Parse(scans) + 1) + "\n", k.Read("bus/ap/scans"));
        Assert.Equal("0\n", k.Read("devices/ap/card05/05.0022/config"));
        Assert.NotNull(k.Lookup("devices/ap/card05"));                    // the card device stays
        Assert.Equal("vfio_ap", k.DriverOf(new Apqn(5, 0x22)));
        Assert.Equal(all, k.GuestMatrix(Sim.SeedMdev));                   // passable: in the APCB, unusable
        Assert.Equal(Errno.None, k.Echo("devices/ap/card05/config", "1"));
        k.ScanBus();
        Assert.Equal("1\n", k.Read("devices/ap/card05/05.0022/config"));
        Assert.Equal(all, k.GuestMatrix(Sim.SeedMdev));
    }

    [Fact]
    public void A_checkstop_shows_at_the_next_scan_and_is_read_only()
    {
        var k = ScenarioLibrary.Load("seed");
        k.SetCardCheckstop(new ApId(4), true);
        Assert.Equal("0\n", k.Read("devices/ap/card04/chkstop"));
        k.ScanBus();
        Assert.Equal("1\n", k.Read("devices/ap/card04/chkstop"));
        Assert.Equal("1\n", k.Read("devices/ap/card04/04.0004/chkstop"));
        Assert.Equal(Errno.EACCES, k.Echo("devices/ap/card04/chkstop", "0"));
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
    }

    // ---------------------------------------------------------------- online

    [Fact]
    public void Online_is_zcrypt_s_and_never_reaches_a_guest()
    {
        var k = ScenarioLibrary.Load("seed");
        Assert.Equal(Errno.EACCES, k.Echo("devices/ap/card04/04.0004/online", "0")); // no such file while vfio_ap holds it
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "0"));
        Assert.Equal("0\n", k.Read("devices/ap/card04/online"));
        Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card04/online", "yes"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "1"));
    }

    [Fact]
    public void A_queue_cannot_go_online_while_its_card_is_offline_or_it_is_deconfigured()
    {
        var k = Sim.Host(new[] { 4 }, new[] { 1 });
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "0"));
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card04/04.0001/online", "1"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/online", "1"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/04.0001/online", "0"));
        Assert.Equal(Errno.None, k.Echo("devices/ap/card04/config", "0"));
        Assert.Equal(Errno.ENODEV, k.Echo("devices/ap/card04/04.0001/online", "1"));  // the card is deconfigured, before any scan
        Assert.Equal(Errno.EINVAL, k.Echo("devices/ap/card04/04.0001/online", "2"));
    }
}
