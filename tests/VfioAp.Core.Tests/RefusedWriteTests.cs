using System;
using System.Linq;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// Which write of a plan a refusal found before writing stands for: the one the kernel would refuse for it, so the
/// error names the attribute and value as the kernel's own refusal would. Each case runs the plan anyway on the
/// simulated kernel and checks that it is that write the kernel refuses.
/// </summary>
public class RefusedWriteTests
{
    [Theory]
    [InlineData(KernelKind.Current, "ap_config")]
    [InlineData(KernelKind.Legacy, "assign_adapter")]
    public void A_matrix_refusal_names_the_first_write_the_kernel_refuses_with_its_errno(KernelKind kind, string attribute)
    {
        // kernel-doc: adapter 06 with guest 2's domains clashes with guest 1 (EADDRINUSE).
        var k = MatrixPlannerTests.Load("kernel-doc", kind);
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var g2 = host.FindMdev(Sim.Guest2)!;
        var desired = g2.Matrix.WithAdapters(ApMask.Of(5, 6));
        var plan = MatrixPlanner.Plan(Sim.Guest2, g2.Matrix, desired, g2.HasApConfig);
        var errors = MatrixValidator.Validate(host, Sim.Guest2, desired).Where(f => f.Severity == FindingSeverity.Error).ToList();

        var (finding, write) = Assert.Single(RefusedWrite.For(errors, host, Sim.Guest2, plan));
        Assert.Equal(Errno.EADDRINUSE, finding.KernelErrno);
        Assert.NotNull(write);
        Assert.Equal(attribute, SysfsLayout.LastSegment(write!.Path));

        var outcome = PlanRunner.Apply(new SimulatedSysfs(k), plan);
        Assert.Same(write, outcome.FailedWrite);
        Assert.Equal(Errno.EADDRINUSE, outcome.Error);
    }

    [Fact]
    public void An_existing_uuid_names_the_create_write()
    {
        var k = MatrixPlannerTests.Load("kernel-doc", KernelKind.Current);
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var plan = MdevPlanner.PlanCreate(Sim.Guest1, ApMatrix.Empty, hasApConfig: true);
        var errors = MatrixValidator.ValidateCreate(host, Sim.Guest1, ApMatrix.Empty).Where(f => f.Severity == FindingSeverity.Error).ToList();

        var (finding, write) = Assert.Single(RefusedWrite.For(errors, host, Sim.Guest1, plan));
        Assert.Equal(MatrixFindingCode.MdevExists, finding.Code);
        Assert.Equal(SysfsLayout.MdevCreate, write!.Path);
        Assert.Equal(Sim.Guest1.ToString(), write.Value.TrimEnd('\n'));

        var outcome = PlanRunner.Apply(new SimulatedSysfs(k), plan);
        Assert.Same(write, outcome.FailedWrite);
        Assert.Equal(Errno.EEXIST, outcome.Error);
    }

    [Fact]
    public void A_bus_mask_refusal_names_the_mask_write_it_is_about()
    {
        // kernel-doc: aqmask +0x4,+0x47 would give 06.0004 (guest 1) and 06.0047 (guest 3) back to the host: EBUSY on aqmask.
        var k = ScenarioLibrary.Load("kernel-doc");
        var host = HostReader.Read(new SimulatedSysfs(k));
        var plan = BusMaskPlanner.Plan(host, ApMask.Of(6), ApMask.Of(4, 0x47), ApOwner.Host, out var refusals);

        var mapped = RefusedWrite.For(refusals, host, null, plan);
        Assert.Equal(2, mapped.Count);
        Assert.All(mapped, m => Assert.Equal("aqmask +0x4,+0x47", SysfsLayout.LastSegment(m.Write!.Path) + " " + m.Write.Value));

        var outcome = PlanRunner.Apply(new SimulatedSysfs(k), plan);
        Assert.Same(mapped[0].Write, outcome.FailedWrite);
        Assert.Equal(Errno.EBUSY, outcome.Error);
    }

    [Fact]
    public void A_finding_no_write_of_the_plan_stands_for_names_none()
    {
        // Guest 2's matrix with adapter 06 refused, but judged against a plan for another mdev: no write of it is refused.
        var k = MatrixPlannerTests.Load("kernel-doc", KernelKind.Current);
        var host = HostReader.Read(new SimulatedSysfs(k), MatrixPlanner.VerifyParts);
        var g2 = host.FindMdev(Sim.Guest2)!;
        var errors = MatrixValidator.Validate(host, Sim.Guest2, g2.Matrix.WithAdapters(ApMask.Of(5, 6))).Where(f => f.Severity == FindingSeverity.Error).ToList();
        var unrelated = MdevPlanner.PlanRemove(host.FindMdev(Sim.Guest3)!);

        var (_, write) = Assert.Single(RefusedWrite.For(errors, host, Sim.Guest2, unrelated));
        Assert.Null(write);
    }
}
