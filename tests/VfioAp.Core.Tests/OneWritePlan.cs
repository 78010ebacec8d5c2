using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// One write as the module makes it: a one-step plan under the host's lock — <see cref="ISysfs"/> has no other door
/// to write. Tests that only care about one attribute's errno use this.
/// </summary>
internal static class OneWritePlan
{
    public static Errno WriteAsPlan(this ISysfs sysfs, string path, string value)
    {
        var r = sysfs.RunPlan(new PlanRequest(new[] { new SysfsWrite(path, value) }.AsSteps()));
        return r.Succeeded ? Errno.None : r.Error;
    }

    /// <summary>Plain writes as the sysfs steps of a plan request.</summary>
    public static IReadOnlyList<PlanStep> AsSteps(this IEnumerable<SysfsWrite> writes) =>
        writes.Select(w => (PlanStep)new SysfsWriteStep(w)).ToList();
}
