using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>SimulatedSysfs: glob expansion, one round trip per call, plans with injected faults, two sessions racing.</summary>
public class SimulationSysfsTests
{
    /// <summary>A tree given as a list of paths (a trailing '/' marks a directory), to test globbing apart from any kernel.</summary>
    private sealed class ListedTree : ISysfsTree
    {
        private readonly HashSet<string> _dirs = new(StringComparer.Ordinal) { "" };
        private readonly HashSet<string> _files = new(StringComparer.Ordinal);

        public ListedTree(params string[] paths)
        {
            foreach (var p in paths)
            {
                var path = p.TrimEnd('/');
                if (p.EndsWith("/")) _dirs.Add(path); else _files.Add(path);
                for (int i = path.LastIndexOf('/'); i > 0; i = path.LastIndexOf('/', i - 1)) _dirs.Add(path.Substring(0, i));
            }
        }

        public SysfsNode? Lookup(string path) =>
            _dirs.Contains(path) ? new SysfsNode(SysfsNodeKind.Directory, 0x1ED) : _files.Contains(path) ? new SysfsNode(SysfsNodeKind.File, 0x124) : null;

        public IReadOnlyList<string>? List(string path)
        {
            if (!_dirs.Contains(path)) return null;
            var prefix = path.Length == 0 ? "" : path + "/";
            return _dirs.Concat(_files).Where(p => p.Length > prefix.Length && p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('/', prefix.Length) < 0)
                        .Select(p => p.Substring(prefix.Length)).OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        public string Read(string path) => _files.Contains(path) ? path + "\n" : throw new SysfsException(Errno.ENOENT, path);
        public void Write(string path, string value) => throw new SysfsException(Errno.EACCES, path);
    }

    [Fact]
    public void Star_matches_within_one_segment_never_a_slash_nor_a_leading_dot()
    {
        var tree = new ListedTree("a/card04/04.0004/online", "a/card04/04.0022/online", "a/card05/05.0004/online", "a/card05/.hidden/online",
                                  "a/card05/x/y/online", "a/cardx", "a/other/04.0004/online");
        Assert.Equal(new[] { "a/card04/04.0004/online", "a/card04/04.0022/online", "a/card05/05.0004/online" },
                     SysfsGlob.Expand(tree, "a/card*/*.*/online"));
        Assert.Equal(new[] { "a/card05/05.0004/online" }, SysfsGlob.Expand(tree, "a/card05/*/online"));
        Assert.Equal(new[] { "a/card05/.hidden/online" }, SysfsGlob.Expand(tree, "a/card05/.*/online"));
        Assert.Equal(new[] { "a/card04", "a/card05", "a/cardx" }, SysfsGlob.Expand(tree, "a/card*"));
        Assert.Empty(SysfsGlob.Expand(tree, "a/*/online"));
    }

    [Fact]
    public void A_pattern_without_a_star_yields_its_path_only_if_it_exists()
    {
        var tree = new ListedTree("x/y/z");
        Assert.Equal(new[] { "x/y/z" }, SysfsGlob.Expand(tree, "x/y/z"));
        Assert.Empty(SysfsGlob.Expand(tree, "x/y/nothing"));
        Assert.Empty(SysfsGlob.Expand(tree, "x/y/z/deeper"));
        Assert.Equal(new[] { "x/y" }, SysfsGlob.Expand(tree, "x/y"));
    }

    [Fact]
    public void ReadMany_answers_content_links_existence_and_errnos_in_one_round_trip()
    {
        var k = ScenarioLibrary.Load("seed");
        using var fs = new SimulatedSysfs(k, "lpar1");
        var r = fs.ReadMany(new[]
        {
            new SysfsQuery("devices/ap/card*/*.*/status"),
            new SysfsQuery("devices/ap/card*/*.*/driver", SysfsQueryKind.Link),
            new SysfsQuery("devices/ap/card*/*.*", SysfsQueryKind.Exists),
            new SysfsQuery("devices/ap/card04"),                       // a directory
            new SysfsQuery("bus/ap/drivers/vfio_ap/bind"),            // write-only
            new SysfsQuery("bus/ap/no_such_attribute"),               // absent: no entry
            new SysfsQuery("bus/ap/apmask", SysfsQueryKind.Link),     // not a link: no entry
        });
        Assert.Equal(1, fs.RoundTrips);
        Assert.Equal("lpar1", fs.HostName);
        Assert.Equal(5, r.Entries.Count(e => e.Path.EndsWith("/status")));       // 05.0035 is unbound: no status
        Assert.Equal("../../../../bus/ap/drivers/vfio_ap", r["devices/ap/card04/04.0022/driver"]!.Value);
        Assert.Null(r["devices/ap/card05/05.0035/driver"]);
        Assert.Equal(6, r.Entries.Count(e => e.Kind == SysfsQueryKind.Exists));
        Assert.All(r.Entries.Where(e => e.Kind == SysfsQueryKind.Exists), e => Assert.Null(e.Value));
        Assert.Equal(Errno.EISDIR, r["devices/ap/card04"]!.Error);
        Assert.Equal(Errno.EACCES, r["bus/ap/drivers/vfio_ap/bind"]!.Error);
        Assert.Null(r["bus/ap/no_such_attribute"]);
        Assert.Null(r["bus/ap/apmask"]);
        // Entries come in the order of the queries, each query's matches in name order.
        Assert.Equal("devices/ap/card04/04.0004/status", r.Entries[0].Path);
    }

