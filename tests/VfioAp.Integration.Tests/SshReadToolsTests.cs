using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;
using Xunit;

namespace VfioAp.Integration.Tests
{
    /// <summary>Every built-in scenario written out as a sysfs tree once for the whole class (256 × 256 is ~600,000 files).</summary>
    public sealed class ScenarioTrees : IDisposable
    {
        private readonly Dictionary<string, string> _roots = new Dictionary<string, string>(StringComparer.Ordinal);

        public string Root(string scenario)
        {
            lock (_roots)
            {
                if (_roots.TryGetValue(scenario, out var root)) return root;
                // tmpfs when there is one: writing and deleting 600,000 files on a shared disk takes minutes.
                var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
                root = Path.Combine(parent, "vfioap-readtools-" + scenario + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                SysfsTreeExporter.Export(ScenarioLibrary.Load(scenario), root);
                _roots[scenario] = root;
                return root;
            }
        }

        public void Dispose()
        {
            foreach (var root in _roots.Values)
            {
                // Not Directory.Delete(recursive): sysfs trees have directory symlinks; rm -r does not follow them.
                using var p = Process.Start(new ProcessStartInfo("rm", new[] { "-rf", "--", root }))!;
                p.WaitForExit();
            }
        }
    }

    /// <summary>
    /// The remote read script reads with GNU grep/find/xargs where the host has them and with shell builtins where it
    /// does not. Both must give exactly what LocalSysfs reads, under every /bin/sh a host may have: dash (Debian),
    /// bash (RHEL, SUSE) and BusyBox sh (Debian's busybox package, installed by tests/run.sh). The script is run here
    /// as sshd would run it (sh -c), without SSH in between; the SSH tests run the same script through sshd.
    /// </summary>
    public sealed class SshReadToolsTests : IClassFixture<ScenarioTrees>
    {
        private readonly ScenarioTrees _trees;

        public SshReadToolsTests(ScenarioTrees trees) => _trees = trees;

        public static IEnumerable<object[]> ShellsAndScenarios() =>
            from shell in Shells
            from scenario in ScenarioLibrary.BuiltInNames
            select new object[] { shell, scenario };

        public static IEnumerable<object[]> ShellCases() => Shells.Select(s => new object[] { s });

        private static readonly string[] Shells = { "dash", "bash", "busybox" };

        // Per path and kind (a dangling link asked for as a file and as a link has two entries); the last one wins.
        private static string[] Describe(IEnumerable<SysfsEntry> entries) =>
            entries
                .GroupBy(e => e.Kind + " " + e.Path, StringComparer.Ordinal).Select(g => g.Last())
                .Select(e => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]").OrderBy(s => s, StringComparer.Ordinal).ToArray();

