using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Every field of a snapshot as text (its time stamp aside), so two readings of one host compare in one assertion.</summary>
internal static class SnapshotText
{
    public static string Of(HostSnapshot s)
    {
        var sb = new StringBuilder();
        var b = s.Bus;
        sb.AppendLine($"bus apmask={b.ApMask.ToKernelString()} aqmask={b.AqMask.ToKernelString()} host={b.HostAdapters?.ToKernelString()}/{b.HostDomains?.ToKernelString()}/{b.HostControlDomains?.ToKernelString()} max={b.MaxAdapterId}/{b.MaxDomainId} bindings={b.Bindings}");
        sb.AppendLine($"vfio_ap={s.VfioApLoaded} available={s.AvailableInstances}");
        foreach (var c in s.Cards)
            sb.AppendLine($"card {c.Id} type={c.Type} hw={c.HwType} online={c.Online} config={c.Config} chkstop={c.Checkstop} fn={c.Functions} depth={c.Depth} driver={c.Driver} inhost={c.InHostConfig} queues={c.QueueCount}/{c.VfioApQueueCount}");
        foreach (var q in s.Queues)
            sb.AppendLine($"queue {q.Apqn} driver={q.Driver} online={q.Online} config={q.Config} chkstop={q.Checkstop} status={q.Status} host={q.OwnedByHost} mdev={q.AssignedTo} guest={q.InGuest}");
        foreach (var m in s.Mdevs)
            sb.AppendLine($"mdev {m.Uuid} matrix={m.Matrix} guest=[{m.GuestMatrixText?.Replace("\n", " ")}] apconfig={m.HasApConfig} inuse={m.InUse}");
        return sb.ToString();
    }
}

