using System;
using System.Linq;
using CsCheck;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>apmask/aqmask plans: relative writes, the kernel's EBUSY rule found first and named, nothing changed on refusal.</summary>
public class BusMaskPlannerTests
{
    [Fact]
    public void Giving_adapter_6_and_domains_4_and_0x47_back_to_the_host_is_refused_naming_both_mdevs_and_nothing_changes()
    {
        // kernel-doc: guest 1 holds 05,06 x 0004,00ab; guest 3 holds 06 x 0047,00ff. apmask alone may take adapter 6
        // (its queues stay vfio_ap's while aqmask lacks their domains); aqmask then would make 06.0004 and 06.0047 the host's.
        var k = ScenarioLibrary.Load("kernel-doc");
        using var fs = new SimulatedSysfs(k, "kdoc-host");
        var before = HostReader.Read(fs);
        var text = KernelText.Dump(k);
        var plan = BusMaskPlanner.Plan(before, ApMask.Of(6), ApMask.Of(4, 0x47), ApOwner.Host, out var refusals);
        Assert.Equal(new[] { "apmask +0x6", "aqmask +0x4,+0x47" }, plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + " " + w.Value));
        Assert.Equal(2, refusals.Count);
        var g1 = refusals.Single(r => r.OtherMdev == Sim.Guest1);
        var g3 = refusals.Single(r => r.OtherMdev == Sim.Guest3);
        Assert.Equal(RefusalCode.ApqnHeldByMdev, g1.Refusal);
        Assert.Equal(Errno.EBUSY, g1.KernelErrno);
        Assert.Equal(new[] { "06.0004" }, g1.Apqns.Select(q => q.ToString()));
        Assert.Equal(new[] { "06.0047" }, g3.Apqns.Select(q => q.ToString()));
        Assert.Contains("Writing aqmask would give APQN 06.0047 back to the host's default drivers, but mdev " + Sim.Guest3.ToString("D") + " still holds it; the kernel refuses with EBUSY", g3.Message);
        Assert.Contains("Set-VfioApMatrix -Mdev " + Sim.Guest3.ToString("D") + " -Remove -Adapter 0x06 or -Domain 0x0047", g3.RecommendedAction);
        BusMaskPlanner.Plan(before, ApMask.Of(6), ApMask.Empty, ApOwner.Host, out var alone);
        Assert.Empty(alone);

