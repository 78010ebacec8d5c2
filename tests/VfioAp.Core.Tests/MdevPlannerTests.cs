using System;
using System.Linq;
using CsCheck;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Creating an mdev with its first matrix (all or nothing) and removing one (undone by re-creating it).</summary>
public class MdevPlannerTests
{
    private static readonly Guid New = Guid.Parse("12345678-aaaa-4bbb-8ccc-0123456789ab");

    [Theory]
    [InlineData(KernelKind.Current, true)]
    [InlineData(KernelKind.Current, false)]
    [InlineData(KernelKind.GuestMatrixOnly, false)]
    [InlineData(KernelKind.Legacy, false)]
    public void Create_with_a_first_matrix_is_one_plan_and_the_matrix_is_there_after_one_round_trip(KernelKind kind, bool apConfigKnown)
    {
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        // Guest 3 lets go of its APQNs, so 06 x 0047,00ff is free for the new mdev.
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(Sim.Guest3, "unassign_adapter"), "6"));
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var before = HostReader.Read(fs);
        Assert.Equal(kind == KernelKind.Current, before.Mdevs.Any(m => m.HasApConfig));
        var initial = new ApMatrix(ApMask.Of(6), ApMask.Of(0x47, 0xff), ApMask.Of(0x47));
        Assert.DoesNotContain(MatrixValidator.ValidateCreate(before, New, initial), f => f.Severity == FindingSeverity.Error);
        var plan = MdevPlanner.PlanCreate(New, initial, hasApConfig: apConfigKnown);
        Assert.Equal(apConfigKnown ? new[] { "create", "ap_config" } : new[] { "create", "assign_adapter", "assign_domain", "assign_domain", "assign_control_domain" },
                     plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path)));
        Assert.Equal(New.ToString("D"), plan.Writes[0].Value);
        int trips = fs.RoundTrips;
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded, outcome.Succeeded ? "" : FailedPlan.Describe(outcome, before).Message);
        Assert.Equal(1, fs.RoundTrips - trips);
        Assert.Equal(initial, k.MatrixOf(New));
        Assert.Equal(before.AvailableInstances - 1, outcome.After!.AvailableInstances);
        Assert.Equal(SimulatedKernel.MaxInstances - 4, outcome.After!.AvailableInstances);
        if (kind != KernelKind.Legacy) Assert.Equal("06.0047\n06.00ff\n", k.GuestMatrix(New));
        Assert.Equal(RefusalCode.MdevExists, MatrixValidator.ValidateCreate(outcome.After, New, ApMatrix.Empty).Single().Refusal);
    }

    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.Legacy)]
    public void Create_with_a_matrix_the_kernel_refuses_leaves_no_mdev_behind(KernelKind kind)
    {
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var initial = new ApMatrix(ApMask.Of(6), ApMask.Of(0x47), ApMask.Empty); // 06.0047 is guest 3's
        var finding = MatrixValidator.ValidateCreate(before, New, initial).Single(f => f.Severity == FindingSeverity.Error);
        Assert.Equal(RefusalCode.ApqnInUse, finding.Refusal);
        var outcome = PlanRunner.Apply(fs, MdevPlanner.PlanCreate(New, initial, before.Mdevs.Any(m => m.HasApConfig)));
        Assert.Equal(Errno.EADDRINUSE, outcome.Error);
        Assert.True(outcome.RolledBack);
        Assert.Equal("remove", SysfsLayout.LastSegment(outcome.Rollback.Last().Step.Target));
        KernelText.AssertSame(text, KernelText.Dump(k), "after the refused create");
        var failure = FailedPlan.Describe(outcome, before);
        Assert.Contains("06.0047 held by mdev " + Sim.Guest3.ToString("D"), failure.Message);
        Assert.Contains("undo: remove mdev " + New.ToString("D"), failure.Message);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_fault_at_any_step_of_a_create_plan_leaves_the_host_exactly_as_it_was()
    {
        Gen.Select(PlanCase.Cases, Gen.Bool).Sample((c, apConfig) =>
        {
            var probe = c.Build();
            // A matrix the kernel accepts for a new mdev: valid beside the other mdevs, and clear of the case's own mdev too.
            var valid = c.ValidDesired(probe);
            var own = probe.MatrixOf(PlanCase.Mdev);
            var initial = valid.Domains.Overlaps(own.Domains) ? valid.WithAdapters(valid.Adapters.Except(own.Adapters)) : valid;
            var plan = MdevPlanner.PlanCreate(New, initial, apConfig && c.Kernel == KernelKind.Current);
            for (int step = 0; step < plan.Steps.Count; step++)
            {
                var k = c.Build();
                var text = KernelText.Dump(k);
                using var fs = new SimulatedSysfs(k, "create-host");
                fs.FailNextPlanAt(step, Errno.EIO);
                var outcome = PlanRunner.Apply(fs, plan);
                Assert.True(outcome.RolledBack, string.Join("; ", outcome.Rollback) + outcome.RestoreProblem);
                Assert.Equal(step == 0 ? 0 : 1, outcome.Rollback.Count); // one remove undoes create and every assign
                KernelText.AssertSame(text, KernelText.Dump(k), $"fault at step {step} of create ({c})");
            }
        }, iter: 100);
    }

    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.Legacy)]
    public void Remove_takes_one_write_and_a_guest_using_the_mdev_stops_it(KernelKind kind)
    {
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var g1 = before.FindMdev(Sim.Guest1)!;
        Assert.True(g1.InUse);
        Assert.Equal(RefusalCode.MdevInUse, MatrixValidator.ValidateRemove(before, g1).Single().Refusal);
        var refused = PlanRunner.Apply(fs, MdevPlanner.PlanRemove(g1));
        Assert.Equal(Errno.EBUSY, refused.Error);
        KernelText.AssertSame(text, KernelText.Dump(k), "after the refused remove");
        var failure = FailedPlan.Describe(refused, before);
        Assert.Equal(RefusalCode.MdevInUse, failure.Code);
        Assert.Contains("a KVM guest is using the mdev", failure.Message);

        k.StopGuest(Sim.Guest1);
        var plan = MdevPlanner.PlanRemove(HostReader.Read(fs).FindMdev(Sim.Guest1)!);
        var write = Assert.Single(plan.Writes);
        Assert.Equal((SysfsLayout.MdevAttribute(Sim.Guest1, "remove"), "1"), (write.Path, write.Value));
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded);
        Assert.DoesNotContain(Sim.Guest1, k.Mdevs);
        Assert.Equal(before.AvailableInstances + 1, outcome.After!.AvailableInstances);
    }

    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.GuestMatrixOnly)]
    [InlineData(KernelKind.Legacy)]
    public void A_removal_rolled_back_re_creates_the_mdev_with_its_uuid_and_matrix(KernelKind kind)
    {
        // Two removals as one plan; the second fails, so the first is undone by re-creating its mdev.
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        k.StopGuest(Sim.Guest2);
        k.StopGuest(Sim.Guest3);
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var plan = WritePlan.Concat("remove guest 2 and 3", MdevPlanner.PlanRemove(before.FindMdev(Sim.Guest2)!), MdevPlanner.PlanRemove(before.FindMdev(Sim.Guest3)!));
        Assert.Equal(kind == KernelKind.Current ? new[] { "create", "ap_config" } : new[] { "create", "assign_adapter", "assign_domain", "assign_domain", "assign_control_domain", "assign_control_domain" },
                     plan.Steps[0].Undo.Select(w => SysfsLayout.LastSegment(w.Target)));
        fs.FailNextPlanAt(1, Errno.EIO);
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.RolledBack, string.Join("; ", outcome.Rollback) + outcome.RestoreProblem);
        KernelText.AssertSame(text, KernelText.Dump(k), "after re-creating guest 2's mdev");
    }
}