/// <summary>HostReader reads every built-in scenario through SimulatedSysfs in one round trip, and sees what the kernel holds.</summary>
public class SimulationHostReaderTests
{
    public static IEnumerable<object[]> BuiltIns => ScenarioLibrary.BuiltInNames.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void HostReader_reads_every_built_in_in_one_round_trip(string name)
    {
        var k = ScenarioLibrary.Load(name);
        using var fs = new SimulatedSysfs(k, name);
        var s = HostReader.Read(fs);
        Assert.Equal(1, fs.RoundTrips);
        Assert.Equal(name, s.ComputerName);
        Assert.True(s.VfioApLoaded);
        Assert.Equal(k.ApMask, s.Bus.ApMask.Mask);
        Assert.Equal(k.AqMask, s.Bus.AqMask.Mask);
        Assert.Equal(k.HostConfig.Adapters, s.Bus.HostAdapters);
        Assert.Equal(k.AvailableInstances, s.AvailableInstances);
        Assert.Equal(SimulatedKernel.MaxInstances - k.Mdevs.Count, s.AvailableInstances);

        // Every queue device the kernel has, with its driver; none it has not.
        int expectedQueues = 0;
        foreach (var a in k.HostConfig.Adapters)
            foreach (var d in k.HostConfig.Domains)
            {
                var apqn = new Apqn(a, d);
                var q = s.FindQueue(apqn);
                Assert.Equal(k.QueueExists(apqn), q != null);
                if (q is null) continue;
                expectedQueues++;
                Assert.Equal(k.DriverOf(apqn), q.Driver);
                Assert.Equal(k.ApMask.Contains(a) && k.AqMask.Contains(d), q.OwnedByHost);
            }
        Assert.Equal(expectedQueues, s.Queues.Count);
        Assert.Equal(k.HostConfig.Adapters.Count, s.Cards.Count);
        Assert.All(s.Cards, c => Assert.True(c.PassThroughCapable));

        // Every mdev with its matrix and the kernel's shadow APCB.
        Assert.Equal(k.Mdevs.OrderBy(u => u.ToString("D")), s.Mdevs.Select(m => m.Uuid));
        foreach (var m in s.Mdevs)
        {
            Assert.Equal(k.MatrixOf(m.Uuid), m.Matrix);
            var shadow = k.ShadowApcbOf(m.Uuid);
            Assert.Equal(SysfsFormat.FormatMatrix(shadow.Adapters, shadow.Domains), m.GuestMatrixText);
            Assert.Equal(k.GuestOf(m.Uuid) != null && !m.Matrix.Apqns().All(q => s.FindQueue(q)?.Status is null), m.InUse);
        }
        var bound = s.Queues.Count(q => q.Driver != null);
        Assert.Equal(bound == s.Queues.Count ? $"{bound}/{s.Queues.Count} (complete)" : $"{bound}/{s.Queues.Count}", s.Bus.Bindings);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_large_hosts_have_the_sizes_they_are_named_for()
    {
        var s60 = HostReader.Read(new SimulatedSysfs(ScenarioLibrary.Load("large-60x85")));
        Assert.Equal(60, s60.Cards.Count);
        Assert.Equal(60 * 85 - 1, s60.Queues.Count);          // one queue made to disappear
        Assert.Equal(12, s60.Mdevs.Count);
        Assert.Contains(s60.Mdevs, m => m.GuestMatrix!.Value.Adapters.Mask != m.Matrix.Adapters.Mask);  // filtering happens

        var s256 = HostReader.Read(new SimulatedSysfs(ScenarioLibrary.Load("large-256x256")));
        Assert.Equal(256, s256.Cards.Count);
        Assert.Equal(65536 - 1, s256.Queues.Count);
        Assert.Equal(16, s256.Mdevs.Count);
        Assert.All(s256.Mdevs, m => Assert.Equal(1024, m.ApqnCount));
        Assert.Equal(3, s256.Mdevs.Count(m => m.GuestMatrix!.Value.Adapters.Count == 7));
    }

    [Fact]
    public void A_legacy_kernel_reports_no_guest_matrix()
    {
        var k = ScenarioLibrary.FromJson(ScenarioLibrary.BuiltInJson("seed")!.Replace("\"maxAdapterId\"", "\"kernel\": { \"apConfig\": false, \"guestMatrix\": false }, \"maxAdapterId\""), "legacy-seed");
        var s = HostReader.Read(new SimulatedSysfs(k));
        var m = Assert.Single(s.Mdevs);
        Assert.Null(m.GuestMatrixText);
        Assert.False(m.HasApConfig);
    }
}

/// <summary>The exported tree, read by LocalSysfs, is the same host as the simulated one (the -SysfsRoot path). Linux only, as sysfs.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SimulationExportTests : System.IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vfioap-export-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("seed")]
    [InlineData("kernel-doc")]
    [InlineData("over-provisioned")]
    public void HostReader_over_the_exported_tree_equals_HostReader_over_the_simulation(string name)
    {
        var k = ScenarioLibrary.Load(name);
        var dir = Path.Combine(_root, name);
        SysfsTreeExporter.Export(k, dir);
        var simulated = HostReader.Read(new SimulatedSysfs(k, "h"));
        var exported = HostReader.Read(new LocalSysfs(dir, "h"));
        Assert.Equal(SnapshotText.Of(simulated), SnapshotText.Of(exported));
    }

    [Fact]
    public void Files_links_and_modes_are_as_in_sysfs()
    {
        var k = ScenarioLibrary.Load("seed");
        SysfsTreeExporter.Export(k, _root);
        var mdev = Path.Combine(_root, "devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804");
        Assert.Equal("04.0004\n04.0022\n04.0035\n", File.ReadAllText(Path.Combine(mdev, "guest_matrix")));
        Assert.Equal(UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(mdev, "assign_adapter")));
        Assert.Equal("", File.ReadAllText(Path.Combine(mdev, "assign_adapter")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(mdev, "matrix")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(_root, "bus/ap/apmask")));
        var link = new FileInfo(Path.Combine(_root, "devices/ap/card04/04.0004/driver"));
        Assert.Equal("../../../../bus/ap/drivers/vfio_ap", link.LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(_root, "bus/ap/devices/05.0035")));   // the relative link resolves
        Assert.Equal("vfio-ap\n", File.ReadAllText(Path.Combine(mdev, "mdev_type/device_api")));
    }

    [Fact]
    public void Export_refuses_a_directory_that_is_not_empty()
    {
        File.WriteAllText(Path.Combine(_root, "x"), "");
        Assert.Throws<IOException>(() => SysfsTreeExporter.Export(ScenarioLibrary.Load("seed"), _root));
    }
}
