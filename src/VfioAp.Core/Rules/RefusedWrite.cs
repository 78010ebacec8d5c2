using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// For a refusal found before writing, the write of the plan the kernel would have refused for it, so the error can
    /// name the attribute and the value as the kernel's own refusal would. Where a write can be named: for an mdev's
    /// matrix, the first write of the plan that fails with the finding's errno; for an existing UUID or no instances
    /// left, the create write; otherwise the plan's write to the attribute the finding is about (a bus mask).
    /// </summary>
    public static class RefusedWrite
    {
        /// <summary>
        /// Each finding with the write it stands for (null where none can be named). <paramref name="mdev"/> is the
        /// mdev the plan changes, when it changes one.
        /// </summary>
        public static IReadOnlyList<(MatrixFinding Finding, SysfsWrite? Write)> For(IReadOnlyList<MatrixFinding> findings, HostSnapshot snapshot,
                                                                                    Guid? mdev, WritePlan plan)
        {
            var refused = mdev.HasValue ? PlanReplay.FirstRefusedWrite(snapshot, mdev.Value, plan) : null;
            var result = new List<(MatrixFinding, SysfsWrite?)>(findings.Count);
            foreach (var finding in findings)
            {
                SysfsWrite? write = null;
                if (refused is { } r && r.Errno == finding.KernelErrno) write = r.Write;
                else if (finding.Code is MatrixFindingCode.MdevExists or MatrixFindingCode.NoInstancesLeft)
                    write = plan.Writes.FirstOrDefault(w => w.Path == SysfsLayout.MdevCreate);
                else if (finding.Attribute != null)
                    write = plan.Writes.FirstOrDefault(w => SysfsLayout.LastSegment(w.Path) == finding.Attribute);
                result.Add((finding, write));
            }
            return result;
        }
    }
}
