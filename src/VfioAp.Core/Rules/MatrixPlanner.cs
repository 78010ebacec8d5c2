using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Rules
{
    /// <summary>How a matrix change reaches the kernel.</summary>
    public enum MatrixPlanKind
    {
        /// <summary>The matrix is already as desired: nothing to write.</summary>
        None,
        /// <summary>One write of the mdev's <c>ap_config</c>: atomic, the kernel takes all of it or nothing.</summary>
        ApConfig,
        /// <summary>Ordered <c>unassign_*</c> then <c>assign_*</c> writes, for kernels without <c>ap_config</c>.</summary>
        AssignUnassign,
    }

    /// <summary>
    /// Plans the minimal writes that turn an mdev's matrix into the desired one.
    /// Without <c>ap_config</c> every unassign comes before every assign: unassigns are never refused, and after them
    /// the matrix only grows towards the final one, so each intermediate matrix's APQNs are a subset of the final
    /// matrix's. The kernel validates the whole matrix on each assign, so whenever it would accept the final matrix
    /// it accepts every step on the way. (Assigning first could pass through APQNs that neither matrix holds and
    /// that another mdev owns: refused with EADDRINUSE although the goal is valid.)
    /// </summary>
    public static class MatrixPlanner
    {
        public static MatrixPlanKind KindOf(ApMatrix current, ApMatrix desired, bool hasApConfig) =>
            current == desired ? MatrixPlanKind.None : hasApConfig ? MatrixPlanKind.ApConfig : MatrixPlanKind.AssignUnassign;

        public static WritePlan Plan(Guid mdev, ApMatrix current, ApMatrix desired, bool hasApConfig)
        {
            var kind = KindOf(current, desired, hasApConfig);
            var steps = new List<PlanStep>();
            if (kind == MatrixPlanKind.ApConfig)
            {
                var path = SysfsLayout.MdevAttribute(mdev, "ap_config");
                steps.Add(new PlanStep(
                    new SysfsWrite(path, SysfsFormat.FormatApConfig(desired).TrimEnd('\n'), $"set the matrix of {mdev:D} to {desired} in one ap_config write"),
                    new SysfsWrite(path, SysfsFormat.FormatApConfig(current).TrimEnd('\n'), $"restore the matrix of {mdev:D} to {current}")));
            }
            else if (kind == MatrixPlanKind.AssignUnassign)
            {
                Add(steps, mdev, "unassign_adapter", "assign_adapter", current.Adapters.Except(desired.Adapters), "adapter", 2);
                Add(steps, mdev, "unassign_domain", "assign_domain", current.Domains.Except(desired.Domains), "domain", 4);
                Add(steps, mdev, "unassign_control_domain", "assign_control_domain", current.ControlDomains.Except(desired.ControlDomains), "control domain", 4);
                Add(steps, mdev, "assign_adapter", "unassign_adapter", desired.Adapters.Except(current.Adapters), "adapter", 2);
                Add(steps, mdev, "assign_domain", "unassign_domain", desired.Domains.Except(current.Domains), "domain", 4);
                Add(steps, mdev, "assign_control_domain", "unassign_control_domain", desired.ControlDomains.Except(current.ControlDomains), "control domain", 4);
            }

            string summary = kind == MatrixPlanKind.None
                ? $"Mdev {mdev:D} already has {desired}; nothing to write"
                : $"Change mdev {mdev:D} from {current} to {desired} ({steps.Count} write{(steps.Count == 1 ? "" : "s")})";
            return new WritePlan(summary, steps, SnapshotParts.Mdevs, snapshot => VerifyMatrix(snapshot, mdev, desired));
        }

        private static void Add(List<PlanStep> steps, Guid mdev, string attribute, string undoAttribute, ApMask ids, string what, int digits)
        {
            foreach (var id in ids)
            {
                // Always 0x hex: the kernel reads a zero-padded "035" as octal 29.
                var value = "0x" + id.ToString("x");
                var shown = id.ToString("x" + digits);
                var verb = attribute.StartsWith("un", StringComparison.Ordinal) ? "unassign" : "assign";
                steps.Add(new PlanStep(
                    new SysfsWrite(SysfsLayout.MdevAttribute(mdev, attribute), value, $"{verb} {what} {shown} {(verb == "assign" ? "to" : "from")} {mdev:D}"),
                    new SysfsWrite(SysfsLayout.MdevAttribute(mdev, undoAttribute), value, $"undo: {(verb == "assign" ? "unassign" : "assign")} {what} {shown}")));
            }
        }

        /// <summary>Null when the mdev's matrix on the host is the desired one; otherwise what differs.</summary>
        public static string? VerifyMatrix(HostSnapshot snapshot, Guid mdev, ApMatrix desired)
        {
            var m = snapshot.FindMdev(mdev);
            if (m is null) return $"mdev {mdev:D} is gone from {snapshot.ComputerName}";
            if (m.Matrix == desired) return null;
            var extra = m.Matrix.Except(desired);
            var missing = desired.Except(m.Matrix);
            return $"mdev {mdev:D} has {m.Matrix}, expected {desired} (unexpected: {extra}; missing: {missing})";
        }
    }
}
