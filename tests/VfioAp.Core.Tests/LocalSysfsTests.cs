using System;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

public sealed class LocalSysfsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vfioap-local-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void File_(string rel, string content)
    {
        var p = Path.Combine(_root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
    }

    [Fact]
    public void Globs_expand_within_one_segment_and_skip_dot_files()
    {
        File_("devices/ap/card04/04.0004/online", "1\n");
        File_("devices/ap/card04/04.0022/online", "0\n");
        File_("devices/ap/card05/05.0004/online", "1\n");
        File_("devices/ap/card05/.hidden/online", "1\n");
        using var fs = new LocalSysfs(_root, "t");
        var r = fs.ReadMany(new[] { new SysfsQuery("devices/ap/card*/*.*/online") });
        Assert.Equal(new[] { "devices/ap/card04/04.0004/online", "devices/ap/card04/04.0022/online", "devices/ap/card05/05.0004/online" },
                     r.Entries.Select(e => e.Path));
        Assert.Equal("0\n", r.ContentOf("devices/ap/card04/04.0022/online"));
        Assert.Equal(1, fs.RoundTrips);
    }

    [Fact]
    public void Links_and_existence_are_read_without_content()
    {
        File_("bus/ap/drivers/vfio_ap/bind", "");
        File_("devices/ap/card04/04.0004/online", "1\n");
        Directory.CreateSymbolicLink(Path.Combine(_root, "devices/ap/card04/04.0004/driver"), "../../../../bus/ap/drivers/vfio_ap");
        using var fs = new LocalSysfs(_root, "t");
        var r = fs.ReadMany(new[]
        {
            new SysfsQuery("devices/ap/card*/*.*/driver", SysfsQueryKind.Link),
            new SysfsQuery("devices/ap/card*", SysfsQueryKind.Exists),
            new SysfsQuery("bus/ap/nothing"),
        });
        Assert.Equal("../../../../bus/ap/drivers/vfio_ap", r["devices/ap/card04/04.0004/driver"]!.Value);
        Assert.True(r["devices/ap/card04"]!.Ok);
        Assert.Null(r["devices/ap/card04"]!.Value);
        Assert.Null(r["bus/ap/nothing"]);
        var dir = fs.ReadMany(new[] { new SysfsQuery("devices/ap/card04") });
        Assert.Equal(Errno.EISDIR, dir["devices/ap/card04"]!.Error);
    }

    [Fact]
    public void A_plan_stops_at_the_first_failing_write_with_its_errno()
    {
        File_("a", "");
        File_("c", "");
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        using var fs = new LocalSysfs(_root, "t");
        var result = fs.RunPlan(new PlanRequest(new[] { new SysfsWrite("a", "0x5"), new SysfsWrite("dir", "1"), new SysfsWrite("c", "2") }.AsSteps()));
        Assert.False(result.Succeeded);
        Assert.Equal(1, result.Applied);
        Assert.Equal(1, result.FailedStep);
        Assert.Equal(Errno.EISDIR, result.Error);
        Assert.Equal("0x5\n", File.ReadAllText(Path.Combine(_root, "a")));
        Assert.Equal("", File.ReadAllText(Path.Combine(_root, "c")));
        Assert.Equal(Errno.ENOENT, fs.WriteAsPlan("missing", "1"));
    }

    [Fact]
    public void A_host_without_an_ap_bus_is_reported_as_such()
    {
        // This machine is not IBM Z: its real /sys has no bus/ap, exactly the case an admin hits on the wrong host.
        Assert.False(Directory.Exists("/sys/bus/ap"), "this test expects a machine without an AP bus");
        using var fs = new LocalSysfs("/sys", "here");
        var ex = Assert.Throws<HostReadException>(() => HostReader.Read(fs));
        Assert.Contains("has no AP bus", ex.Message);
        Assert.Contains("/sys/bus/ap", ex.Message);
        Assert.Equal("here", ex.Host);
    }
}
