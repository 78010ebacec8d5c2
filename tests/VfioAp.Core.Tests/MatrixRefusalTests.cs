using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The kernel's refusals of a matrix change (EADDRINUSE, ENODEV, EADDRNOTAVAIL): the validator finds them before
/// anything is written, the kernel refuses the same plan when it is run anyway, both mdevs stay exactly as they
/// were, and the error names the host, the attribute, the value, the errno, the other mdev and what to do.
/// </summary>
public class MatrixRefusalTests
{
    private static readonly Guid Guest1 = Sim.Guest1, Guest2 = Sim.Guest2, Guest3 = Sim.Guest3;

    public static TheoryData<KernelKind> Kinds => new() { KernelKind.Current, KernelKind.GuestMatrixOnly, KernelKind.Legacy };

    /// <summary>Runs the plan the validator would have stopped, and checks the kernel agrees and nothing changed.</summary>
    private static PlanFailure RunRefused(SimulatedKernel k, SimulatedSysfs fs, Guid mdev, ApMatrix desired, MatrixFindingCode expected, Errno errno)
    {
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var self = before.FindMdev(mdev)!;
        var finding = Assert.Single(MatrixValidator.Validate(before, mdev, desired), f => f.Severity == FindingSeverity.Error);
        Assert.Equal(expected, finding.Code);
        Assert.Equal(errno, finding.KernelErrno);

        var plan = MatrixPlanner.Plan(mdev, self.Matrix, desired, self.HasApConfig);
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.False(outcome.Succeeded);
        Assert.Equal(errno, outcome.Error);
        Assert.True(outcome.RolledBack);
        KernelText.AssertSame(text, KernelText.Dump(k), "after the refused plan");
        var failure = FailedPlan.Describe(outcome, before);
        Assert.Equal(finding.Refusal, failure.Code);
        Assert.Equal(KernelRefusal.FromFinding(finding, fs.HostName, "the change").Code, failure.Code);
        Assert.StartsWith($"Host '{fs.HostName}': ", failure.Message);
        Assert.Contains($"writing '{failure.Value}' to /sys/{outcome.FailedWrite!.Path}", failure.Message);
        Assert.Contains($"refused with {errno} ({ErrnoText.Describe(errno)})", failure.Message);
        return failure;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Adapter_6_for_guest_2_is_in_use_by_guest_3_and_both_mdevs_stay_as_they_were(KernelKind kind)
    {
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var g2 = k.MatrixOf(Guest2);
        var g3 = k.MatrixOf(Guest3);
        var failure = RunRefused(k, fs, Guest2, g2.WithAdapters(g2.Adapters.With(6)), MatrixFindingCode.ApqnInOtherMdev, Errno.EADDRINUSE);
        Assert.Equal(g2, k.MatrixOf(Guest2));
        Assert.Equal(g3, k.MatrixOf(Guest3));
        Assert.Equal(RefusalCode.ApqnInUse, failure.Code);
        Assert.Equal("VfioAp.ApqnInUse", failure.ErrorId);
        Assert.Equal(FailureCategory.ResourceBusy, failure.Category);
        Assert.Contains("06.0047, 06.00ff held by mdev " + Guest3.ToString("D"), failure.Message);
        Assert.Contains(Guest3.ToString("D"), failure.RecommendedAction);
        Assert.Contains(kind == KernelKind.Current ? "ap_config" : "assign_adapter", failure.Path);
        // The kernel said the same in its log.
        Assert.Contains(k.KernelLog, l => l.Contains("Userspace may not re-assign queue 06.0047 already assigned to " + Guest3.ToString("D")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_adapter_above_the_hosts_maximum_is_refused_with_enodev(KernelKind kind)
    {
        var k = Sim.Host(new[] { 4, 5 }, new[] { 4 }, new[] { 4, 5 }, new[] { 4 }, maxAdapterId: 15, maxDomainId: 15, features: PlanCase.FeaturesOf(kind));
        var a = k.CreateMdev("f0000000-0000-4000-8000-000000000001");
        var b = k.CreateMdev("f0000000-0000-4000-8000-000000000002");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_adapter"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_adapter"), "5"));
        using var fs = new SimulatedSysfs(k, "small-host");
        var failure = RunRefused(k, fs, a, k.MatrixOf(a).WithAdapters(ApMask.Of(4, 0x10)), MatrixFindingCode.AdapterAboveMaximum, Errno.ENODEV);
        Assert.Equal(RefusalCode.IdAboveMaximum, failure.Code);
        Assert.Equal(FailureCategory.InvalidArgument, failure.Category);
        Assert.Contains(kind == KernelKind.Current ? "adapters 0x10 > 15" : "adapter 0x10 is above the host's maximum adapter id 15 (ap_max_adapter_id)", failure.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_queue_owned_by_the_default_drivers_is_refused_with_eaddrnotavail(KernelKind kind)
    {
        // Adapter 6 stays with the host (apmask set), and so does domain 4 (aqmask set): 06.0004 is cex4queue's.
        var k = Sim.Host(new[] { 5, 6 }, new[] { 4, 5 }, new[] { 5 }, new[] { 5 }, features: PlanCase.FeaturesOf(kind));
        var a = k.CreateMdev("f1000000-0000-4000-8000-000000000001");
        var b = k.CreateMdev("f1000000-0000-4000-8000-000000000002");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(a, "assign_domain"), "4"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(b, "assign_domain"), "5"));
        Assert.Equal("cex4queue", k.DriverOf(Apqn.Parse("06.0004")));
        using var fs = new SimulatedSysfs(k, "host-owned");
        var failure = RunRefused(k, fs, a, k.MatrixOf(a).WithAdapters(ApMask.Of(5, 6)), MatrixFindingCode.ApqnOwnedByHost, Errno.EADDRNOTAVAIL);
        Assert.Equal(RefusalCode.ApqnOwnedByHost, failure.Code);
        Assert.Contains("(06.0004)", failure.Message);
        Assert.Contains("Set-ApBusMask", failure.RecommendedAction);
        var finding = MatrixValidator.Validate(HostReader.Read(fs), a, k.MatrixOf(a).WithAdapters(ApMask.Of(5, 6))).Single(f => f.Severity == FindingSeverity.Error);
        Assert.Equal("Give them to vfio_ap first: Set-ApBusMask -Adapter 0x06 -Owner VfioAp (or -Domain 0x0004 -Owner VfioAp).", finding.RecommendedAction);
    }

    [Theory]
    [InlineData(KernelKind.Current, "ap_config", Errno.EADDRINUSE)]
    [InlineData(KernelKind.Legacy, "assign_adapter 0x6", Errno.EADDRINUSE)]
    public void The_write_the_kernel_would_refuse_is_named_before_writing(KernelKind kind, string expected, Errno errno)
    {
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var g2 = host.FindMdev(Guest2)!;
        var plan = MatrixPlanner.Plan(Guest2, g2.Matrix, g2.Matrix.WithAdapters(ApMask.Of(5, 6)), g2.HasApConfig);
        var (write, e) = PlanReplay.FirstRefusedWrite(host, Guest2, plan)!.Value;
        Assert.Equal(expected, SysfsLayout.LastSegment(write.Path) + (kind == KernelKind.Current ? "" : " " + write.Value));
        Assert.Equal(errno, e);
        // And it is the write the kernel does refuse, with that errno.
        var outcome = PlanRunner.Apply(new SimulatedSysfs(k), plan);
        Assert.Same(write, outcome.FailedWrite);
        Assert.Equal(errno, outcome.Error);
    }

    [Fact]
    public void On_the_unassign_assign_path_the_first_refused_write_is_found_among_many()
    {
        // Legacy seed-like host: replace adapters 04,05 by 05,10 (above a 15-adapter maximum) and domains by 04, 09:
        // unassign 04, unassign 0022, unassign 0035, assign 10 (ENODEV).
        var k = Sim.Host(new[] { 4, 5 }, new[] { 4, 9, 0x0e }, new[] { 4, 5 }, new[] { 4, 9, 0x0e }, maxAdapterId: 15, maxDomainId: 15, features: KernelFeatures.Legacy);
        var m = k.CreateMdev("f2000000-0000-4000-8000-000000000001");
        foreach (var (a, v) in new[] { ("assign_adapter", "4"), ("assign_adapter", "5"), ("assign_domain", "4"), ("assign_domain", "0xe") })
            Assert.Equal(Errno.None, k.Echo(Sim.Mdev(m, a), v));
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var plan = MatrixPlanner.Plan(m, k.MatrixOf(m), new ApMatrix(ApMask.Of(5, 0x10), ApMask.Of(4, 9), ApMask.Empty), false);
        var (write, e) = PlanReplay.FirstRefusedWrite(host, m, plan)!.Value;
        Assert.Equal(("assign_adapter", "0x10", Errno.ENODEV), (SysfsLayout.LastSegment(write.Path), write.Value, e));
        var outcome = PlanRunner.Apply(new SimulatedSysfs(k), plan);
        Assert.Same(write, outcome.FailedWrite);
        Assert.Null(PlanReplay.FirstRefusedWrite(host, m, MatrixPlanner.Plan(m, k.MatrixOf(m), new ApMatrix(ApMask.Of(5), ApMask.Of(4, 9), ApMask.Empty), false)));
    }

    [Fact]
    public void Create_remove_and_instances_are_checked_before_writing()
    {
        var k = ScenarioLibrary.Load("kernel-doc");
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var host = HostReader.Read(fs);
        var exists = Assert.Single(MatrixValidator.ValidateCreate(host, Guest1, ApMatrix.Empty));
        Assert.Equal(RefusalCode.MdevExists, exists.Refusal);
        Assert.Empty(MatrixValidator.ValidateCreate(host, Guid.NewGuid(), ApMatrix.Empty));
        var inUse = Assert.Single(MatrixValidator.ValidateRemove(host, host.FindMdev(Guest1)!));
        Assert.Equal(RefusalCode.MdevInUse, inUse.Refusal);
        Assert.Contains("'in use'", inUse.Message);
        k.StopGuest(Guest1);
        Assert.Empty(MatrixValidator.ValidateRemove(HostReader.Read(fs), HostReader.Read(fs).FindMdev(Guest1)!));

        var full = new HostSnapshot("full", host.Bus, host.Cards, host.Queues, host.Mdevs, availableInstances: 0, vfioApLoaded: true);
        Assert.Equal(RefusalCode.NoInstancesLeft, Assert.Single(MatrixValidator.ValidateCreate(full, Guid.NewGuid(), ApMatrix.Empty)).Refusal);
        var noVfio = new HostSnapshot("bare", host.Bus, host.Cards, host.Queues, Array.Empty<VfioApMdev>(), availableInstances: null, vfioApLoaded: false);
        Assert.Equal(RefusalCode.VfioApNotLoaded, Assert.Single(MatrixValidator.ValidateCreate(noVfio, Guid.NewGuid(), ApMatrix.Empty)).Refusal);
    }

    [Fact]
    public void Every_errno_of_a_write_maps_to_a_stable_code_and_category()
    {
        Assert.Equal(RefusalCode.ApqnInUse, KernelRefusal.Classify("assign_domain", Errno.EADDRINUSE));
        Assert.Equal(RefusalCode.ApqnOwnedByHost, KernelRefusal.Classify("ap_config", Errno.EADDRNOTAVAIL));
        Assert.Equal(RefusalCode.IdAboveMaximum, KernelRefusal.Classify("unassign_control_domain", Errno.ENODEV));
        Assert.Equal(RefusalCode.ApqnHeldByMdev, KernelRefusal.Classify("aqmask", Errno.EBUSY));
        Assert.Equal(RefusalCode.MdevInUse, KernelRefusal.Classify("remove", Errno.EBUSY));
        Assert.Equal(RefusalCode.MdevExists, KernelRefusal.Classify("create", Errno.EEXIST));
        Assert.Equal(RefusalCode.NoInstancesLeft, KernelRefusal.Classify("create", Errno.EUSERS));
        Assert.Equal(RefusalCode.PermissionDenied, KernelRefusal.Classify("apmask", Errno.EACCES));
        Assert.Equal(RefusalCode.QueueDriverMismatch, KernelRefusal.Classify("bind", Errno.ENODEV));
        Assert.Equal(RefusalCode.QueueNotBound, KernelRefusal.Classify("unbind", Errno.ENODEV));
        Assert.Equal(RefusalCode.InvalidValue, KernelRefusal.Classify("assign_adapter", Errno.ERANGE));
        Assert.Equal(RefusalCode.WriteFailed, KernelRefusal.Classify("assign_adapter", Errno.EIO));
        Assert.Equal(FailureCategory.PermissionDenied, KernelRefusal.CategoryOf(RefusalCode.PermissionDenied));
        Assert.All(Enum.GetValues<RefusalCode>().Where(c => c != RefusalCode.None), c => Assert.NotEqual(FailureCategory.NotSpecified, KernelRefusal.CategoryOf(c)));
    }

    [Fact]
    public void A_write_as_a_user_who_is_not_root_says_so_and_suggests_sudo()
    {
        var k = ScenarioLibrary.Load("seed");
        using var fs = new SimulatedSysfs(k, "seed-host") { AsRoot = false };
        var before = HostReader.Read(fs);
        var m = before.FindMdev(Sim.SeedMdev)!;
        var outcome = PlanRunner.Apply(fs, MatrixPlanner.Plan(m.Uuid, m.Matrix, m.Matrix.WithAdapters(ApMask.Of(4)), true));
        var failure = FailedPlan.Describe(outcome, before);
        Assert.Equal(RefusalCode.PermissionDenied, failure.Code);
        Assert.Contains("EACCES (Permission denied)", failure.Message);
        Assert.Contains("Nothing was changed", failure.Message);
        Assert.Contains("-UseSudo", failure.RecommendedAction);
    }
}

/// <summary>Two sessions on one simulated host race to give the same APQN to different mdevs.</summary>
public class MatrixRaceTests
{
    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.GuestMatrixOnly)]
    [InlineData(KernelKind.Legacy)]
    [Trait("Category", "Slow")]
    public async Task Exactly_one_session_wins_the_other_gets_eaddrinuse_and_no_mdev_is_half_changed(KernelKind kind)
    {
        // A wants 05,06 x 0004; B wants 06 x 0004,0007. 06.0004 is wanted by both. Without ap_config the plans are
        // three assigns each, so the sessions interleave write by write.
        var k = Sim.Host(new[] { 5, 6 }, new[] { 4, 7 }, new[] { 5, 6 }, new[] { 4, 7 }, features: PlanCase.FeaturesOf(kind));
        var a = k.CreateMdev("a1a1a1a1-0000-4000-8000-000000000001");
        var b = k.CreateMdev("b2b2b2b2-0000-4000-8000-000000000002");
        var wantA = new ApMatrix(ApMask.Of(5, 6), ApMask.Of(4), ApMask.Empty);
        var wantB = new ApMatrix(ApMask.Of(6), ApMask.Of(4, 7), ApMask.Empty);
        using var s1 = new SimulatedSysfs(k, "lpar");
        using var s2 = new SimulatedSysfs(k, "lpar");
        int aWins = 0, bWins = 0;
        for (int round = 0; round < 300; round++)
        {
            var before1 = HostReader.Read(s1);
            var before2 = HostReader.Read(s2);
            var planA = MatrixPlanner.Plan(a, before1.FindMdev(a)!.Matrix, wantA, before1.FindMdev(a)!.HasApConfig);
            var planB = MatrixPlanner.Plan(b, before2.FindMdev(b)!.Matrix, wantB, before2.FindMdev(b)!.HasApConfig);
            Assert.Equal(kind == KernelKind.Current ? 1 : 3, planA.Steps.Count);
            using var start = new Barrier(2);
            var ta = Task.Run(() => { start.SignalAndWait(); return PlanRunner.Apply(s1, planA); });
            var tb = Task.Run(() => { start.SignalAndWait(); return PlanRunner.Apply(s2, planB); });
            var results = await Task.WhenAll(ta, tb);
            Assert.Equal(1, results.Count(r => r.Succeeded));
            var loser = results.Single(r => !r.Succeeded);
            Assert.Equal(Errno.EADDRINUSE, loser.Error);
            Assert.True(loser.RolledBack);
            bool aWon = results[0].Succeeded;
            if (aWon) aWins++; else bWins++;
            // The winner has all of its goal, the loser all of its start (nothing), at once.
            Assert.Equal(aWon ? wantA : ApMatrix.Empty, k.MatrixOf(a));
            Assert.Equal(aWon ? ApMatrix.Empty : wantB, k.MatrixOf(b));
            var failure = FailedPlan.Describe(loser, aWon ? before2 : before1);
            Assert.Equal(RefusalCode.ApqnInUse, failure.Code);
            Assert.Contains("06.0004 held by mdev " + (aWon ? a : b).ToString("D"), failure.Message);

            // Back to the start for the next round.
            Assert.True(PlanRunner.Apply(s1, MatrixPlanner.Plan(a, k.MatrixOf(a), ApMatrix.Empty, kind == KernelKind.Current)).Succeeded);
            Assert.True(PlanRunner.Apply(s2, MatrixPlanner.Plan(b, k.MatrixOf(b), ApMatrix.Empty, kind == KernelKind.Current)).Succeeded);
        }
        Assert.Equal(300, aWins + bWins);
    }
}