        // Run anyway: apmask is taken, aqmask refused, apmask rolled back; nothing changes.
        var outcome = PlanRunner.Apply(fs, plan);
        Assert.Equal(Errno.EBUSY, outcome.Error);
        Assert.Equal(1, outcome.Run.FailedStep);
        Assert.True(outcome.RolledBack);
        KernelText.AssertSame(text, KernelText.Dump(k), "after the refused aqmask write");
        Assert.Contains(k.KernelLog, l => l.Contains("Userspace may not re-assign queue 06.0047"));
        var failure = FailedPlan.Describe(outcome, before);
        Assert.Equal(RefusalCode.ApqnHeldByMdev, failure.Code);
        Assert.Equal(FailureCategory.ResourceBusy, failure.Category);
        Assert.Equal("/sys/bus/ap/aqmask", failure.Path);
        Assert.Contains("mdev " + Sim.Guest1.ToString("D") + " holds 06.0004", failure.Message);
        Assert.Contains("mdev " + Sim.Guest3.ToString("D") + " holds 06.0047", failure.Message);
        Assert.Contains("Rolled back: undo: apmask: give adapter 06 to vfio_ap; the host is as it was before.", failure.Message);
    }

    [Fact]
    public void When_both_masks_gain_and_lose_bits_the_losing_bits_go_first_so_only_a_final_conflict_is_refused()
    {
        // The mdev holds 05.0009 (adapter 5 is vfio_ap's; domain 9 is back in aqmask, which is allowed while apmask
        // lacks 5). The goal gives adapter 5 to the host and takes domain 9 from it, so 05.0009 stays vfio_ap's;
        // it also gives domain 0x0b to the host and takes adapter 7 from it.
        static SimulatedKernel Build(out Guid mdev)
        {
            var k = Sim.Host(new[] { 5, 7 }, new[] { 9, 0x0b }, new[] { 5 }, new[] { 9, 0x0b });
            mdev = k.CreateMdev("aaaa0000-0000-4000-8000-000000000009");
            Assert.Equal(Errno.None, k.Echo(Sim.Mdev(mdev, "assign_adapter"), "5"));
            Assert.Equal(Errno.None, k.Echo(Sim.Mdev(mdev, "assign_domain"), "9"));
            Assert.Equal(Errno.None, k.Echo(SysfsLayout.AqMask, "+9"));
            return k;
        }
        var k = Build(out _);
        using var fs = new SimulatedSysfs(k, "order-host");
        var before = HostReader.Read(fs);
        var newApm = before.Bus.ApMask.With(5).Without(7);
        var newAqm = before.Bus.AqMask.Without(9).With(0x0b);

        var plan = BusMaskPlanner.PlanMasks(before, newApm, newAqm, out var refusals);
        Assert.Empty(refusals);
        Assert.Equal(new[] { "aqmask -0x9", "apmask -0x7,+0x5", "aqmask +0xb" },
                     plan.Writes.Select(w => SysfsLayout.LastSegment(w.Path) + " " + w.Value));
        // Writing apmask first would check adapter 5 against today's aqmask, which has 9: 05.0009 is the mdev's.
        var probe = Build(out _);
        Assert.Equal(Errno.EBUSY, probe.Echo(SysfsLayout.ApMask, "-0x7,+0x5"));

        var outcome = PlanRunner.Apply(fs, plan);
        Assert.True(outcome.Succeeded, outcome.Succeeded ? "" : FailedPlan.Describe(outcome, before).Message);
        Assert.Equal(newApm, k.ApMask);
        Assert.Equal(newAqm, k.AqMask);
        Assert.Equal("vfio_ap", k.DriverOf(Apqn.Parse("05.0009")));
        Assert.True(BusMaskPlanner.PlanMasks(outcome.After!, newApm, newAqm, out _).IsEmpty);
    }

    [Fact]
    public void Relative_writes_name_runs_of_bits_and_the_kernel_reads_them_back_as_meant()
    {
        var set = ApMask.Of(0, 1, 2, 3, 9, 0xff);
        var clear = ApMask.Of(0x47, 0x80, 0x81);
        var text = BusMaskPlanner.Relative(set, clear);
        Assert.Equal("-0x47,-0x80-0x81,+0x0-0x3,+0x9,+0xff", text);
        var start = ApMask.Of(0x47, 0x80, 0x81, 0x90);
        Assert.Equal(ApMask.Of(0, 1, 2, 3, 9, 0x90, 0xff), ApMask.ParseKernel(text, start));
    }

    public sealed record MaskCase(PlanCase Host, int[] Adapters, int[] Domains, bool ToHost, bool Raw, int FaultErrno);

    private static readonly Gen<MaskCase> Cases = Gen.Select(PlanCase.Cases,
        Gen.Int[0, 255].Array[0, 4], Gen.Int[0, 255].Array[0, 4], Gen.Bool, Gen.Bool, Gen.Int[0, 2],
        (h, a, d, toHost, raw, f) => new MaskCase(h, a.Select(i => PlanCase.AdapterPool[i % PlanCase.AdapterPool.Length]).ToArray(),
                                                 d.Select(i => PlanCase.DomainPool[i % PlanCase.DomainPool.Length]).ToArray(), toHost, raw, f));

    private static WritePlan PlanFor(MaskCase c, HostSnapshot host, out System.Collections.Generic.IReadOnlyList<MatrixFinding> refusals, out ApMask apm, out ApMask aqm)
    {
        if (c.Raw)
        {
            // Raw masks: the first half of the ids flip in apmask, the domains flip in aqmask (both directions at once).
            apm = host.Bus.ApMask;
            aqm = host.Bus.AqMask;
            foreach (var a in c.Adapters) apm = apm.Contains(a) ? apm.Without(a) : apm.With(a);
            foreach (var d in c.Domains) aqm = aqm.Contains(d) ? aqm.Without(d) : aqm.With(d);
            return BusMaskPlanner.PlanMasks(host, apm, aqm, out refusals);
        }
        var plan = BusMaskPlanner.Plan(host, ApMask.Of(c.Adapters), ApMask.Of(c.Domains), c.ToHost ? ApOwner.Host : ApOwner.VfioAp, out refusals);
        apm = c.ToHost ? host.Bus.ApMask | ApMask.Of(c.Adapters) : host.Bus.ApMask.Except(ApMask.Of(c.Adapters));
        aqm = c.ToHost ? host.Bus.AqMask | ApMask.Of(c.Domains) : host.Bus.AqMask.Except(ApMask.Of(c.Domains));
        return plan;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_mask_change_is_refused_exactly_when_the_final_masks_take_an_apqn_an_mdev_holds()
    {
        int refused = 0, multi = 0;
        Cases.Sample(c =>
        {
            var k = c.Host.Build();
            using var fs = new SimulatedSysfs(k, "mask-host");
            var before = HostReader.Read(fs);
            var text = KernelText.Dump(k);
            var matrices = k.Mdevs.ToDictionary(m => m, k.MatrixOf);
            var plan = PlanFor(c, before, out var refusals, out var apm, out var aqm);
            if (plan.Steps.Count > 1) multi++;
            bool conflict = before.Mdevs.Any(m => !(m.Adapters & apm).IsEmpty && !(m.Domains & aqm).IsEmpty);
            Assert.Equal(conflict, refusals.Count > 0);

            var outcome = PlanRunner.Apply(fs, plan);
            Assert.Equal(!conflict, outcome.Succeeded);
            foreach (var (m, matrix) in matrices) Assert.Equal(matrix, k.MatrixOf(m));
            if (conflict)
            {
                refused++;
                Assert.Equal(Errno.EBUSY, outcome.Error);
                Assert.True(outcome.RolledBack);
                KernelText.AssertSame(text, KernelText.Dump(k), $"refused ({c})");
                var failure = FailedPlan.Describe(outcome, before);
                Assert.Equal(RefusalCode.ApqnHeldByMdev, failure.Code);
                Assert.Contains(refusals, r => failure.Message.Contains("mdev " + r.OtherMdev!.Value.ToString("D") + " holds"));
                return;
            }
            Assert.Equal(apm, k.ApMask);
            Assert.Equal(aqm, k.AqMask);
            Assert.True(BusMaskPlanner.PlanMasks(HostReader.Read(fs), apm, aqm, out _).IsEmpty);
            // Each queue went to the driver the new masks give it to (an unbound queue stays unbound).
            foreach (var q in HostReader.Read(fs).Queues.Where(q => q.Driver != null))
                Assert.Equal(apm.Contains(q.Adapter) && aqm.Contains(q.Domain) ? "cex4queue" : "vfio_ap", q.Driver);

            // The same plan with a fault at each step: back to the exact start.
            for (int step = 0; step < plan.Steps.Count; step++)
            {
                var k2 = c.Host.Build();
                var start = KernelText.Dump(k2);
                using var fs2 = new SimulatedSysfs(k2, "mask-host");
                fs2.FailNextPlanAt(step, new[] { Errno.EIO, Errno.EBUSY, Errno.EINVAL }[c.FaultErrno]);
                var failed = PlanRunner.Apply(fs2, plan);
                Assert.True(failed.RolledBack, string.Join("; ", failed.Rollback) + failed.RestoreProblem);
                KernelText.AssertSame(start, KernelText.Dump(k2), $"fault at step {step} ({c})");
            }
        }, iter: 300);
        Assert.True(refused > 20, $"only {refused} refusals");
        Assert.True(multi > 20, $"only {multi} multi-step plans");
    }
}
