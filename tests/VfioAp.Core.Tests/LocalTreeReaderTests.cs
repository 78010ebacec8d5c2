using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The parallel batch reader behind LocalSysfs.ReadMany answers exactly as reading the same paths one at a time
/// (SingleFileRead, the reader it replaced), runs on dedicated threads only, and shares repeated short values.
/// </summary>
public sealed class LocalTreeReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vfioap-treereader-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Put(string rel, string content)
    {
        var p = Path.Combine(_root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    private void Link(string rel, string target)
    {
        var p = Path.Combine(_root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.CreateSymbolicLink(p, target);
    }

    /// <summary>Many queue directories (enough for every core to get work) with every odd kind of member.</summary>
    private void OddTree()
    {
        for (int a = 0; a < 6; a++)
            for (int d = 0; d < 40; d++)
            {
                var dir = $"devices/ap/card{a:x2}/{a:x2}.{d:x4}";
                Put(dir + "/config", (d % 3 == 0 ? "0" : "1") + "\n");
                if (d % 2 == 0) Put(dir + "/online", "1\n");          // online only on some, status on the others
                else Put(dir + "/status", d % 4 == 1 ? "assigned\n" : "in use\n");
                if (d % 5 == 0) Link(dir + "/driver", "../../../../bus/ap/drivers/vfio_ap");
                if (d % 7 == 0) Link(dir + "/chkstop", "../nowhere");  // dangling: ENOENT when read, its target as a link
                if (d % 11 == 0) Directory.CreateDirectory(Path.Combine(_root, dir, "isdir"));
                if (d % 13 == 0) Put(dir + "/empty", "");
            }
        Put("devices/ap/card00/big", string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i:x2}.\n")));  // > 4096 bytes
        Put("devices/ap/card00/.hidden", "not matched by *\n");
        Put("bus/ap/apmask", "0x" + new string('f', 64) + "\n");
    }

    private static readonly SysfsQuery[] OddQueries =
        new[] { "config", "online", "status", "chkstop", "isdir", "empty", "never" }.Select(m => new SysfsQuery("devices/ap/card*/*.*/" + m))
        .Concat(new[]
        {
            new SysfsQuery("devices/ap/card*/*.*", SysfsQueryKind.Exists),
            new SysfsQuery("devices/ap/card*/*.*/driver", SysfsQueryKind.Link),
            new SysfsQuery("devices/ap/card*/*.*/chkstop", SysfsQueryKind.Link),
            new SysfsQuery("devices/ap/card*/*", SysfsQueryKind.Content),
            new SysfsQuery("devices/ap/card00/big"),
            new SysfsQuery("bus/ap/apmask"),
            new SysfsQuery("bus/ap", SysfsQueryKind.Exists),
            new SysfsQuery("bus/ap/nothing", SysfsQueryKind.Exists),
            new SysfsQuery("nothing*/matches/here"),
        }).ToArray();

    /// <summary>The reference: every query expanded by listing with the shell glob rule and read one path at a time.</summary>
    private static List<string> OneByOne(string root, IEnumerable<SysfsQuery> queries)
    {
        var lines = new List<string>();
        foreach (var q in queries)
        {
            var paths = new List<string> { "" };
            foreach (var seg in q.Pattern.Split('/'))
                paths = paths.SelectMany(p => seg.Contains('*')
                        ? (Directory.Exists(Path.Combine(root, p)) ? Directory.GetFileSystemEntries(Path.Combine(root, p)) : Array.Empty<string>())
                            .Select(Path.GetFileName).Where(n => SysfsPattern.Matches(seg, n!)).OrderBy(n => n, StringComparer.Ordinal)
                            .Select(n => p.Length == 0 ? n! : p + "/" + n)
                        : new[] { p.Length == 0 ? seg : p + "/" + seg }).ToList();
            foreach (var p in paths)
                if (SingleFileRead.ReadOne(root + "/" + p, p, q.Kind, q.Area) is { } e) lines.Add(Describe(e));
        }
        return lines;
    }

    private static string Describe(SysfsEntry e) => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]";

    [Fact]
    public void A_batch_answers_as_reading_each_path_alone_errno_for_errno()
    {
        OddTree();
        using var fs = new LocalSysfs(_root, "t");
        var batch = fs.ReadMany(OddQueries).Entries.Select(Describe).ToList();
        Assert.Equal(OneByOne(_root, OddQueries), batch);
        // The cases the comparison stands for are really there.
        Assert.Contains(batch, l => l.StartsWith("Content devices/ap/card00/00.0000/chkstop ENOENT", StringComparison.Ordinal));
        Assert.Contains(batch, l => l.StartsWith("Content devices/ap/card00/00.0000/isdir EISDIR", StringComparison.Ordinal));
        Assert.Contains(batch, l => l.StartsWith("Link devices/ap/card00/00.0000/chkstop None [../nowhere]", StringComparison.Ordinal));
        Assert.DoesNotContain(batch, l => l.Contains("/never") || l.Contains(".hidden") || l.Contains("bus/ap/nothing"));
        Assert.Equal(1, fs.RoundTrips);
    }

    [Fact]
    public void A_file_larger_than_the_read_buffer_is_read_whole()
    {
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => $"{i % 256:x2}.{i:x4}\n"));
        Put("devices/vfio_ap/matrix/m/matrix", text);
        using var fs = new LocalSysfs(_root, "t");
        Assert.Equal(text, fs.ReadMany(new[] { new SysfsQuery("devices/vfio_ap/matrix/*/matrix") }).ContentOf("devices/vfio_ap/matrix/m/matrix"));
    }

    [Fact]
    public void Repeated_short_values_are_one_string()
    {
        for (int d = 0; d < 200; d++) Put($"devices/ap/card05/05.{d:x4}/online", "1\n");
        using var fs = new LocalSysfs(_root, "t");
        var values = fs.ReadMany(new[] { new SysfsQuery("devices/ap/card*/*.*/online") }).Entries.Select(e => e.Value!).ToList();
        Assert.Equal(200, values.Count);
        Assert.All(values, v => Assert.Equal("1\n", v));
        // One string per reading thread at most, not one per file.
        Assert.InRange(values.Distinct(ReferenceComparer.Instance).Count(), 1, Environment.ProcessorCount);
    }

    [Fact]
    public void The_work_runs_on_dedicated_threads_at_most_one_per_core_never_on_the_pool()
    {
        var threads = new ConcurrentDictionary<int, bool>();
        var done = new int[5000];
        var caller = new Thread(() => DedicatedThreads.For(done.Length, 16, 8, () => new Nothing(), (_, i) =>
        {
            threads[Environment.CurrentManagedThreadId] = Thread.CurrentThread.IsThreadPoolThread;
            Interlocked.Increment(ref done[i]);
        }));
        caller.Start();
        caller.Join();
        Assert.All(done, n => Assert.Equal(1, n));
        Assert.DoesNotContain(true, threads.Values);
        Assert.InRange(threads.Count, 1, Environment.ProcessorCount);
        Assert.Equal(1, DedicatedThreads.For(10, 16));
    }

    [Fact]
    public void A_failure_on_any_thread_reaches_the_caller()
    {
        var ex = Assert.Throws<InvalidDataException>(() => DedicatedThreads.For(1000, 1, 1, () => new Nothing(), (_, i) =>
        {
            if (i == 777) throw new InvalidDataException("item 777");
        }));
        Assert.Equal("item 777", ex.Message);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("kernel-doc")]
    public void An_exported_host_reads_the_same_in_parallel_as_one_path_at_a_time(string scenario)
    {
        var dir = Path.Combine(_root, "h");
        SysfsTreeExporter.Export(ScenarioLibrary.Load(scenario), dir);
        var queries = HostReader.QueriesFor(SnapshotParts.All).Where(q => q.Area == SysfsArea.Sysfs).ToList();
        using var fs = new LocalSysfs(dir, "t");
        var batch = fs.ReadMany(queries).Entries.Select(Describe).ToList();
        Assert.Equal(OneByOne(dir, queries), batch);
        Assert.Contains(batch, l => l.StartsWith("Link devices/ap/card", StringComparison.Ordinal));
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }

    private sealed class ReferenceComparer : IEqualityComparer<string>
    {
        public static readonly ReferenceComparer Instance = new ReferenceComparer();
        public bool Equals(string? x, string? y) => ReferenceEquals(x, y);
        public int GetHashCode(string obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
    }
}
