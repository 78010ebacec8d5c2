using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using VfioAp.Core.Locking;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// Two writers on one simulated host, their steps (read and plan; run under the lock) interleaved in random orders:
/// a plan made from a stale read meets a changed precondition under the lock, writes nothing and is made again from
/// the fresh read, so every reported success is in effect at the end — with and without ap_config.
/// </summary>
public class ConcurrentPlanTests
{
    private static readonly Guid Mdev = Guid.Parse("cccccccc-1111-4222-8333-000000000001");
    private static readonly int[] PoolA = { 1, 2, 3, 4, 5, 6 };
    private static readonly int[] PoolB = { 8, 9, 10, 11, 12, 13 };

    /// <summary>One writer as the change cmdlets run it: read, plan, run under the lock; on a conflict plan again from the read under the lock, at most 5 runs.</summary>
    private sealed class Writer
    {
        private readonly SimulatedSysfs _fs;
        private readonly bool _remove;
        private readonly ApMask _ids;
        private SysfsReadResult? _read;
        private WritePlan? _plan;
        private int _runs;

        private readonly bool _check;

        public Writer(SimulatedSysfs fs, bool remove, ApMask ids, bool checkPreconditions = true)
        {
            _check = checkPreconditions;
            _fs = fs;
            _remove = remove;
            _ids = ids;
        }

        public bool Done { get; private set; }
        public bool Succeeded { get; private set; }
        public bool Remove => _remove;
        public ApMask Ids => _ids;

        private ApMatrix Intent(ApMatrix m) => MatrixPlanner.Desired(m, _remove ? MatrixChange.Remove : MatrixChange.Add, _ids, null, null);

        private void PlanFrom(HostSnapshot snapshot, SysfsReadResult read)
        {
            var mdev = snapshot.FindMdev(Mdev)!;
            _read = read;
            _plan = MatrixPlanner.PlanChange(snapshot, mdev, Intent(mdev.Matrix), refilter: false, Intent);
        }

        public void Step()
        {
            if (Done) return;
            if (_plan is null)
            {
                var read = _fs.ReadMany(HostReader.QueriesFor(MatrixPlanner.VerifyParts));
                PlanFrom(HostReader.Build(_fs.HostName, _fs.Root, read, MatrixPlanner.VerifyParts), read);
                return;
            }
            if (_plan.IsEmpty) { Done = Succeeded = true; return; }
            _runs++;
            var outcome = PlanRunner.Apply(_fs, _plan, new PlanRunOptions { Preconditions = _check ? SysfsPrecondition.From(_plan.DependsOn, _read!) : Array.Empty<SysfsPrecondition>() });
            if (outcome.IsConflict)
            {
                Assert.Equal(0, outcome.Run.Applied);
                if (_runs >= 5) { Done = true; return; }
                PlanFrom(outcome.AfterRun!, outcome.AfterRead!);
                return;
            }
            Done = true;
            Succeeded = outcome.Succeeded;
            Assert.True(outcome.Succeeded, outcome.VerificationProblem ?? outcome.Error.ToString());
        }
    }

