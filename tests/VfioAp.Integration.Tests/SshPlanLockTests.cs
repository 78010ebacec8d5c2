using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Tests;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;
using Xunit;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The parts of a locked remote plan that run in a real /bin/sh: the preconditions' sums must be what cksum prints
    /// for the same bytes, and the lock function must take, report and release the lock as util_lockfile does.
    /// </summary>
    public sealed class SshPlanLockTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "vfioap-shlock-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public SshPlanLockTests() => Directory.CreateDirectory(_dir);
        public void Dispose() => Directory.Delete(_dir, true);

        private static (int Code, string Out) Sh(string script, string? stdinFile = null)
        {
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output + err.Result);
        }

        public static readonly TheoryData<string> Contents = new TheoryData<string>
        {
            "",
            "\n",
            "0x0c00000000000000000000000000000000000000000000000000000000000000\n",
            "04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n",
            string.Concat(Enumerable.Range(0, 60).SelectMany(a => Enumerable.Range(0, 85).Select(d => $"{a:x2}.{d:x4}\n"))),
        };

        [Theory]
        [MemberData(nameof(Contents))]
        public void The_sum_is_what_cksum_prints_for_the_same_bytes(string content)
        {
            var file = Path.Combine(_dir, "attr");
            File.WriteAllBytes(file, Encoding.UTF8.GetBytes(content));
            var (code, output) = Sh($"cksum < '{file}'");
            Assert.Equal(0, code);
            Assert.Equal(output.Trim(), PosixCksum.Of(content));
        }

        [Fact]
        public void A_locked_plan_compares_takes_and_releases_the_lock_in_one_shell()
        {
            var root = Path.Combine(_dir, "tree");
            Directory.CreateDirectory(root);
            File.WriteAllText(Path.Combine(root, "a"), "one\n");
            var lockPath = Path.Combine(_dir, "s390apconfig.lock");
            var writes = new[] { new SysfsWrite("a", "two") };
            // The precondition holds: the write runs; the lock is gone afterwards.
            var script = PlanScript.Build(root, writes.AsSteps(), null, lockPath, new[] { new SysfsPrecondition("a", "one\n") }, 5);
            var (_, output) = Sh(script);
            Assert.Contains("\nL", "\n" + output);
            Assert.Contains("S0", output);
            Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
            Assert.False(File.Exists(lockPath));
            // It no longer holds: C and no write.
            (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "three") }.AsSteps(), null, lockPath, new[] { new SysfsPrecondition("a", "one\n") }, 5));
            Assert.Contains("Ca", output);
            Assert.DoesNotContain("S0", output);
            Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
            Assert.False(File.Exists(lockPath));
            // A live foreign holder: W records, then T with its pid, nothing written, its lock left alone.
            using var sleep = Process.Start("sleep", "30")!;
            try
            {
                File.WriteAllText(lockPath, sleep.Id + "\n");
                (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "four") }.AsSteps(), null, lockPath, null, 1));
                Assert.Contains("W" + sleep.Id, output);
                Assert.Contains("T" + sleep.Id, output);
                Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
                Assert.Equal(sleep.Id + "\n", File.ReadAllText(lockPath));
            }
            finally { sleep.Kill(); sleep.WaitForExit(); }
            // The holder is gone: its lock is stale and taken over.
            (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "five") }.AsSteps(), null, lockPath, null, 5));
            Assert.Contains("S0", output);
            Assert.False(File.Exists(lockPath));
            Assert.Empty(Directory.GetFiles(_dir).Where(f => f.Contains("vfioap")));
        }

        [Fact]
        public void A_lock_directory_that_does_not_exist_is_an_E_record_and_nothing_is_written()
        {
            var root = Path.Combine(_dir, "tree");
            Directory.CreateDirectory(root);
            File.WriteAllText(Path.Combine(root, "a"), "one\n");
            var (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "two") }.AsSteps(), null, Path.Combine(_dir, "missing/s390apconfig.lock"), null, 5));
            Assert.Contains("ENo such file or directory", output);
            Assert.DoesNotContain("S0", output);
            Assert.Equal("one\n", File.ReadAllText(Path.Combine(root, "a")));
        }

        [Fact]
        public void A_plan_that_carries_a_hold_writes_only_while_the_lock_holds_the_live_holder_and_leaves_it_held()
        {
            var root = Path.Combine(_dir, "tree");
            Directory.CreateDirectory(root);
            File.WriteAllText(Path.Combine(root, "a"), "one\n");
            var lockPath = Path.Combine(_dir, "s390apconfig.lock");
            using var holder = Process.Start("sleep", "30")!;
            using var other = Process.Start("sleep", "30")!;
            try
            {
                File.WriteAllText(lockPath, holder.Id + "\n");
                var (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "two") }.AsSteps(), null, lockPath, null, 5, heldBy: holder.Id));
                Assert.Contains("S0", output);
                Assert.DoesNotContain("\nL", "\n" + output);
                Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
                Assert.Equal(holder.Id + "\n", File.ReadAllText(lockPath));
                // Someone else holds it now: N with their pid, nothing written, their lock left alone.
                File.WriteAllText(lockPath, other.Id + "\n");
                (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "three") }.AsSteps(), null, lockPath, null, 5, heldBy: holder.Id));
                Assert.Contains("N" + other.Id, output);
                Assert.DoesNotContain("S0", output);
                Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
                Assert.Equal(other.Id + "\n", File.ReadAllText(lockPath));
                // Nobody holds it: N0, nothing written.
                File.Delete(lockPath);
                (_, output) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "four") }.AsSteps(), null, lockPath, null, 5, heldBy: holder.Id));
                Assert.Contains("N0", output);
                Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
            }
            finally { holder.Kill(); other.Kill(); holder.WaitForExit(); other.WaitForExit(); }
            // The holder died with its pid still in the file: stale, so nothing is written under it.
            File.WriteAllText(lockPath, holder.Id + "\n");
            var (_, last) = Sh(PlanScript.Build(root, new[] { new SysfsWrite("a", "five") }.AsSteps(), null, lockPath, null, 5, heldBy: holder.Id));
            Assert.Contains("N" + holder.Id, last);
            Assert.Equal("two\n", File.ReadAllText(Path.Combine(root, "a")));
        }

        [Fact]
        public void The_holder_shell_takes_the_lock_holds_it_until_told_and_releases_it_at_U_or_eof()
        {
            var lockPath = Path.Combine(_dir, "s390apconfig.lock");
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardInput = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(SshLockHolder.Script(lockPath, 5));
            using var p = Process.Start(psi)!;
            Assert.Equal("V1", p.StandardOutput.ReadLine());
            Assert.Equal("L" + p.Id, p.StandardOutput.ReadLine());
            Assert.Equal(p.Id + "\n", File.ReadAllText(lockPath));
            // A plan meanwhile (another shell, not holding it) waits and gives up; the holder keeps the lock.
            var (_, output) = Sh(PlanScript.Build(_dir, Array.Empty<SysfsWrite>().AsSteps(), null, lockPath, null, 1));
            Assert.Contains("T" + p.Id, output);
            Assert.Equal(p.Id + "\n", File.ReadAllText(lockPath));
            p.StandardInput.Write("other\n");
            p.StandardInput.Flush();
            Assert.Equal(p.Id + "\n", File.ReadAllText(lockPath));
            p.StandardInput.Write("U\n");
            p.StandardInput.Flush();
            Assert.Equal("Z", p.StandardOutput.ReadLine());
            Assert.True(p.WaitForExit(10000));
            Assert.False(File.Exists(lockPath));
            Assert.Empty(Directory.GetFiles(_dir).Where(f => f.Contains("vfioap")));
        }
    }
}
