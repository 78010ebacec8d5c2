using System;
using System.Linq;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>MatrixPlanner on worked examples: the writes it emits, their order and why, and the kernel's shadow APCB after them.</summary>
public class MatrixPlannerTests
{
    /// <summary>A built-in scenario on another kind of kernel (the scenario format's "kernel" entry).</summary>
    internal static SimulatedKernel Load(string scenario, KernelKind kind)
    {
        var doc = JObject.Parse(ScenarioLibrary.BuiltInJson(scenario)!);
        doc["kernel"] = new JObject { ["apConfig"] = kind == KernelKind.Current, ["guestMatrix"] = kind != KernelKind.Legacy };
        return ScenarioLibrary.FromJson(doc.ToString(), scenario);
    }

    private static readonly Guid M = Guid.Parse("dddddddd-0000-4000-8000-000000000001");

    [Fact]
    public void Ids_are_written_as_0x_hex_never_zero_padded_and_unassigns_come_first()
    {
        var current = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(0x35), ApMask.Of(0x35));
        var desired = new ApMatrix(ApMask.Of(5, 0x0a), ApMask.Of(8, 0x35), ApMask.Of(8));
        var plan = MatrixPlanner.Plan(M, current, desired, hasApConfig: false);
        Assert.Equal(new[]
        {
            "unassign_adapter 0x4", "unassign_control_domain 0x35",
            "assign_adapter 0xa", "assign_domain 0x8", "assign_control_domain 0x8",
        }, plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + " " + w.Value));
        Assert.All(plan.Steps, s => Assert.Equal(SysfsLayout.LastSegment(s.Target).StartsWith("un") ? "assign" : "unassign",
                                                  SysfsLayout.LastSegment(s.Undo.Single().Target).Split('_')[0]));
        Assert.Equal(new[] { "unassign_adapter", "unassign_control_domain", "assign_adapter", "assign_domain", "assign_control_domain" }.Reverse(),
                     plan.RollbackOf(5).Select(w => SysfsLayout.LastSegment(w.Target)).Select(a => a.StartsWith("un") ? a.Substring(2) : "un" + a));
        Assert.Equal("unassign domain 0008", plan.RollbackOf(5)[1].Description.Replace("undo: ", ""));
    }

    [Fact]
    public void With_ap_config_the_plan_is_one_write_of_the_whole_matrix_undone_by_the_old_one()
    {
        var current = new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty);
        var desired = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4, 0x22), ApMask.Of(4));
        var plan = MatrixPlanner.Plan(M, current, desired, hasApConfig: true);
        var step = Assert.Single(plan.Steps);
        Assert.Equal(SysfsLayout.MdevAttribute(M, "ap_config"), step.Target);
        Assert.Equal(SysfsFormat.FormatApConfig(desired).TrimEnd('\n'), step.Value);
        Assert.Equal(SysfsFormat.FormatApConfig(current).TrimEnd('\n'), Assert.Single(step.Undo).Value);
        Assert.Equal(200, step.Value!.Length); // 3 × (0x + 64 digits) + 2 commas: the kernel reads up to 201 with the newline
        Assert.True(MatrixPlanner.Plan(M, desired, desired, true).IsEmpty);
        Assert.Contains("nothing to write", MatrixPlanner.Plan(M, desired, desired, false).Summary);
    }

    [Fact]
    public void Add_remove_and_replace_apply_to_the_current_matrix()
    {
        var current = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4), ApMask.Of(4));
        Assert.Equal(new ApMatrix(ApMask.Of(4, 5, 6), ApMask.Of(4), ApMask.Of(4)), MatrixPlanner.Desired(current, MatrixChange.Add, ApMask.Of(6), null, null));
        Assert.Equal(new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty), MatrixPlanner.Desired(current, MatrixChange.Remove, ApMask.Of(5, 9), null, ApMask.Of(4)));
        Assert.Equal(new ApMatrix(ApMask.Of(7), ApMask.Of(4), ApMask.Of(4)), MatrixPlanner.Desired(current, MatrixChange.Replace, ApMask.Of(7), null, null));
        Assert.Equal(new ApMatrix(ApMask.Of(4, 5), ApMask.Empty, ApMask.Of(4)), MatrixPlanner.Desired(current, MatrixChange.Replace, null, ApMask.Empty, null));
    }

    [Theory]
    [InlineData(KernelKind.GuestMatrixOnly)]
    [InlineData(KernelKind.Legacy)]
    public void Unassigning_first_reaches_a_goal_that_assigning_first_would_be_refused_on_the_way_to(KernelKind kind)
    {
        // Mdev X has 05 x 0047 and Y holds 06 x 0047; X's goal is 05,06 x 00ab, which nobody else holds.
        var k = Sim.Host(new[] { 5, 6 }, new[] { 0x47, 0xab }, new[] { 5, 6 }, new[] { 0x47, 0xab }, features: PlanCase.FeaturesOf(kind));
        var x = k.CreateMdev("eeeeeeee-0000-4000-8000-000000000001");
        var y = k.CreateMdev("eeeeeeee-0000-4000-8000-000000000002");
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(x, "assign_adapter"), "5"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(x, "assign_domain"), "0x47"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(y, "assign_adapter"), "6"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(y, "assign_domain"), "0x47"));
        var goal = new ApMatrix(ApMask.Of(5, 6), ApMask.Of(0xab), ApMask.Empty);

        // Assigning first passes through 05,06 x 0047: 06.0047 is Y's.
        var probe = Sim.Host(new[] { 5, 6 }, new[] { 0x47, 0xab }, new[] { 5, 6 }, new[] { 0x47, 0xab }, features: k.Features);
        var px = probe.CreateMdev(x.ToString());
        var py = probe.CreateMdev(y.ToString());
        probe.Echo(Sim.Mdev(px, "assign_adapter"), "5"); probe.Echo(Sim.Mdev(px, "assign_domain"), "0x47");
        probe.Echo(Sim.Mdev(py, "assign_adapter"), "6"); probe.Echo(Sim.Mdev(py, "assign_domain"), "0x47");
        Assert.Equal(Errno.EADDRINUSE, probe.Echo(Sim.Mdev(px, "assign_adapter"), "6"));

        using var fs = new SimulatedSysfs(k, "kdoc");
        var before = HostReader.Read(fs);
        Assert.DoesNotContain(MatrixValidator.Validate(before, x, goal), f => f.Severity == FindingSeverity.Error);
        var plan = MatrixPlanner.Plan(x, k.MatrixOf(x), goal, hasApConfig: false);
        Assert.Equal(new[] { "unassign_domain 0x47", "assign_adapter 0x6", "assign_domain 0xab" }, plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + " " + w.Value));
        Assert.True(PlanRunner.Apply(fs, plan).Succeeded);
        Assert.Equal(goal, k.MatrixOf(x));
    }

    [Theory]
    [InlineData(KernelKind.Current)]
    [InlineData(KernelKind.GuestMatrixOnly)]
    [InlineData(KernelKind.Legacy)]
    public void Seed_adapter_6_joins_the_matrix_and_the_prediction_still_matches_the_kernel(KernelKind kind)
    {
        var k = Load("seed", kind);
        using var fs = new SimulatedSysfs(k, "seed-host");
        var before = HostReader.Read(fs);
        var mdev = before.FindMdev(Sim.SeedMdev)!;
        var desired = MatrixPlanner.Desired(mdev.Matrix, MatrixChange.Add, ApMask.Of(6), null, null);
        var findings = MatrixValidator.Validate(before, mdev.Uuid, desired);
        Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
        // Adapter 06 has no card in the host configuration, and 05 stays out for its unbound 05.0035.
        Assert.Contains(findings, f => f.Code == MatrixFindingCode.AdapterNotInHostConfig && f.Adapter == new ApId(6));
        Assert.Contains(findings, f => f.Code == MatrixFindingCode.AdapterDroppedFromGuest && f.Adapter == new ApId(5) && f.Apqns.Contains(Apqn.Parse("05.0035")));

        var plan = MatrixPlanner.Plan(mdev.Uuid, mdev.Matrix, desired, mdev.HasApConfig);
        Assert.Single(plan.Steps);
        Assert.Equal(kind == KernelKind.Current ? "ap_config" : "assign_adapter", SysfsLayout.LastSegment(plan.Writes[0].Path));
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded);
        Assert.Equal(ApMask.Of(4, 5, 6), k.MatrixOf(mdev.Uuid).Adapters.Mask);
        Assert.Null(MatrixPlanner.VerifyGuestMatrix(outcome.After!, mdev.Uuid));
        if (kind != KernelKind.Legacy) Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(mdev.Uuid));
    }

    [Fact]
    public void After_an_unassign_only_plan_the_kernel_keeps_a_dropped_adapter_out_and_a_refilter_brings_it_back()
    {
        // Seed on a 6.0-6.9 kernel (guest_matrix, no ap_config): 05 is out of the guest for 05.0035. Removing domain
        // 0035 makes the filter admit 05 again, but unassign_domain only clears the domain's bit.
        var k = Load("seed", KernelKind.GuestMatrixOnly);
        using var fs = new SimulatedSysfs(k, "seed-host");
        var before = HostReader.Read(fs);
        var mdev = before.FindMdev(Sim.SeedMdev)!;
        var plan = MatrixPlanner.Plan(mdev.Uuid, mdev.Matrix, MatrixPlanner.Desired(mdev.Matrix, MatrixChange.Remove, null, ApMask.Of(0x35), null), false);
        Assert.Equal("unassign_domain 0x35", Assert.Single(plan.Writes).Path.Split('/').Last() + " " + plan.Writes[0].Value);
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded);
        Assert.Equal("04.0004\n04.0022\n", k.GuestMatrix(mdev.Uuid));
        var after = outcome.After!;
        Assert.Equal(ApMask.Of(5), MatrixPlanner.StaleAdapters(after, after.FindMdev(mdev.Uuid)!));
        Assert.NotNull(MatrixPlanner.VerifyGuestMatrix(after, mdev.Uuid));

        var refilter = MatrixPlanner.PlanRefilter(after, after.FindMdev(mdev.Uuid)!);
        Assert.Equal(new[] { "unbind 05.0004", "bind 05.0004" }, refilter.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + " " + w.Value));
        var done = PlanRunner.Apply(fs, refilter);
        Assert.True(done.Succeeded);
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", k.GuestMatrix(mdev.Uuid));
        Assert.True(MatrixPlanner.PlanRefilter(done.After!, done.After!.FindMdev(mdev.Uuid)!).IsEmpty);
    }

    [Theory]
    [InlineData(KernelKind.Current, "ap_config")]
    [InlineData(KernelKind.GuestMatrixOnly, "unassign_domain 0x35|unbind 05.0004|bind 05.0004")]
    public void A_removal_with_refilter_is_planned_before_writing_and_leaves_the_guest_as_the_filter_gives_it(KernelKind kind, string expected)
    {
        var k = Load("seed", kind);
        using var fs = new SimulatedSysfs(k, "seed-host");
        var before = HostReader.Read(fs, MatrixPlanner.VerifyParts);
        var mdev = before.FindMdev(Sim.SeedMdev)!;
        var desired = MatrixPlanner.Desired(mdev.Matrix, MatrixChange.Remove, null, ApMask.Of(0x35), null);
        var plan = MatrixPlanner.PlanChange(before, mdev, desired, refilter: true);
        Assert.Equal(expected, string.Join("|", plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + (w.Path.EndsWith("ap_config") ? "" : " " + w.Value))));
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded);
        Assert.Equal(1, fs.RoundTrips - 1);
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", k.GuestMatrix(mdev.Uuid));
        // Without -Refilter the plan is the removal alone; with nothing stale, -Refilter adds nothing.
        Assert.Single(MatrixPlanner.PlanChange(before, mdev, desired, refilter: false).Steps);
        Assert.True(MatrixPlanner.PlanChange(outcome.After!, outcome.After!.FindMdev(mdev.Uuid)!, desired, refilter: true).IsEmpty);
    }

    [Fact]
    public void With_ap_config_a_removal_is_filtered_at_once_and_a_refilter_rewrites_the_unchanged_matrix()
    {
        var k = Load("seed", KernelKind.Current);
        using var fs = new SimulatedSysfs(k, "seed-host");
        var before = HostReader.Read(fs);
        var mdev = before.FindMdev(Sim.SeedMdev)!;
        var plan = MatrixPlanner.Plan(mdev.Uuid, mdev.Matrix, MatrixPlanner.Desired(mdev.Matrix, MatrixChange.Remove, null, ApMask.Of(0x35), null), true);
        Assert.True(PlanRunner.Apply(fs, plan).Succeeded);
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", k.GuestMatrix(mdev.Uuid));

        // Someone unassigns by hand: the kernel clears the bit only. Re-writing the same ap_config filters again.
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(mdev.Uuid, "assign_domain"), "0x35"));
        Assert.Equal(Errno.None, k.Echo(Sim.Mdev(mdev.Uuid, "unassign_domain"), "0x35"));
        Assert.Equal("04.0004\n04.0022\n", k.GuestMatrix(mdev.Uuid));
        var now = HostReader.Read(fs);
        var refilter = MatrixPlanner.PlanRefilter(now, now.FindMdev(mdev.Uuid)!);
        var write = Assert.Single(refilter.Writes);
        Assert.Equal(SysfsLayout.MdevAttribute(mdev.Uuid, "ap_config"), write.Path);
        Assert.Equal(k.Read(Sim.Mdev(mdev.Uuid, "ap_config")).TrimEnd('\n'), write.Value);
        Assert.True(PlanRunner.Apply(fs, refilter).Succeeded);
        Assert.Equal("04.0004\n04.0022\n05.0004\n05.0022\n", k.GuestMatrix(mdev.Uuid));
    }

    [Fact]
    public void A_plan_that_the_host_reads_back_differently_is_rolled_back_as_a_verification_failure()
    {
        // Someone else changes the mdev between the writes and the read-back: simulated by a plan whose verify
        // expects a matrix the writes do not produce.
        var k = Load("seed", KernelKind.Current);
        using var fs = new SimulatedSysfs(k, "seed-host");
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var mdev = before.FindMdev(Sim.SeedMdev)!;
        var real = MatrixPlanner.Plan(mdev.Uuid, mdev.Matrix, mdev.Matrix.WithAdapters(ApMask.Of(4)), true);
        var lying = new WritePlan(real.Summary, real.Steps, real.VerifyParts, s => MatrixPlanner.VerifyMatrix(s, mdev.Uuid, ApMatrix.Empty), real.VerifyRestored);
        var outcome = PlanRunner.Apply(fs, lying);
        Assert.False(outcome.Succeeded);
        Assert.True(outcome.Run.Succeeded);
        Assert.NotNull(outcome.VerificationProblem);
        Assert.True(outcome.RolledBack);
        KernelText.AssertSame(text, KernelText.Dump(k), "after the verification rollback");
        var failure = FailedPlan.Describe(outcome, before);
        Assert.Equal(RefusalCode.VerificationFailed, failure.Code);
        Assert.Equal(FailureCategory.InvalidResult, failure.Category);
        Assert.Contains("were accepted, but reading back shows", failure.Message);
        Assert.Contains("the host is as it was before", failure.Message);
    }
}