    private static Gen<ApMask> Ids(int[] pool) =>
        Gen.Int[1, (1 << pool.Length) - 1].Select(bits => ApMask.Of(Enumerable.Range(0, pool.Length).Where(i => ((bits >> i) & 1) == 1).Select(i => pool[i])));

    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.GuestMatrixOnly)]
    [Trait("Category", "Slow")]
    public void Random_interleavings_of_two_writers_never_lose_a_reported_success(KernelKind kind)
    {
        var gen = Gen.Select(Ids(PoolA.Concat(PoolB).ToArray()), Gen.Bool, Ids(PoolA), Gen.Bool, Ids(PoolB), Gen.Bool.Array[2, 12],
            (start, removeA, idsA, removeB, idsB, schedule) => (start, removeA, idsA, removeB, idsB, schedule));
        gen.Sample(c =>
        {
            var cards = Enumerable.Range(0, 16).ToArray();
            var k = Sim.Host(cards, new[] { 4, 7 }, cards, new[] { 4, 7 }, features: PlanCase.FeaturesOf(kind));
            k.CreateMdev(Mdev.ToString("D"));
            using (var setup = new SimulatedSysfs(k))
                Assert.True(PlanRunner.Apply(setup, MatrixPlanner.Plan(Mdev, ApMatrix.Empty, new ApMatrix(c.start, ApMask.Of(4), ApMask.Empty), kind == KernelKind.Current)).Succeeded);
            using var s1 = new SimulatedSysfs(k, "lpar");
            using var s2 = new SimulatedSysfs(k, "lpar");
            var a = new Writer(s1, c.removeA, c.idsA);
            var b = new Writer(s2, c.removeB, c.idsB);
            // The random schedule first, then turns until both are done.
            int i = 0;
            while (!a.Done || !b.Done)
            {
                bool aTurn = i < c.schedule.Length ? c.schedule[i] : i % 2 == 0;
                (aTurn ? a : b).Step();
                if (++i > 200) throw new Exception("the writers did not finish");
            }
            var expected = c.start;
            foreach (var w in new[] { a, b }.Where(w => w.Succeeded))
                expected = w.Remove ? expected.Except(w.Ids) : expected | w.Ids;
            Assert.Equal(expected, k.MatrixOf(Mdev).Adapters.Mask);
            Assert.True(a.Succeeded && b.Succeeded, "two writers with disjoint ids both get through within 5 runs");
        }, iter: 300);
    }

    /// <summary>
    /// The same two writers without the precondition check (the lock alone, as a read-modify-write of ap_config
    /// without re-reading): A reads, B reads, A writes, B writes its stale whole matrix over A's and A's reported
    /// success is lost. With the check, B's run conflicts and B plans again: both survive. This is the loss the
    /// property above would catch.
    /// </summary>
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Without_the_precondition_check_a_stale_ap_config_write_loses_the_other_writer_s_success(bool check, bool bothSurvive)
    {
        var cards = Enumerable.Range(0, 16).ToArray();
        var k = Sim.Host(cards, new[] { 4 }, cards, new[] { 4 }, features: PlanCase.FeaturesOf(KernelKind.Current));
        k.CreateMdev(Mdev.ToString("D"));
        using var s1 = new SimulatedSysfs(k, "lpar");
        using var s2 = new SimulatedSysfs(k, "lpar");
        var a = new Writer(s1, false, ApMask.Of(1), check);
        var b = new Writer(s2, false, ApMask.Of(8), check);
        a.Step(); b.Step(); a.Step(); b.Step();
        while (!b.Done) b.Step();
        Assert.True(a.Succeeded && b.Succeeded);
        Assert.Equal(bothSurvive ? ApMask.Of(1, 8) : ApMask.Of(8), k.MatrixOf(Mdev).Adapters.Mask);
    }

    [Fact]
    public void A_stale_plan_meets_a_conflict_and_writes_nothing()
    {
        var k = Sim.Host(new[] { 4, 5, 6, 7 }, new[] { 4 }, new[] { 4, 5, 6, 7 }, new[] { 4 });
        k.CreateMdev(Mdev.ToString("D"));
        using var fs = new SimulatedSysfs(k);
        var read = fs.ReadMany(HostReader.QueriesFor(MatrixPlanner.VerifyParts));
        var snap = HostReader.Build(fs.HostName, fs.Root, read, MatrixPlanner.VerifyParts);
        var plan = MatrixPlanner.Plan(Mdev, ApMatrix.Empty, new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty), true);
        // Someone else assigns adapter 5 after the read.
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevAttribute(Mdev, "assign_adapter"), "5"));
        var outcome = PlanRunner.Apply(fs, plan, new PlanRunOptions { Preconditions = SysfsPrecondition.From(plan.DependsOn, read) });
        Assert.True(outcome.IsConflict);
        Assert.Contains(SysfsLayout.MdevAttribute(Mdev, "matrix"), outcome.Run.Conflicts!);
        Assert.Equal(ApMask.Of(5), k.MatrixOf(Mdev).Adapters.Mask);
        Assert.False(SimulatedHostLock.For(k).IsHeld);
    }

    [Fact]
    public void An_ap_config_rollback_takes_back_only_its_own_change()
    {
        var k = Sim.Host(new[] { 4, 5, 6, 7 }, new[] { 4 }, new[] { 4, 5, 6, 7 }, new[] { 4 });
        k.CreateMdev(Mdev.ToString("D"));
        var plan = MatrixPlanner.Plan(Mdev, ApMatrix.Empty, new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty), true);
        // After the write, someone else's adapter 6 is there too: the undo, computed from now, keeps it.
        var undo = plan.Steps[0].UndoFromNow(HostReaderAfter(k, () => Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevAttribute(Mdev, "ap_config"), SysfsFormat.FormatApConfig(new ApMatrix(ApMask.Of(4, 6), ApMask.Of(4), ApMask.Empty)).TrimEnd('\n')))))!;
        Assert.Single(undo);
        Assert.Equal(SysfsFormat.FormatApConfig(new ApMatrix(ApMask.Of(6), ApMask.Empty, ApMask.Empty)).TrimEnd('\n'), undo[0].Value);
    }

    private static HostSnapshot HostReaderAfter(SimulatedKernel k, Action change)
    {
        change();
        return HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
    }
}