/// <summary>What the guest would newly lose, in a few sentences however big the change.</summary>
public class MatrixGuestLossTests
{
    [Fact]
    public void New_losses_are_grouped_by_kind_and_old_ones_are_not_repeated()
    {
        var k = ScenarioLibrary.Load("seed");
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var current = k.MatrixOf(Sim.SeedMdev);
        var desired = new ApMatrix(current.Adapters | ApMask.Range(6, 0x3f), current.Domains, ApMask.Of(0x47, 0x48));
        var lines = MatrixValidator.NewGuestLosses(host, current, desired);
        Assert.Equal(new[]
        {
            "Adapters 0x06-0x3f are not in the host's AP configuration (ap_adapter_mask), so the guest cannot get them until the machine configures them.",
            "Control domains 0x47-0x48 are not in the host's AP configuration (ap_control_domain_mask), so the guest cannot get them until the machine configures them.",
        }, lines);
        // Adapter 05, already dropped for 05.0035, is not news; a new domain whose queue 04.0010 is missing drops 04.
        Assert.Empty(MatrixValidator.NewGuestLosses(host, current, current));
        k.SetHostConfig(new HostApConfig(ApMask.Of(4, 5), ApMask.Of(4, 0x10, 0x22, 0x35), ApMask.Of(4, 0x22, 0x35)));
        k.SetQueueExists(Apqn.Parse("04.0010"), false);
        host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var line = Assert.Single(MatrixValidator.NewGuestLosses(host, current, current.WithDomains(current.Domains.With(0x10))));
        Assert.StartsWith("Adapter 04 is dropped from the guest", line);
        Assert.Contains("04.0010", line);
    }
}