        /// <summary>Runs the script with <paramref name="shell"/> -c, as sshd hands it to /bin/sh, and parses its output.</summary>
        internal static ReadManyOutputParser Run(string shell, string script, string? path = null)
        {
            var psi = new ProcessStartInfo(shell == "busybox" ? "/usr/bin/busybox" : "/usr/bin/" + shell)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (shell == "busybox") psi.ArgumentList.Add("sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            if (path != null) psi.Environment["PATH"] = path;
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var parser = ReadManyOutputParser.ParseAll(p.StandardOutput.BaseStream);
            p.WaitForExit();
            Assert.True(parser.Completed, $"{shell}: the script did not finish (exit {p.ExitCode}): {stderr.Result}");
            return parser;
        }

        [Theory]
        [MemberData(nameof(ShellsAndScenarios))]
        [Trait("Category", "Slow")]
        public void Every_scenario_reads_the_same_with_tools_with_builtins_and_locally(string shell, string scenario)
        {
            var root = _trees.Root(scenario);
            var queries = HostReader.QueriesFor(SnapshotParts.All);
            var tools = Run(shell, ReadManyScript.Build(root, queries, ReadTools.Detect));
            Assert.Equal("gk", tools.Tools); // this machine has GNU grep, find and xargs: the fast read was taken
            var builtins = Run(shell, ReadManyScript.Build(root, queries, ReadTools.BuiltinsOnly));
            Assert.Equal("", builtins.Tools);
            using var local = new LocalSysfs(root, "local");
            var expected = Describe(local.ReadMany(queries).Entries);
            Assert.Equal(expected, Describe(tools.Entries));
            Assert.Equal(expected, Describe(builtins.Entries));
            // And the objects built from them.
            var a = HostReader.Build("h", root, new SysfsReadResult(tools.Entries), SnapshotParts.All);
            var b = HostReader.Build("h", root, local.ReadMany(queries), SnapshotParts.All);
            Assert.Equal(b.Queues.Select(q => $"{q.Apqn} {q.Driver} {q.Online} {q.Status} {q.AssignedTo}"), a.Queues.Select(q => $"{q.Apqn} {q.Driver} {q.Online} {q.Status} {q.AssignedTo}"));
            Assert.Equal(b.Mdevs.Select(m => m.ToString()), a.Mdevs.Select(m => m.ToString()));
        }

        private const string LinuxEio = "/sys/class/net/lo/power/autosuspend_delay_ms"; // the kernel's sysfs answers read(2) with EIO
        private const string LinuxEinval = "/sys/class/net/lo/duplex";                  // and this one with EINVAL

        private static readonly string[] Contents =
        {
            "plain\n", "", "no newline at the end", "\n\n\n", "two\nlines without newline",
            "'single' \"double\" `whoami` $(id) ${HOME} $HOME \\ \\n \\\\\n", "back\\slash and  spaces \\0 \\n\n",
            "|looks like a content line\n~and an unterminated one\n!Permission denied\nZ\nV1\nDdevices\nCfoo\nL2\n",
            "grep: devices/ap/card00/00.0000/hostile: No such device\n", "carriage\r\nreturn\r\n", "ünïcödé ✓ 𝄞 日本\n", "-n\n", "  ",
        };

        /// <summary>
        /// A tree with every kind of file the contract names: any content but NUL (spaces, backslashes, no trailing
        /// newline, record-like lines, text that looks like a grep message), empty files, files that fail with EIO and
        /// EINVAL (symlinks to such files of this machine's real sysfs), EISDIR, missing members, dangling links and
        /// directory names with spaces, backslashes and ": ".
        /// </summary>
        private static SshTestTree HostileTree()
        {
            var tree = new SshTestTree(2, 3);
            var dirs = new[] { "devices/ap/card00/00.0000", "devices/ap/card00/00.0001", "devices/ap/card01/01.0002", "devices/ap/card00/00.00 sp\\ace", "devices/ap/card01/01.00: colon" };
            int i = 0;
            foreach (var d in dirs)
            {
                tree.Dir(d);
                foreach (var m in new[] { "a", "b", "c" })
                {
                    // Not every member in every directory: gaps between grep's records are empty, missing or failed files.
                    if ((i++ % 4) == 3) continue;
                    tree.File(d + "/" + m, Contents[i % Contents.Length]);
                }
                tree.File(d + "/empty", "");
                tree.Link(d + "/eio", LinuxEio);
                tree.Link(d + "/einval", LinuxEinval);
                tree.Dir(d + "/isdir");
                tree.Link(d + "/dangling", "../nowhere");
            }
            return tree;
        }

        private static readonly SysfsQuery[] HostileQueries =
            new[] { "a", "b", "c", "empty", "eio", "einval", "isdir", "dangling", "never" }.Select(m => new SysfsQuery("devices/ap/card*/*.*/" + m))
            .Concat(new[]
            {
                new SysfsQuery("devices/ap/card*/*.*", SysfsQueryKind.Exists),
                new SysfsQuery("devices/ap/card*/*.*/driver", SysfsQueryKind.Link),
                new SysfsQuery("devices/ap/card*/*.*/dangling", SysfsQueryKind.Link),
                new SysfsQuery("devices/ap/card*/*.*/a", SysfsQueryKind.Link),
                new SysfsQuery("nothing*/matches/here"),
                new SysfsQuery("bus/ap/apmask"),
                new SysfsQuery("bus/ap/drivers/vfio_ap", SysfsQueryKind.Exists),
            }).ToArray();

        [Theory]
        [MemberData(nameof(ShellCases))]
        public void Hostile_files_read_the_same_with_tools_with_builtins_and_locally(string shell)
        {
            Assert.True(File.Exists(LinuxEio) && File.Exists(LinuxEinval), "this test needs the kernel's sysfs at /sys for files that fail with EIO and EINVAL");
            using var tree = HostileTree();
            var tools = Run(shell, ReadManyScript.Build(tree.Root, HostileQueries, ReadTools.Detect));
            Assert.Equal("gk", tools.Tools);
            var builtins = Run(shell, ReadManyScript.Build(tree.Root, HostileQueries, ReadTools.BuiltinsOnly));
            using var local = new LocalSysfs(tree.Root, "local");
            var expected = Describe(local.ReadMany(HostileQueries).Entries);
            Assert.Equal(expected, Describe(builtins.Entries));
            Assert.Equal(expected, Describe(tools.Entries));

            var r = new SysfsReadResult(tools.Entries);
            Assert.Equal(Errno.EIO, r["devices/ap/card00/00.00 sp\\ace/eio"]!.Error);
            Assert.Equal(Errno.EINVAL, r["devices/ap/card01/01.00: colon/einval"]!.Error);
            Assert.Equal(Errno.EISDIR, r["devices/ap/card00/00.0000/isdir"]!.Error);
            Assert.Equal("", r["devices/ap/card01/01.0002/empty"]!.Value);
            Assert.Null(r["devices/ap/card00/00.0000/never"]);
            // A dangling link read as a file is ENOENT, and its target is read.
            Assert.Contains(tools.Entries, e => e.Path == "devices/ap/card00/00.0000/dangling" && e.Kind == SysfsQueryKind.Content && e.Error == Errno.ENOENT);
            Assert.Contains(tools.Entries, e => e.Path == "devices/ap/card00/00.0000/dangling" && e.Kind == SysfsQueryKind.Link && e.Value == "../nowhere");
            Assert.Contains(tools.Entries, e => e.Value == "no newline at the end");
            Assert.Contains(tools.Entries, e => e.Value == "back\\slash and  spaces \\0 \\n\n");
        }

        [Fact]
        public void Grep_messages_give_each_failed_file_its_errno_and_gaps_are_empty_files()
        {
            // What the script prints for a group of two members in two directories where grep printed only d1/a:
            // d2/a failed with ENODEV (as sysfs says for a deconfigured device), d1/b is missing, d2/b is empty.
            var p = new ReadManyOutputParser();
            foreach (var line in new[] { "V1", "Tgk", "Pa/b", "Dd1", "Dd2", "F", "d1/a\0x\0\0", "grep: d2/a: No such device", "grep: d1/b: No such file or directory", "\0", "Z" })
                p.Feed(line);
            p.Finish();
            Assert.True(p.Completed);
            var r = new SysfsReadResult(p.Entries);
            Assert.Equal("x", r["d1/a"]!.Value);
            Assert.Equal(Errno.ENODEV, r["d2/a"]!.Error);
            Assert.Null(r["d1/b"]);
            Assert.Equal("", r["d2/b"]!.Value);
            Assert.Equal(3, p.Entries.Count);
        }

        [Theory]
        [MemberData(nameof(ShellCases))]
        public void A_batch_of_only_loose_globs_or_only_links_is_a_valid_script(string shell)
        {
            // No directory groups: the tool and builtin branches must still be valid sh (an empty else is a syntax error).
            using var tree = HostileTree();
            foreach (var queries in new[]
            {
                new[] { new SysfsQuery("vfioap-none-*") },
                new[] { new SysfsQuery("bus/ap/a*") },
                new[] { new SysfsQuery("devices/ap/card*/*.*/driver", SysfsQueryKind.Link) },
                Array.Empty<SysfsQuery>(),
            })
            {
                var p = Run(shell, ReadManyScript.Build(tree.Root, queries, ReadTools.Detect));
                using var local = new LocalSysfs(tree.Root, "local");
                Assert.Equal(Describe(local.ReadMany(queries).Entries), Describe(p.Entries));
            }
        }

        [Fact]
        public void A_host_with_only_BusyBox_reads_with_builtins_and_gets_the_same()
        {
            // BusyBox grep has no --null: the script must notice in the same command and read the builtin way.
            var bin = Path.Combine(Path.GetTempPath(), "vfioap-busybox-only-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(bin);
            try
            {
                foreach (var applet in new[] { "sh", "grep", "find", "xargs", "readlink", "cat", "printf", "sed", "tr" })
                    File.CreateSymbolicLink(Path.Combine(bin, applet), "/usr/bin/busybox");
                using var tree = HostileTree();
                var p = Run("busybox", ReadManyScript.Build(tree.Root, HostileQueries, ReadTools.Detect), path: bin);
                Assert.Equal("", p.Tools);
                using var local = new LocalSysfs(tree.Root, "local");
                Assert.Equal(Describe(local.ReadMany(HostileQueries).Entries), Describe(p.Entries));
            }
            finally
            {
                Directory.Delete(bin, recursive: true);
            }
        }
    }
}
