using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.Core.Tests;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>One sshd for the tests of a class; each test trusts its host key in the fixture's known_hosts.</summary>
    public sealed class SshdFixture : IDisposable
    {
        public SshdFixture()
        {
            Host = SshdHost.Start();
            Host.TrustHostKey();
        }

        public SshdHost Host { get; }
        public void Dispose() => Host.Dispose();
    }

    [Trait("Category", "Ssh")]
    public sealed class SshSysfsTests : IClassFixture<SshdFixture>
    {
        private readonly SshdHost _sshd;

        public SshSysfsTests(SshdFixture fixture) => _sshd = fixture.Host;

        private static string[] Describe(SysfsReadResult r) =>
            r.Entries.Select(e => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]").OrderBy(s => s, StringComparer.Ordinal).ToArray();

        [Fact]
        [Trait("Category", "Slow")]
        public void ReadMany_of_a_whole_snapshot_matches_the_local_reader_and_costs_one_remote_command()
        {
            var uuid = Guid.NewGuid();
            using var tree = new SshTestTree(adapters: 3, domains: 300 / 3 + 2, mdev: uuid); // > 256 driver links: more than one readlink batch
            var queries = HostReader.QueriesFor(SnapshotParts.All);
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            int before = _sshd.CommandCount();
            var remote = ssh.ReadMany(queries);
            Assert.Equal(before + 1, _sshd.CommandCount());

            using var local = new LocalSysfs(tree.Root, "local");
            var expected = local.ReadMany(queries);
            Assert.Equal(Describe(expected), Describe(remote));
            Assert.True(remote.Entries.Count(e => e.Kind == SysfsQueryKind.Link) > ReadManyScript.LinkBatch);

            // And the snapshot built from it is the same as the local one.
            var a = HostReader.Build("h", tree.Root, remote, SnapshotParts.All);
            var b = HostReader.Build("h", tree.Root, expected, SnapshotParts.All);
            Assert.Equal(b.Queues.Count, a.Queues.Count);
            Assert.Equal(b.Queues.Select(q => $"{q.Apqn} {q.Driver} {q.Online} {q.Status} {q.AssignedTo}"), a.Queues.Select(q => $"{q.Apqn} {q.Driver} {q.Online} {q.Status} {q.AssignedTo}"));
            Assert.Single(a.Mdevs);
        }

        [Theory]
        [InlineData("plain\n")]
        [InlineData("")]
        [InlineData("no newline at the end")]
        [InlineData("\n\n\n")]
        [InlineData("two\nlines without newline")]
        [InlineData("'single' \"double\" `whoami` $(id) ${HOME} $HOME \\ \\n \\\\\n")]
        [InlineData("|looks like a content line\n~and an unterminated one\n!Permission denied\nZ\nV1\nDdevices\nCfoo\nL2\n")]
        [InlineData("; rm -rf / | cat & echo > x < y *?[a-z]\n")]
        [InlineData("  leading and trailing spaces  \n\ttabs\t\n")]
        [InlineData("carriage\r\nreturn\r\n")]
        [InlineData("ünïcödé ✓ 𝄞 日本\n")]
        [InlineData("-n\n")]
        [InlineData("-e \\c\n")]
        public void ReadMany_returns_any_content_byte_for_byte(string content)
        {
            using var tree = new SshTestTree(1, 1);
            tree.File("devices/ap/card00/00.0000/hostile", content);
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            var r = ssh.ReadMany(new[] { new SysfsQuery("devices/ap/card*/*.*/hostile") });
            var e = Assert.Single(r.Entries);
            Assert.Equal("devices/ap/card00/00.0000/hostile", e.Path);
            Assert.Equal(Errno.None, e.Error);
            Assert.Equal(content, e.Value);
        }

        [Fact]
        public void ReadMany_reports_errno_for_unreadable_files_and_skips_missing_ones()
        {
            using var tree = new SshTestTree(1, 2);
            tree.Link("bus/ap/dangling", "../nowhere");
            tree.Link("bus/ap/full", "/dev/full");
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            var queries = new[]
            {
                new SysfsQuery("devices/ap/card00"),                        // a directory read as a file: EISDIR
                new SysfsQuery("bus/ap/no_such_attribute"),                 // missing: no entry
                new SysfsQuery("bus/ap/dangling"),                          // a dangling symlink is not a readable file: no entry
                new SysfsQuery("bus/ap/dangling", SysfsQueryKind.Link),     // but its target can be read
                new SysfsQuery("bus/ap/apmask", SysfsQueryKind.Link),       // not a link: no entry
                new SysfsQuery("nothing*/matches/*"),
                new SysfsQuery("bus/ap/drivers/vfio_ap", SysfsQueryKind.Exists),
                new SysfsQuery("bus/ap/drivers/zz_none", SysfsQueryKind.Exists),
            };
            var r = ssh.ReadMany(queries);
            using var local = new LocalSysfs(tree.Root);
            Assert.Equal(Describe(local.ReadMany(queries)), Describe(r));
            Assert.Equal(Errno.EISDIR, r["devices/ap/card00"]!.Error);
            Assert.Equal("../nowhere", r["bus/ap/dangling"]!.Value);
            Assert.Null(r["bus/ap/no_such_attribute"]);
            Assert.True(r["bus/ap/drivers/vfio_ap"]!.Ok);
        }

        [Fact]
        public void ReadMany_of_a_missing_root_answers_like_a_host_without_an_AP_bus()
        {
            using var ssh = SshSysfs.Connect(_sshd.Options("/nonexistent/sysfs-root"));
            var r = ssh.ReadMany(HostReader.QueriesFor(SnapshotParts.Bus));
            Assert.Empty(r.Entries);
            var ex = Assert.Throws<HostReadException>(() => HostReader.Read(ssh, SnapshotParts.Bus));
            Assert.Contains("/nonexistent/sysfs-root", ex.Message);
        }

        [Fact]
        public void RunPlan_writes_in_order_in_one_remote_command_and_reads_back()
        {
            var uuid = Guid.NewGuid();
            using var tree = new SshTestTree(2, 2, uuid);
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            var writes = new[]
            {
                new SysfsWrite(SysfsLayout.MdevAttribute(uuid, "assign_adapter"), "0x1"),
                new SysfsWrite(SysfsLayout.MdevAttribute(uuid, "assign_domain"), "0x5"),
                new SysfsWrite(SysfsLayout.ApMask, "-5,-6"),
            };
            int before = _sshd.CommandCount();
            var result = ssh.RunPlan(new PlanRequest(writes.AsSteps(), new[] { new SysfsQuery(SysfsLayout.ApMask), new SysfsQuery(SysfsLayout.Matrix + "/*/assign_*") }));
            Assert.Equal(before + 1, _sshd.CommandCount());
            Assert.True(result.Succeeded, result.Message);
            Assert.Equal(3, result.Applied);
            // `echo value > attr`: the value and one newline, nothing else.
            Assert.Equal("0x1\n", tree.Read(SysfsLayout.MdevAttribute(uuid, "assign_adapter")));
            Assert.Equal("0x5\n", tree.Read(SysfsLayout.MdevAttribute(uuid, "assign_domain")));
            Assert.Equal("-5,-6\n", tree.Read(SysfsLayout.ApMask));
            Assert.NotNull(result.After);
            Assert.Equal("-5,-6\n", result.After![SysfsLayout.ApMask]!.Value);
        }

        [Fact]
        public void RunPlan_stops_at_the_first_failure_with_its_errno_like_the_local_writer()
        {
            using var remoteTree = new SshTestTree(1, 1);
            using var localTree = new SshTestTree(1, 1);
            foreach (var t in new[] { remoteTree, localTree }) t.Link("bus/ap/full", "/dev/full");
            IReadOnlyList<SysfsWrite> Plan() => new[]
            {
                new SysfsWrite(SysfsLayout.AqMask, "0x8"),
                new SysfsWrite("bus/ap/full", "0x1"),             // write(2) fails: ENOSPC, reported by the kernel's errno
                new SysfsWrite(SysfsLayout.ApMask, "0x4"),        // never runs
            };
            using var ssh = SshSysfs.Connect(_sshd.Options(remoteTree.Root));
            var r = ssh.RunPlan(new PlanRequest(Plan().AsSteps(), new[] { new SysfsQuery(SysfsLayout.AqMask) }));
            using var local = new LocalSysfs(localTree.Root);
            var l = local.RunPlan(new PlanRequest(Plan().AsSteps(), new[] { new SysfsQuery(SysfsLayout.AqMask) }));

            Assert.Equal(l.Applied, r.Applied);
            Assert.Equal(l.FailedStep, r.FailedStep);
            Assert.Equal(l.Error, r.Error);
            Assert.Equal(Errno.ENOSPC, r.Error);
            Assert.Equal(1, r.FailedStep);
            Assert.Equal("0x8\n", remoteTree.Read(SysfsLayout.AqMask));
            Assert.Equal(localTree.Read(SysfsLayout.ApMask), remoteTree.Read(SysfsLayout.ApMask));
            Assert.Equal("0x8\n", r.After![SysfsLayout.AqMask]!.Value);

            // A missing attribute is ENOENT and is not created.
            var missing = ssh.RunPlan(new PlanRequest(new[] { new SysfsWrite("bus/ap/not_there", "1") }.AsSteps()));
            Assert.Equal(Errno.ENOENT, missing.Error);
            Assert.Equal(0, missing.FailedStep);
            Assert.False(File.Exists(remoteTree.Full("bus/ap/not_there")));
            Assert.Equal(Errno.ENOENT, local.WriteAsPlan("bus/ap/not_there", "1"));

            // A single write is a one-step plan, and says the kernel's errno.
            Assert.Equal(Errno.None, ssh.WriteAsPlan(SysfsLayout.ApMask, "0xff"));
            Assert.Equal("0xff\n", remoteTree.Read(SysfsLayout.ApMask));
            Assert.Equal(Errno.ENOSPC, ssh.WriteAsPlan("bus/ap/full", "1"));
        }

        [Theory]
        [InlineData("bus/ap/apmask", "0x1'; touch /tmp/pwned; '")]
        [InlineData("bus/ap/apmask", "$(touch /tmp/pwned)")]
        [InlineData("bus/ap/apmask", "`touch /tmp/pwned`")]
        [InlineData("bus/ap/apmask", "1\ntouch /tmp/pwned")]
        [InlineData("bus/ap/apmask", "1;touch /tmp/pwned")]
        [InlineData("bus/ap/apmask", "1 | touch /tmp/pwned")]
        [InlineData("bus/ap/apmask", "*")]
        [InlineData("bus/ap/apmask", "1\0")]
        [InlineData("bus/ap/apmask'; touch /tmp/pwned; '", "1")]
        [InlineData("bus/ap/$(touch /tmp/pwned)", "1")]
        [InlineData("bus/ap/../../etc/passwd", "1")]
        [InlineData("bus/ap/*", "1")]
        [InlineData("bus/ap/a b", "1")]
        [InlineData("bus/ap/ünï", "1")]
        public void Hostile_paths_and_values_are_refused_before_anything_is_sent(string path, string value)
        {
            using var tree = new SshTestTree(1, 1);
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            int before = _sshd.CommandCount();
            Assert.ThrowsAny<ArgumentException>(() => ssh.RunPlan(new PlanRequest(new[] { new SysfsWrite(path, value) }.AsSteps())));
            Assert.Equal(before, _sshd.CommandCount());
            Assert.Equal(SysfsFormat.FormatMask(ApMask.Full), tree.Read(SysfsLayout.ApMask));
        }

        [Theory]
        [InlineData("bus/ap/$(id)")]
        [InlineData("bus/ap/`id`")]
        [InlineData("bus/ap/x;id")]
        [InlineData("bus/ap/[a-z]")]
        [InlineData("bus/ap/?")]
        [InlineData("bus//ap")]
        [InlineData("bus/./ap")]
        public void Hostile_query_patterns_are_refused(string pattern)
        {
            using var ssh = SshSysfs.Connect(_sshd.Options("/sys"));
            int before = _sshd.CommandCount();
            Assert.ThrowsAny<ArgumentException>(() => ssh.ReadMany(new[] { new SysfsQuery(pattern) }));
            Assert.Equal(before, _sshd.CommandCount());
        }

        [Theory]
        [InlineData("/tmp/x'; id; '")]
        [InlineData("relative/root")]
        [InlineData("/tmp/$(id)")]
        [InlineData("/tmp/a\nb")]
        public void Hostile_roots_are_refused(string root)
        {
            Assert.ThrowsAny<ArgumentException>(() => SshSysfs.Connect(_sshd.Options(root)));
        }

        [Fact]
        public async Task A_connection_lost_mid_plan_says_which_steps_were_applied_and_the_session_reconnects()
        {
            using var tree = new SshTestTree(1, 1);
            var fifo = tree.Full("bus/ap/stuck");
            SshdHost.Run("mkfifo", fifo);
            var sessionsBefore = _sshd.SessionProcessIds();
            using var ssh = SshSysfs.Connect(_sshd.Options(tree.Root));
            var writes = new[]
            {
                new SysfsWrite(SysfsLayout.AqMask, "0x1", "give domain 7 to vfio_ap"),
                new SysfsWrite("bus/ap/stuck", "0x2", "a write that never completes"),
                new SysfsWrite(SysfsLayout.ApMask, "0x3", "third"),
            };
            var run = Task.Run(() => ssh.RunPlan(new PlanRequest(writes.AsSteps())));
            // Step 1 has been applied once its value is in the file; step 2 then blocks on the FIFO.
            var sw = Stopwatch.StartNew();
            while (tree.Read(SysfsLayout.AqMask) != "0x1\n" && sw.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(50);
            Thread.Sleep(300);
            var ours = _sshd.SessionProcessIds().Except(sessionsBefore).ToArray();
            Assert.NotEmpty(ours);
            foreach (var pid in ours) Process.GetProcessById(pid).Kill(entireProcessTree: false);
            try
            {
                var r = await run.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.False(r.Succeeded);
                Assert.Equal(1, r.Applied);
                Assert.Equal(1, r.FailedStep);
                Assert.NotNull(r.Message);
                Assert.Contains("1 of 3", r.Message);
                Assert.Contains("give domain 7 to vfio_ap", r.Message);
                Assert.Contains("a write that never completes", r.Message);
                Assert.Contains("127.0.0.1", r.Message);
                Assert.Equal(SysfsFormat.FormatMask(ApMask.Full), tree.Read(SysfsLayout.ApMask));
            }
            finally
            {
                DrainFifo(fifo);
            }
            // The next call opens a new connection.
            Assert.Equal(Errno.None, ssh.WriteAsPlan(SysfsLayout.ApMask, "0x3"));
        }

        [Fact]
        public void A_plan_that_outlives_the_command_timeout_is_stopped_and_reported()
        {
            using var tree = new SshTestTree(1, 1);
            var fifo = tree.Full("bus/ap/stuck");
            SshdHost.Run("mkfifo", fifo);
            var options = _sshd.Options(tree.Root);
            options.CommandTimeout = TimeSpan.FromSeconds(2);
            using var ssh = SshSysfs.Connect(options);
            try
            {
                var sw = Stopwatch.StartNew();
                // A plan's command may also wait for the host's lock on top of the command timeout: a 1 s lock wait
                // (nobody else holds it) keeps the bound about the command itself.
                var r = ssh.RunPlan(new PlanRequest(new[] { new SysfsWrite(SysfsLayout.AqMask, "0x1"), new SysfsWrite("bus/ap/stuck", "0x2") }.AsSteps(),
                                                    lockTimeout: TimeSpan.FromSeconds(1)));
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
                Assert.Equal(Errno.ETIMEDOUT, r.Error);
                Assert.Equal(1, r.Applied);
                Assert.Contains("did not finish in time", r.Message);
                // The cut-off plan's remote shell still hangs in its write, so it still holds the host's lock: the next
                // plan waits, gives up naming that holder, and writes nothing.
                var held = Assert.Throws<VfioAp.Core.Locking.ApConfigLockException>(() =>
                    ssh.RunPlan(new PlanRequest(new[] { new SysfsWrite(SysfsLayout.ApMask, "0x3") }.AsSteps(), lockTimeout: TimeSpan.FromSeconds(1))));
                Assert.Contains("is held by pid", held.Message);
                Assert.Contains("Nothing was written", held.Message);
                Assert.Equal(SysfsFormat.FormatMask(ApMask.Full), tree.Read(SysfsLayout.ApMask));
            }
            finally
            {
                DrainFifo(fifo);
            }
            Assert.Equal(Errno.None, ssh.WriteAsPlan(SysfsLayout.ApMask, "0x3"));
        }

        /// <summary>Opens the FIFO for reading so a remote writer blocked on it finishes and exits.</summary>
        private static void DrainFifo(string fifo)
        {
            var t = Task.Run(() => { try { File.ReadAllText(fifo); } catch (IOException) { } });
            t.Wait(TimeSpan.FromSeconds(5));
        }

        [Fact]
        public void UseSudo_runs_the_scripts_through_sudo()
        {
            SshdHost.EnsurePackage("sudo", "/usr/bin/sudo");
            using var tree = new SshTestTree(1, 2);
            var options = _sshd.Options(tree.Root);
            options.UseSudo = true;
            using var ssh = SshSysfs.Connect(options);
            var r = ssh.ReadMany(HostReader.QueriesFor(SnapshotParts.All));
            using var local = new LocalSysfs(tree.Root);
            Assert.Equal(Describe(local.ReadMany(HostReader.QueriesFor(SnapshotParts.All))), Describe(r));
            Assert.Equal(Errno.None, ssh.WriteAsPlan(SysfsLayout.ApMask, "0x3"));
            Assert.Equal("0x3\n", tree.Read(SysfsLayout.ApMask));
            Assert.StartsWith("exec sudo -n -- /bin/sh -c ", ssh.CommandText(":"));
        }
    }
}