/// <summary>The lock file itself: s390-tools' protocol, stale locks, waiting, timeouts, where it lives.</summary>
public class ApConfigLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vfioap-lock-" + Guid.NewGuid().ToString("N").Substring(0, 8));
    private string LockPath => Path.Combine(_dir, "s390apconfig.lock");

    public ApConfigLockTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("/sys", "/run/lock/s390apconfig.lock")]
    [InlineData("/sys/", "/run/lock/s390apconfig.lock")]
    [InlineData("/srv/hosts/lpar1/sys", "/srv/hosts/lpar1/run/lock/s390apconfig.lock")]
    public void A_root_named_sys_has_the_lock_of_the_host_around_it(string root, string expected) =>
        Assert.Equal(expected, ApConfigLock.PathFor(root));

    [Fact]
    public void Any_other_tree_has_a_lock_in_run_lock_named_after_its_path()
    {
        var a = ApConfigLock.PathFor("/tmp/mnt/seed");
        Assert.Matches("^/run/lock/s390apconfig\\.[0-9a-f]{16}\\.lock$", a);
        Assert.Equal(a, ApConfigLock.PathFor("/tmp/mnt/seed/"));
        Assert.NotEqual(a, ApConfigLock.PathFor("/tmp/mnt/seed2"));
    }

    [Fact]
    public void Holds_the_pid_while_held_and_is_gone_after_release()
    {
        using (var held = ApConfigLock.Acquire("h", LockPath, TimeSpan.FromSeconds(1)))
        {
            Assert.Equal(ApConfigLock.CurrentPid + "\n", File.ReadAllText(LockPath));
            Assert.Single(Directory.GetFiles(_dir)); // the temporary file is gone
        }
        Assert.False(File.Exists(LockPath));
    }

    [Fact]
    public void Release_leaves_a_lock_that_is_someone_else_s_now()
    {
        var held = ApConfigLock.Acquire("h", LockPath, TimeSpan.FromSeconds(1));
        File.Delete(LockPath);
        File.WriteAllText(LockPath, "1\n");
        held.Dispose();
        Assert.Equal("1\n", File.ReadAllText(LockPath));
    }

    [Fact]
    public void Waits_for_a_live_holder_and_times_out_naming_it()
    {
        using var sleep = Process.Start("sleep", "30");
        try
        {
            File.WriteAllText(LockPath, sleep.Id + "\n");
            var waits = new List<LockWait>();
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<ApConfigLockException>(() => ApConfigLock.Acquire("lpar", LockPath, TimeSpan.FromMilliseconds(600), default, waits.Add));
            Assert.Equal(ApConfigLockFailure.Timeout, ex.Failure);
            Assert.Equal(sleep.Id, ex.HolderPid);
            Assert.Contains($"held by pid {sleep.Id}", ex.Message);
            Assert.True(clock.ElapsedMilliseconds >= 600);
            Assert.NotEmpty(waits);
            Assert.All(waits, w => Assert.Equal(sleep.Id, w.HolderPid));
            Assert.Equal(sleep.Id + "\n", File.ReadAllText(LockPath));
        }
        finally { sleep.Kill(); sleep.WaitForExit(); }
    }

    [Fact]
    public void A_cancelled_wait_ends_at_once()
    {
        using var sleep = Process.Start("sleep", "30");
        try
        {
            File.WriteAllText(LockPath, sleep.Id + "\n");
            using var cts = new CancellationTokenSource(300);
            var clock = Stopwatch.StartNew();
            var ex = Assert.Throws<ApConfigLockException>(() => ApConfigLock.Acquire("lpar", LockPath, TimeSpan.FromSeconds(30), cts.Token));
            Assert.Equal(ApConfigLockFailure.Cancelled, ex.Failure);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }
        finally { sleep.Kill(); sleep.WaitForExit(); }
    }

    [Fact]
    public void A_dead_pid_or_an_old_empty_file_is_stale_and_taken_over()
    {
        using (var gone = Process.Start("true")) { gone!.WaitForExit(); File.WriteAllText(LockPath, gone.Id + "\n"); }
        using (ApConfigLock.Acquire("h", LockPath, TimeSpan.Zero)) Assert.Equal(ApConfigLock.CurrentPid + "\n", File.ReadAllText(LockPath));
        File.WriteAllText(LockPath, "");
        Assert.Throws<ApConfigLockException>(() => ApConfigLock.Acquire("h", LockPath, TimeSpan.FromMilliseconds(100)));
        File.SetLastWriteTimeUtc(LockPath, DateTime.UtcNow.AddSeconds(-121));
        using (ApConfigLock.Acquire("h", LockPath, TimeSpan.Zero)) Assert.Equal(ApConfigLock.CurrentPid + "\n", File.ReadAllText(LockPath));
    }

    [Fact]
    public void A_missing_lock_directory_is_a_clear_error()
    {
        var ex = Assert.Throws<ApConfigLockException>(() => ApConfigLock.Acquire("lpar", Path.Combine(_dir, "no/such/dir/s390apconfig.lock"), TimeSpan.FromSeconds(1)));
        Assert.Equal(ApConfigLockFailure.Unavailable, ex.Failure);
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("Nothing was written", ex.Message);
    }

    [Fact]
    public void A_hold_is_not_reentrant_but_a_plan_that_carries_it_runs_without_taking_the_lock_again()
    {
        // No thread-local nesting: the same thread asking again waits like anyone else (and gives up after its timeout)...
        var file = new ApConfigLockFile(LockPath);
        using (var outer = file.Acquire("h", TimeSpan.FromSeconds(1)))
        {
            Assert.IsType<ApConfigLockException>(Record.Exception(() => file.Acquire("h", TimeSpan.FromMilliseconds(150))));
            Assert.IsType<ApConfigLockException>(OnOtherThread(() => file.Acquire("h", TimeSpan.FromMilliseconds(150))));
            Assert.Equal(ApConfigLock.CurrentPid + "\n", File.ReadAllText(LockPath));
        }
        Assert.False(File.Exists(LockPath));

        // ...while a plan request that carries the engine's hold of exactly this host's lock runs at once, and leaves it held.
        var k = Sim.Host(new[] { 4 }, new[] { 4 }, new[] { 4 }, new[] { 4 });
        using var fs = new SimulatedSysfs(k, "h");
        var sim = SimulatedHostLock.For(k);
        using (var hold = sim.Acquire("h", TimeSpan.Zero))
        {
            var carried = fs.RunPlan(new PlanRequest(new[] { new SysfsWrite(SysfsLayout.MdevCreate, Guid.NewGuid().ToString("D")) }.AsSteps(), lockTimeout: TimeSpan.Zero, hold: hold));
            Assert.True(carried.Succeeded);
            Assert.True(sim.IsHeld);
            // A hold of another host's lock is no pass: this plan waits for its own host's lock and times out.
            using var other = SimulatedHostLock.For(new SimulatedKernel()).Acquire("other", TimeSpan.Zero);
            Assert.IsType<ApConfigLockException>(Record.Exception(() =>
                fs.RunPlan(new PlanRequest(new[] { new SysfsWrite(SysfsLayout.MdevCreate, Guid.NewGuid().ToString("D")) }.AsSteps(), lockTimeout: TimeSpan.FromMilliseconds(100), hold: other))));
        }
        Assert.False(sim.IsHeld);
    }

    private static Exception? OnOtherThread(Func<IDisposable> take)
    {
        Exception? caught = null;
        var t = new Thread(() =>
        {
            try { take().Dispose(); }
            catch (Exception ex) { caught = ex; }
        });
        t.Start();
        t.Join();
        return caught;
    }

    [Fact]
    public void Threads_of_one_process_take_turns()
    {
        int inside = 0, most = 0;
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 20; i++)
            {
                using var held = ApConfigLock.Acquire("h", LockPath, TimeSpan.FromSeconds(30));
                int now = Interlocked.Increment(ref inside);
                if (now > Volatile.Read(ref most)) Volatile.Write(ref most, now);
                Thread.SpinWait(2000);
                Interlocked.Decrement(ref inside);
            }
        });
        Assert.Equal(1, most);
        Assert.False(File.Exists(LockPath));
    }
}
