using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Benchmarks;

/// <summary>
/// Issue 5's closing figure: a 60 × 85 replace on the simulated large-60x85 host, end to end as Set-VfioApMatrix
/// does it (read the host, validate, plan, apply and verify in one round trip), on a kernel with ap_config (one
/// write) and one without (unassign/assign: 460 writes). The host is prepared once: its mdevs removed, adapters
/// 0x00–0x77 given to vfio_ap, and one mdev with 0x00–0x3b × 0x00–0x54 (control domains the same). Each invocation
/// replaces that matrix by 0x3c–0x77 × 0x55–0xa9 or back, so every call changes every id.
/// Run: dotnet run -c Release --project tests/VfioAp.Benchmarks -- --filter '*WritePlan*'
/// </summary>
[MemoryDiagnoser]
public class WritePlanBenchmarks
{
    private static readonly Guid Mdev = Guid.Parse("60856085-0000-4000-8000-000000000060");
    private static readonly ApMatrix A = new(ApMask.Range(0, 59), ApMask.Range(0, 84), ApMask.Range(0, 84));
    private static readonly ApMatrix B = new(ApMask.Range(60, 119), ApMask.Range(85, 169), ApMask.Range(85, 169));

    [Params(true, false)]
    public bool ApConfig;

    private SimulatedKernel _kernel = null!;
    private SimulatedSysfs _sysfs = null!;
    private HostSnapshot _snapshot = null!;

    /// <summary>large-60x85 on the chosen kind of kernel, prepared as the class comment says.</summary>
    public static SimulatedKernel Prepare(bool apConfig)
    {
        var doc = JObject.Parse(ScenarioLibrary.BuiltInJson("large-60x85")!);
        doc["kernel"] = new JObject { ["apConfig"] = apConfig, ["guestMatrix"] = apConfig };
        var k = ScenarioLibrary.FromJson(doc.ToString(), "large-60x85");
        // Preparation, not measured: straight to the kernel as a shell's echo would (it throws on a refusal).
        foreach (var m in k.Mdevs.ToList())
        {
            k.StopGuest(m);
            k.Write(SysfsLayout.MdevAttribute(m, "remove"), "1\n");
        }
        k.Write(SysfsLayout.ApMask, "-0x0-0x77\n");
        using var fs = new SimulatedSysfs(k, "large");
        var create = PlanRunner.Apply(fs, MdevPlanner.PlanCreate(Mdev, A, apConfig));
        if (!create.Succeeded) throw new InvalidOperationException(FailedPlan.Describe(create, null).Message);
        return k;
    }

    [GlobalSetup]
    public void Setup()
    {
        _kernel = Prepare(ApConfig);
        _sysfs = new SimulatedSysfs(_kernel, "large");
        _snapshot = HostReader.Read(_sysfs, MatrixPlanner.VerifyParts);
    }

    [GlobalCleanup]
    public void Cleanup() => _sysfs.Dispose();

    /// <summary>The validator on the 5,100-APQN goal against the host (ownership, other mdevs, the guest's prediction).</summary>
    [Benchmark]
    public int Validate() => MatrixValidator.Validate(_snapshot, Mdev, B).Count;

    /// <summary>Everything Set-VfioApMatrix -Replace does after parameter binding, on the simulated host.</summary>
    [Benchmark]
    public int ReplaceEndToEnd()
    {
        var host = HostReader.Read(_sysfs, MatrixPlanner.VerifyParts);
        var mdev = host.FindMdev(Mdev)!;
        var goal = mdev.Matrix == A ? B : A;
        if (MatrixValidator.Validate(host, Mdev, goal).Any(f => f.Severity == FindingSeverity.Error)) throw new InvalidOperationException("refused");
        var plan = MatrixPlanner.Plan(Mdev, mdev.Matrix, goal, mdev.HasApConfig);
        var outcome = PlanRunner.Apply(_sysfs, plan);
        if (!outcome.Succeeded) throw new InvalidOperationException(FailedPlan.Describe(outcome, host).Message);
        return plan.Steps.Count;
    }
}
