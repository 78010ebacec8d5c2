using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Changes;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The change engine's branches that only another writer reaches: it changes what the plan depends on before every
/// try (retries run out), makes the same change first (nothing is left to write), or takes the APQNs the change needs
/// (refused when planned again). The other writer is a shell's plain echo to the simulated kernel, made just before
/// each of the engine's plan runs, as a colleague's would land between the engine's read and its write.
/// </summary>
public class ChangeEngineTests
{
    private static readonly Guid A = Guid.Parse("0a0a0a0a-0000-4000-8000-00000000000a");
    private static readonly Guid B = Guid.Parse("0b0b0b0b-0000-4000-8000-00000000000b");
    private const SnapshotParts Parts = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs;

    /// <summary>Adapters 4-7 and domains 4, 5 for vfio_ap; mdev A holds adapter 4 × domain 4, mdev B exists empty.</summary>
    private static SimulatedKernel Host()
    {
        var k = Sim.Host(new[] { 4, 5, 6, 7 }, new[] { 4, 5 }, new[] { 4, 5, 6, 7 }, new[] { 4, 5 });
        k.CreateMdev(A.ToString("D"));
        k.CreateMdev(B.ToString("D"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(A, "assign_adapter"), "0x4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(A, "assign_domain"), "0x4"));
        return k;
    }

    /// <summary>"Set-VfioApMatrix -Mdev A -Adapter n" as the cmdlet plans it: a pure function of a snapshot.</summary>
    private static PlannedChange AddAdapter(ISysfs fs, Guid mdev, int adapter)
    {
        Func<ApMatrix, ApMatrix> intent = m => MatrixPlanner.Desired(m, MatrixChange.Add, ApMask.Of(adapter), null, null);
        Replanned Plan(HostSnapshot s)
        {
            var now = s.FindMdev(mdev)!;
            var desired = intent(now.Matrix);
            return new Replanned(MatrixPlanner.PlanChange(s, now, desired, false, intent),
                MatrixValidator.Validate(s, mdev, desired).Where(f => f.Severity == FindingSeverity.Error).ToList(), $"adding adapter {adapter}");
        }
        var (snapshot, raw) = HostReader.ReadWithAnswers(fs, Parts);
        return new PlannedChange(Plan(snapshot).Plan, snapshot, raw, Plan);
    }

    private static ChangeEngine Engine(ISysfs fs, IHostLock? hostLock = null) =>
        new ChangeEngine(new ChangeHost(fs, hostLock), Parts, TimeSpan.FromSeconds(5), seed: 1);

    [Fact]
    public void When_another_writer_changes_the_mdev_before_every_try_the_engine_gives_up_after_five_tries_having_written_nothing()
    {
        var k = Host();
        using var inner = new SimulatedSysfs(k, "busy");
        int domain = 0x10;
        // Each time before the engine's run: another control domain on A, which A's plan depends on.
        var fs = new BeforeEachPlan(inner, () => Assert.Equal(Errno.None, k.Echo(Sim.Mdev(A, "assign_control_domain"), "0x" + (domain++).ToString("x"))));
        var result = Engine(fs).Apply(AddAdapter(fs, A, 5));

        Assert.Equal(ChangeEngine.MaxAttempts, result.Attempts);
        Assert.Equal(new[] { Sim.Mdev(A, "control_domains") }, result.Conflicts);
        Assert.Null(result.Outcome);
        Assert.Equal(ChangeEngine.MaxAttempts, fs.Runs);
        // Nothing of the engine's own: adapter 5 never reached A; every other writer's domain is there.
        Assert.DoesNotContain("05.", k.Matrix(A));
        Assert.Equal(ChangeEngine.MaxAttempts, k.Read(Sim.Mdev(A, "control_domains")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void When_another_writer_made_the_same_change_first_nothing_is_left_to_write()
    {
        var k = Host();
        using var inner = new SimulatedSysfs(k, "same");
        var fs = new BeforeEachPlan(inner, () => k.Echo(Sim.Mdev(A, "assign_adapter"), "0x5"));
        var result = Engine(fs).Apply(AddAdapter(fs, A, 5));

        Assert.True(result.NothingLeft);
        Assert.Null(result.Outcome);
        Assert.Null(result.Conflicts);
        // One run met the other writer's change; planned again from the read made under the lock, nothing was left.
        Assert.Equal(1, result.Attempts);
        Assert.Equal(1, fs.Runs);
        Assert.True(result.Change.Plan.IsEmpty);
        Assert.Contains("05.0004", k.Matrix(A));
    }

    [Fact]
    public void When_another_writer_took_the_apqns_meanwhile_the_change_planned_again_is_refused_with_nothing_written()
    {
        var k = Host();
        using var inner = new SimulatedSysfs(k, "taken");
        // B takes adapter 5 with domain 4: A adding adapter 5 would now share 05.0004 (the kernel's EADDRINUSE).
        var fs = new BeforeEachPlan(inner, () =>
        {
            k.Echo(Sim.Mdev(B, "assign_domain"), "0x4");
            k.Echo(Sim.Mdev(B, "assign_adapter"), "0x5");
        });
        var result = Engine(fs).Apply(AddAdapter(fs, A, 5));

        var refused = Assert.IsType<Replanned>(result.Refused);
        Assert.Contains(refused.Refusals, f => f.Code == MatrixFindingCode.ApqnInOtherMdev);
        Assert.NotNull(result.RefusedSnapshot);
        Assert.Null(result.Outcome);
        Assert.Equal(1, fs.Runs);
        Assert.Equal("04.0004\n", k.Matrix(A));
    }

    [Fact]
    public void Where_this_process_can_hold_the_lock_a_retry_holds_it_across_read_plan_and_write_and_succeeds()
    {
        var k = Host();
        using var inner = new SimulatedSysfs(k, "held");
        int domain = 0x10;
        var fs = new BeforeEachPlan(inner, () =>
        {
            // Only the first run meets another writer: the retry holds the lock, so no interloper gets in.
            if (domain == 0x10) k.Echo(Sim.Mdev(A, "assign_control_domain"), "0x" + (domain++).ToString("x"));
        });
        var result = Engine(fs, inner.HostLock).Apply(AddAdapter(fs, A, 5));

        Assert.True(result.Outcome?.Succeeded, result.Outcome?.VerificationProblem);
        Assert.Equal(2, result.Attempts);
        Assert.Equal("04.0004\n05.0004\n", k.Matrix(A));
        Assert.Equal("0010\n", k.Read(Sim.Mdev(A, "control_domains")));
        Assert.False(SimulatedHostLock.For(k).IsHeld);
    }

    [Fact]
    public void A_plan_of_file_steps_is_checked_under_the_lock_against_the_text_it_was_planned_from()
    {
        using var dir = new PersistenceTempDir();
        var path = System.IO.Path.Combine(dir.Path, "etc/mdevctl.d/matrix", A.ToString("D"));
        using var fs = new SimulatedSysfs(Host(), "files");
        var write = new FileWriteStep(path, "{\"new\": 1}\n", null, "mdevctl definition");
        var plan = new WritePlan("persist", new PlanStep[] { write }, SnapshotParts.Bus, _ => null);
        var snapshot = HostReader.Read(fs, SnapshotParts.Bus);

        // Someone else created the file after the plan was made: the precondition (absent) fails, nothing is written.
        System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, "{\"theirs\": 1}\n");
        var conflict = Engine(fs).Apply(new PlannedChange(plan, snapshot, null));
        Assert.Equal(new[] { path }, conflict.Conflicts);
        Assert.Equal("{\"theirs\": 1}\n", System.IO.File.ReadAllText(path));

        // Planned from the file as it is, it is replaced, and its undo would put the other text back.
        var replace = new FileWriteStep(path, "{\"new\": 1}\n", "{\"theirs\": 1}\n", "mdevctl definition");
        var done = Engine(fs).Apply(new PlannedChange(new WritePlan("persist", new PlanStep[] { replace }, SnapshotParts.Bus, _ => null), snapshot, null));
        Assert.True(done.Outcome?.Succeeded);
        Assert.Equal("{\"new\": 1}\n", System.IO.File.ReadAllText(path));
        Assert.Equal("{\"theirs\": 1}\n", Assert.IsType<FileWriteStep>(Assert.Single(replace.Undo)).Content);
        Assert.Empty(System.IO.Directory.GetFiles(System.IO.Path.GetDirectoryName(path)!, ".*"));
    }

    /// <summary>A transport that lets "another writer" act just before each plan run reaches the host.</summary>
    private sealed class BeforeEachPlan : ISysfs
    {
        private readonly ISysfs _inner;
        private readonly Action _before;

        public BeforeEachPlan(ISysfs inner, Action before)
        {
            _inner = inner;
            _before = before;
        }

        public int Runs { get; private set; }
        public string HostName => _inner.HostName;
        public string Root => _inner.Root;
        public SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries) => _inner.ReadMany(queries);

        public PlanRunResult RunPlan(PlanRequest request)
        {
            Runs++;
            _before();
            return _inner.RunPlan(request);
        }

        public void Dispose() { }
    }
}
