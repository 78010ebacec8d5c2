using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Integration.Tests;

/// <summary>
/// One write as the module makes it: a one-step plan under the host's lock — <see cref="ISysfs"/> has no other door
/// to write. Tests that only care about one attribute's errno use this.
/// </summary>
internal static class OneWritePlan
{
    public static Errno WriteAsPlan(this ISysfs sysfs, string path, string value)
    {
        var r = sysfs.RunPlan(new PlanRequest(new[] { new SysfsWrite(path, value) }));
        return r.Succeeded ? Errno.None : r.Error;
    }
}
