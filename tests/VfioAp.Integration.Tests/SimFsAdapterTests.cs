using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.SimFs;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The FUSE adapter's own contract, mounted in this process over a tree whose behaviour each test controls: what reaches
    /// the tree for each system call (one store per write(2), one show per read from offset 0), and what a shell sees back
    /// (the tree's errno, sysfs's sizes, modes and refusals). The simulated kernel itself is exercised in <see cref="SimFsScenarioTests"/>.
    /// </summary>
    [Trait("Category", "Fuse")]
    public sealed class SimFsAdapterTests
    {
        [SimFsFact]
        public void Every_read_from_offset_zero_runs_the_show_function_again()
        {
            var tree = new ScriptedTree();
            int shows = 0;
            tree.AddFile("counter", 0x124, () => (++shows).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            using var mount = InProcessMount.Start(tree);

            var r = SimFsShell.Run("cat \"$1/counter\"; cat \"$1/counter\"; cat \"$1/counter\"", mount.Root);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("1\n2\n3\n", r.StandardOutput);
        }

        [SimFsFact]
        public void A_name_that_appears_after_a_write_is_visible_at_once()
        {
            var tree = new ScriptedTree();
            tree.AddFile("create", 0x80, write: value => tree.AddDirectory(value.TrimEnd('\n')));
            using var mount = InProcessMount.Start(tree);

            // Looked up (and found absent) first: a cached negative entry would hide the new directory.
            var r = SimFsShell.Run("test -e \"$1/fresh\" && exit 7; /bin/echo fresh > \"$1/create\" || exit 8; test -d \"$1/fresh\" || exit 9; ls \"$1\"", mount.Root);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("create\nfresh\n", r.StandardOutput);
        }

        [SimFsFact]
        public void Each_write_call_is_one_store_of_at_most_one_page()
        {
            var tree = new ScriptedTree();
            var stores = new List<string>();
            tree.AddFile("attr", 0x1a4, () => "", value => { lock (stores) stores.Add(value); });
            using var mount = InProcessMount.Start(tree);
            var source = Path.Combine(Path.GetTempPath(), "simfs-5000-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(source, new string('a', 5000));
            try
            {
                // dd issues one write(2) of 5000 bytes; kernfs takes one page of it, and dd writes the rest in a second call.
                var r = SimFsShell.Run("printf '0x5\\n' > \"$1/attr\" && dd if=\"$2\" of=\"$1/attr\" bs=5000 count=1 status=none", mount.Root, source);

                Assert.True(r.ExitCode == 0, r.ToString());
                lock (stores)
                {
                    Assert.Equal(3, stores.Count);
                    Assert.Equal("0x5\n", stores[0]);
                    Assert.Equal(4096, stores[1].Length);
                    Assert.Equal(904, stores[2].Length);
                }
            }
            finally { File.Delete(source); }
        }

        [SimFsFact]
        public void The_errno_of_a_refused_store_reaches_the_writing_program()
        {
            var tree = new ScriptedTree();
            tree.AddFile("busy", 0x80, write: _ => throw new SysfsException(Errno.EBUSY, "busy"));
            tree.AddFile("range", 0x80, write: _ => throw new SysfsException(Errno.ERANGE, "range", "2^64 does not fit"));
            var log = new List<string>();
            using var mount = InProcessMount.Start(tree, line => { lock (log) log.Add(line); });

            var coreutils = SimFsShell.Run("/bin/echo 5 > \"$1/busy\"", mount.Root);
            var bash = SimFsShell.RunWith("/bin/bash", "echo 5 > \"$1/range\"", mount.Root);

            Assert.NotEqual(0, coreutils.ExitCode);
            Assert.Contains("write error: Device or resource busy", coreutils.StandardError);
            Assert.NotEqual(0, bash.ExitCode);
            Assert.Contains("write error: Numerical result out of range", bash.StandardError);
            lock (log)
            {
                Assert.Contains("vfioap-simfs: write /busy: Device or resource busy", log);
                Assert.Contains("vfioap-simfs: write /range: Numerical result out of range (2^64 does not fit)", log);
            }
        }

        [SimFsFact]
        public void An_attribute_larger_than_one_fuse_read_arrives_whole()
        {
            var tree = new ScriptedTree();
            // 65536 matrix lines, as a 256 x 256 mdev prints them: far more than one 128 KiB FUSE read.
            var text = string.Concat(Enumerable.Range(0, 65536).Select(i => $"{i >> 8:x2}.{i & 0xff:x4}\n"));
            tree.AddFile("matrix", 0x124, () => text);
            using var mount = InProcessMount.Start(tree);

            var r = SimFsShell.Run("cat \"$1/matrix\"", mount.Root);

            Assert.True(r.ExitCode == 0, r.StandardError);
            Assert.Equal(text.Length, r.StandardOutput.Length);
            Assert.Equal(text, r.StandardOutput);
        }

        [SimFsFact]
        public void Opening_for_an_access_the_attribute_lacks_is_refused_even_for_root()
        {
            var tree = new ScriptedTree();
            tree.AddFile("remove", 0x80, write: _ => { });
            tree.AddFile("status", 0x124, () => "assigned\n");
            using var mount = InProcessMount.Start(tree);

            var read = SimFsShell.Run("cat \"$1/remove\"", mount.Root);
            var write = SimFsShell.Run("/bin/echo 1 > \"$1/status\"", mount.Root);

            Assert.NotEqual(0, read.ExitCode);
            Assert.Contains("Permission denied", read.StandardError);
            Assert.NotEqual(0, write.ExitCode);
            Assert.Contains("Permission denied", write.StandardError);
            Assert.Empty(tree.ReadsOf("remove"));
        }

        [SimFsFact]
        public void Names_cannot_be_created_removed_or_renamed()
        {
            var tree = new ScriptedTree();
            tree.AddDirectory("dir");
            tree.AddFile("dir/attr", 0x1a4, () => "0\n", _ => { });
            using var mount = InProcessMount.Start(tree);

            var r = SimFsShell.Run(
                "exec 2>&1; mkdir \"$1/new\"; rm \"$1/dir/attr\"; rmdir \"$1/dir\"; mv \"$1/dir/attr\" \"$1/dir/other\"; " +
                "true > \"$1/dir/made\"; ln -s attr \"$1/dir/link\"; chmod 600 \"$1/dir/attr\"; ls \"$1\" \"$1/dir\"", mount.Root);

            var lines = r.StandardOutput.Split('\n');
            foreach (var (tool, error) in new[]
            {
                ("mkdir:", "Operation not permitted"), ("rm:", "Operation not permitted"), ("rmdir:", "Operation not permitted"),
                ("mv:", "Operation not permitted"), ("ln:", "Operation not permitted"), ("chmod:", "Operation not permitted"),
                ("sh: 1: cannot create", "Permission denied"),
            })
                Assert.True(lines.Any(l => l.StartsWith(tool, StringComparison.Ordinal) && l.EndsWith(error, StringComparison.Ordinal)),
                    $"expected '{tool} … {error}' in:\n{r.StandardOutput}");
            Assert.EndsWith($"{mount.Root}:\ndir\n\n{mount.Root}/dir:\nattr\n", r.StandardOutput);
        }

        [SimFsFact]
        public void Stat_shows_sysfs_sizes_modes_and_link_counts()
        {
            var tree = new ScriptedTree();
            tree.AddDirectory("card05");
            tree.AddDirectory("card05/05.0035");
            tree.AddDirectory("card05/05.0036");
            tree.AddFile("card05/online", 0x1a4, () => "1\n", _ => { });
            tree.AddFile("card05/05.0035/reset", 0x80, write: _ => { });
            tree.AddSymlink("card05/driver", "../drivers/cex4card");
            using var mount = InProcessMount.Start(tree);

            var r = SimFsShell.Run(
                "cd \"$1\" && stat -c '%n %F %a %s %h %U:%G' card05 card05/online card05/05.0035/reset card05/driver && readlink card05/driver",
                mount.Root);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(
                "card05 directory 755 0 4 root:root\n" +          // "." + ".." + two queue directories, as kernfs counts
                "card05/online regular file 644 4096 1 root:root\n" +
                "card05/05.0035/reset regular file 200 4096 1 root:root\n" +
                "card05/driver symbolic link 777 0 1 root:root\n" +
                "../drivers/cex4card\n",
                r.StandardOutput);
        }

        [SimFsFact]
        public void An_exception_that_is_not_a_kernel_refusal_becomes_EIO_and_is_logged()
        {
            var tree = new ScriptedTree();
            tree.AddFile("broken", 0x124, () => throw new InvalidOperationException("simulator bug"));
            var log = new List<string>();
            using var mount = InProcessMount.Start(tree, line => { lock (log) log.Add(line); });

            var r = SimFsShell.Run("cat \"$1/broken\"", mount.Root);

            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Input/output error", r.StandardError);
            lock (log) Assert.Contains(log, l => l.Contains("read /broken") && l.Contains("simulator bug"));
        }

        [SimFsFact]
        public void Unmount_from_outside_ends_the_loop_and_leaves_the_directory_empty()
        {
            var tree = new ScriptedTree();
            tree.AddFile("attr", 0x124, () => "x\n");
            using var mount = InProcessMount.Start(tree);
            Assert.True(SimFsMount.IsMountPoint(mount.Root));

            var r = SimFsShell.Run("fusermount3 -u \"$1\"", mount.Root);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.True(mount.Fuse.Served.Wait(TimeSpan.FromSeconds(10)), "fuse_loop_mt did not return after fusermount3 -u");
            Assert.Equal(0, mount.Fuse.Served.Result);
            Assert.False(SimFsMount.IsMountPoint(mount.Root));
            Assert.Empty(Directory.EnumerateFileSystemEntries(mount.Root));
        }

        /// <summary>A <see cref="FuseMount"/> over a temporary directory, removed again on dispose.</summary>
        private sealed class InProcessMount : IDisposable
        {
            private InProcessMount(FuseMount fuse, string root) { Fuse = fuse; Root = root; }

            public FuseMount Fuse { get; }
            public string Root { get; }

            public static InProcessMount Start(ISysfsTree tree, Action<string>? log = null)
            {
                var root = Directory.CreateTempSubdirectory("vfioap-simfs-adapter-").FullName;
                try
                {
                    return new InProcessMount(FuseMount.Start(tree, root, log: log), root);
                }
                catch
                {
                    Directory.Delete(root);
                    throw;
                }
            }

            public void Dispose()
            {
                Fuse.Dispose();
                if (!SimFsMount.IsMountPoint(Root)) Directory.Delete(Root, recursive: false);
            }
        }

        /// <summary>A tree whose files run the test's own show/store functions and remember which paths were read.</summary>
        private sealed class ScriptedTree : ISysfsTree
        {
            private readonly object _gate = new object();
            private readonly Dictionary<string, SysfsNode> _nodes = new Dictionary<string, SysfsNode> { [""] = new SysfsNode(SysfsNodeKind.Directory, 0x1ed) };
            private readonly Dictionary<string, Func<string>> _shows = new Dictionary<string, Func<string>>();
            private readonly Dictionary<string, Action<string>> _stores = new Dictionary<string, Action<string>>();
            private readonly List<string> _reads = new List<string>();

            public void AddDirectory(string path) { lock (_gate) _nodes[path] = new SysfsNode(SysfsNodeKind.Directory, 0x1ed); }

            public void AddSymlink(string path, string target) { lock (_gate) _nodes[path] = new SysfsNode(SysfsNodeKind.Symlink, 0x1ff, target); }

            public void AddFile(string path, int mode, Func<string>? show = null, Action<string>? write = null)
            {
                lock (_gate)
                {
                    _nodes[path] = new SysfsNode(SysfsNodeKind.File, mode);
                    if (show is not null) _shows[path] = show;
                    if (write is not null) _stores[path] = write;
                }
            }

            public IReadOnlyList<string> ReadsOf(string path) { lock (_gate) return _reads.Where(r => r == path).ToList(); }

            public SysfsNode? Lookup(string path) { lock (_gate) return _nodes.TryGetValue(path, out var n) ? n : null; }

            public IReadOnlyList<string>? List(string path)
            {
                lock (_gate)
                {
                    if (!_nodes.TryGetValue(path, out var n) || n.Kind != SysfsNodeKind.Directory) return null;
                    var prefix = path.Length == 0 ? "" : path + "/";
                    return _nodes.Keys
                        .Where(k => k.Length > prefix.Length && k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) < 0)
                        .Select(k => k.Substring(prefix.Length))
                        .OrderBy(k => k, StringComparer.Ordinal)
                        .ToList();
                }
            }

            public string Read(string path)
            {
                Func<string>? show;
                lock (_gate)
                {
                    _reads.Add(path);
                    if (!_shows.TryGetValue(path, out show)) throw new SysfsException(Errno.EACCES, path);
                }
                return show();
            }

            public void Write(string path, string value)
            {
                Action<string>? store;
                lock (_gate)
                    if (!_stores.TryGetValue(path, out store)) throw new SysfsException(Errno.EACCES, path);
                store(value);
            }
        }
    }
}