    [Fact]
    public void A_one_write_plan_and_a_longer_plan_cost_one_round_trip_each_and_plans_stop_at_the_first_failure()
    {
        var k = ScenarioLibrary.Load("seed");
        using var fs = new SimulatedSysfs(k);
        var m = SysfsLayout.MdevDir(Sim.SeedMdev);
        Assert.Equal(Errno.None, fs.WriteAsPlan(m + "/assign_control_domain", "0x4"));
        var plan = new[]
        {
            new SysfsWrite(m + "/assign_control_domain", "0x22"),
            new SysfsWrite(m + "/assign_adapter", "0x100"),       // above ap_max_adapter_id: ENODEV
            new SysfsWrite(m + "/assign_control_domain", "0x35"),
        };
        var result = fs.RunPlan(new PlanRequest(plan.AsSteps(), new[] { new SysfsQuery(m + "/control_domains") }));
        Assert.Equal(2, fs.RoundTrips);
        Assert.False(result.Succeeded);
        Assert.Equal(1, result.Applied);
        Assert.Equal(1, result.FailedStep);
        Assert.Equal(Errno.ENODEV, result.Error);
        Assert.Equal("0004\n0022\n", result.After!.ContentOf(m + "/control_domains"));
    }

    [Fact]
    public void An_injected_fault_fails_its_step_without_applying_it()
    {
        var k = ScenarioLibrary.Load("seed");
        using var fs = new SimulatedSysfs(k);
        var m = SysfsLayout.MdevDir(Sim.SeedMdev);
        var plan = new[]
        {
            new SysfsWrite(m + "/assign_control_domain", "0x4"),
            new SysfsWrite(m + "/assign_control_domain", "0x22"),
            new SysfsWrite(m + "/assign_control_domain", "0x35"),
        };
        fs.FailNextPlanAt(1, Errno.EIO);
        var result = fs.RunPlan(new PlanRequest(plan.AsSteps()));
        Assert.Equal((1, 1, Errno.EIO), (result.Applied, result.FailedStep, result.Error));
        Assert.Equal("0004\n", k.Read(m + "/control_domains"));
        // Only the next plan: the same plan now runs through.
        Assert.True(fs.RunPlan(new PlanRequest(plan.AsSteps())).Succeeded);
        Assert.Equal("0004\n0022\n0035\n", k.Read(m + "/control_domains"));

        fs.FailWrite((w, i) => w.Value == "0x22" ? Errno.ETIMEDOUT : null);
        Assert.Equal(Errno.ETIMEDOUT, fs.WriteAsPlan(m + "/unassign_control_domain", "0x22"));
        Assert.Equal(Errno.None, fs.WriteAsPlan(m + "/unassign_control_domain", "0x35"));
        Assert.Equal("0004\n0022\n", k.Read(m + "/control_domains"));
        fs.FailWrite(null);
        Assert.Equal(Errno.None, fs.WriteAsPlan(m + "/unassign_control_domain", "0x22"));
        Assert.Equal("0004\n", k.Read(m + "/control_domains"));
    }

    [Fact]
    public async Task Two_shells_writing_one_kernel_without_the_lock_race_and_the_kernel_lets_exactly_one_win()
    {
        // Two admins' plain `echo`s take no lock: the kernel's own mutex decides. Each round: two mdevs share domain 4;
        // both try to take adapter 5. Exactly one must win, the other gets EADDRINUSE.
        var k = Sim.Host(new[] { 5 }, new[] { 4 }, new[] { 5 }, new[] { 4 });
        var a = k.CreateMdev("aaaaaaaa-0000-4000-8000-000000000001");
        var b = k.CreateMdev("bbbbbbbb-0000-4000-8000-000000000002");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_domain"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_domain"), "4"));
        int aWins = 0, bWins = 0;
        for (int round = 0; round < 200; round++)
        {
            using var start = new Barrier(2);
            var ta = Task.Run(() => { start.SignalAndWait(); return k.Echo(Sim.Mdev(a, "assign_adapter"), "5"); });
            var tb = Task.Run(() => { start.SignalAndWait(); return k.Echo(Sim.Mdev(b, "assign_adapter"), "5"); });
            var results = await Task.WhenAll(ta, tb);
            Assert.Contains(Errno.None, results);
            Assert.Contains(Errno.EADDRINUSE, results);
            if (results[0] == Errno.None) aWins++; else bWins++;
            Assert.Equal(1, new[] { k.MatrixOf(a), k.MatrixOf(b) }.Count(x => x.Adapters.Contains(5)));
            Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "unassign_adapter"), "5"));
            Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "unassign_adapter"), "5"));
        }
        Assert.Equal(200, aWins + bWins);
    }

    [Fact]
    public void A_closed_session_refuses_to_be_used()
    {
        var fs = new SimulatedSysfs(ScenarioLibrary.Load("seed"));
        fs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => fs.ReadMany(new[] { new SysfsQuery("bus/ap/apmask") }));
    }
}
