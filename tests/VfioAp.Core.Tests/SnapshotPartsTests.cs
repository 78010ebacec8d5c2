using System;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// A cmdlet reads only the parts its objects need; the snapshot says which parts it holds, and nothing is derived
/// from a part that was not read. Queue paths are parsed in place by SysfsLayout.
/// </summary>
public class SnapshotPartsTests
{
    // What Get-ApQueue and Get-VfioApApcb ask for.
    private const SnapshotParts QueueList = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;
    private const SnapshotParts Apcb = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs | SnapshotParts.Guests | SnapshotParts.KernelLog;

    [Theory]
    [InlineData(QueueList)]
    [InlineData(Apcb)]
    public void Queues_and_apcbs_read_no_card_attribute(SnapshotParts parts)
    {
        // A card's own files are devices/ap/card*/<name>; devices/ap/card*/*.* are its queue directories.
        var cardAttributes = HostReader.QueriesFor(parts).Where(q => q.Pattern.StartsWith("devices/ap/card*/", StringComparison.Ordinal)
            && q.Pattern.Split('/').Length == 4 && q.Pattern != "devices/ap/card*/*.*");
        Assert.Empty(cardAttributes);
        Assert.Contains(HostReader.QueriesFor(SnapshotParts.Cards), q => q.Pattern == "devices/ap/card*/hwtype");
    }

    [Fact]
    public void A_queue_list_holds_the_same_queues_as_a_full_read_and_says_what_it_holds()
    {
        using var fs = new SimulatedSysfs(ScenarioLibrary.Load("seed"), "seed");
        var full = HostReader.Read(fs, SnapshotParts.All);
        var queues = HostReader.Read(fs, QueueList);
        Assert.Equal(full.Queues.Select(Show), queues.Queues.Select(Show));
        Assert.Empty(queues.Cards);
        Assert.False(queues.Has(SnapshotParts.Cards));
        Assert.True(queues.Has(QueueList));
        Assert.Equal(SnapshotParts.All, full.Parts);
    }

    [Fact]
    public void Parts_read_along_are_recorded()
    {
        using var fs = new SimulatedSysfs(ScenarioLibrary.Load("seed"), "seed");
        // Cards count their queues by binding; a queue's details name the mdev holding it.
        Assert.True(HostReader.Read(fs, SnapshotParts.Cards).Has(SnapshotParts.QueueBindings));
        Assert.True(HostReader.Read(fs, SnapshotParts.QueueDetails).Has(SnapshotParts.Mdevs | SnapshotParts.QueueBindings));
        Assert.False(HostReader.Read(fs, SnapshotParts.Bus).Has(SnapshotParts.QueueBindings));
    }

    [Fact]
    public void The_apcb_rule_refuses_a_snapshot_read_without_the_queue_bindings()
    {
        using var fs = new SimulatedSysfs(ScenarioLibrary.Load("seed"), "seed");
        var mdev = HostReader.Read(fs, SnapshotParts.All).Mdevs.Single();
        var busOnly = HostReader.Read(fs, SnapshotParts.Bus | SnapshotParts.Mdevs);
        var ex = Assert.Throws<InvalidOperationException>(() => ApcbReport.Build(busOnly, mdev));
        Assert.Contains("QueueBindings", ex.Message);
        Assert.Contains("seed", ex.Message);
        // With the bindings read, the seed's adapter 05 is dropped for its unbound queue, as the kernel does.
        var apcb = ApcbReport.Build(HostReader.Read(fs, Apcb), mdev);
        Assert.Contains(apcb.Dropped, d => d.Adapter == new ApId(5) && d.Reason == ApcbDropReason.QueueNotBound);
    }

    [Theory]
    [InlineData("devices/ap/card05/05.0035", true, 5, 0x35)]
    [InlineData("devices/ap/cardff/ff.00ff", true, 255, 255)]
    [InlineData("devices/ap/card05/06.0035", false, 0, 0)]   // the queue is not on that card
    [InlineData("devices/ap/card05/05.0035/online", false, 0, 0)]
    [InlineData("devices/ap/card05/05.00AB", false, 0, 0)]   // sysfs names are lowercase
    [InlineData("devices/ap/card05/05.0100", false, 0, 0)]   // domain above 255
    [InlineData("devices/ap/card05", false, 0, 0)]
    [InlineData("devices/ap/xard05/05.0035", false, 0, 0)]
    public void Queue_directories_parse_as_the_kernel_names_them(string path, bool ok, int adapter, int domain)
    {
        Assert.Equal(ok, SysfsLayout.TryParseQueueDir(path, out var q));
        if (ok) Assert.Equal(new Apqn(adapter, domain), q);
    }

    [Theory]
    [InlineData("devices/ap/card05/05.0035/online", "online", true)]
    [InlineData("devices/ap/card05/05.0035/online", null, true)]
    [InlineData("devices/ap/card05/05.0035/online", "onlin", false)]
    [InlineData("devices/ap/card05/05.0035/status", "online", false)]
    [InlineData("devices/ap/card05/05.0035/x/online", null, false)]
    [InlineData("devices/ap/card05/05.0035/", null, false)]
    [InlineData("devices/ap/card05/05.0035", null, false)]
    [InlineData("devices/ap/card06/05.0035/online", "online", false)]
    public void Queue_attributes_parse_in_place(string path, string? attribute, bool ok)
    {
        Assert.Equal(ok, SysfsLayout.TryParseQueueAttribute(path, attribute, out var q));
        if (ok) Assert.Equal(new Apqn(5, 0x35), q);
    }

    private static string Show(ApQueue q) =>
        $"{q.Apqn} {q.Driver} {q.Online} {q.Config} {q.Checkstop} {q.Status} {q.OwnedByHost} {q.AssignedTo} {q.InGuest} {q.Guest}";
}
