using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

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

    /// <summary>How a matrix change was asked for: the parameter sets of Set-VfioApMatrix.</summary>
    public enum MatrixChange
    {
        /// <summary>The given ids join the matrix.</summary>
        Add,
        /// <summary>The given ids leave the matrix.</summary>
        Remove,
        /// <summary>The given kinds of ids are replaced; a kind not given is kept.</summary>
        Replace,
    }

    /// <summary>
    /// Plans the minimal writes that turn an mdev's matrix into the desired one.
    /// <para>
    /// Where the mdev has <c>ap_config</c> (Linux 6.10+) the plan is one write: the kernel validates the whole new
    /// matrix and takes it or nothing, and filters the guest APCB anew from it.
    /// </para>
    /// <para>
    /// Without <c>ap_config</c> every unassign comes before every assign: unassigns are never refused, and after them
    /// the matrix only grows towards the final one, so each intermediate matrix's APQNs are a subset of the final
    /// matrix's. The kernel validates the whole matrix on each assign, so whenever it would accept the final matrix
    /// it accepts every step on the way. (Assigning first could pass through APQNs that neither matrix holds and
    /// that another mdev owns: refused with EADDRINUSE although the goal is valid.) A plan that ends with an assign
    /// also leaves the kernel's guest APCB fully filtered, because each assign filters the whole matrix; a plan of
    /// unassigns only does not (see <see cref="PlanRefilter"/>).
    /// </para>
    /// </summary>
    public static class MatrixPlanner
    {
        /// <summary>What a change asks of the matrix, applied to the current one.</summary>
        public static ApMatrix Desired(ApMatrix current, MatrixChange change, ApMask? adapters, ApMask? domains, ApMask? controlDomains)
        {
            ApMask a = adapters ?? ApMask.Empty, d = domains ?? ApMask.Empty, c = controlDomains ?? ApMask.Empty;
            return change switch
            {
                MatrixChange.Add => current.Union(new ApMatrix(a, d, c)),
                MatrixChange.Remove => current.Except(new ApMatrix(a, d, c)),
                _ => new ApMatrix(adapters ?? current.Adapters, domains ?? current.Domains, controlDomains ?? current.ControlDomains),
            };
        }

        public static MatrixPlanKind KindOf(ApMatrix current, ApMatrix desired, bool hasApConfig) =>
            current == desired ? MatrixPlanKind.None : hasApConfig ? MatrixPlanKind.ApConfig : MatrixPlanKind.AssignUnassign;

        /// <summary>The parts a matrix plan re-reads in its own round trip: the mdevs, and the queue bindings that let the guest APCB be predicted.</summary>
        public const SnapshotParts VerifyParts = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs;

        public static WritePlan Plan(Guid mdev, ApMatrix current, ApMatrix desired, bool hasApConfig) => Plan(mdev, current, desired, hasApConfig, null);

        /// <summary>
        /// As above; with <paramref name="intent"/> (the change as asked, applied to any matrix) the plan is verified by
        /// whether the asked change is in effect (applying it again changes nothing: ids present after -Add, absent after
        /// -Remove, the replaced kinds equal after -Replace), not by whether nobody else changed the matrix.
        /// </summary>
        public static WritePlan Plan(Guid mdev, ApMatrix current, ApMatrix desired, bool hasApConfig, Func<ApMatrix, ApMatrix>? intent)
        {
            var kind = KindOf(current, desired, hasApConfig);
            var steps = new List<PlanStep>();
            if (kind == MatrixPlanKind.ApConfig)
                steps.Add(ApConfigStep(mdev, current, desired, undo: true));
            else if (kind == MatrixPlanKind.AssignUnassign)
                steps.AddRange(AssignSteps(mdev, current, desired, undo: true));

            string summary = kind == MatrixPlanKind.None
                ? $"Mdev {mdev:D} already has {desired}; nothing to write"
                : $"Change mdev {mdev:D} from {current} to {desired} ({Count(steps.Count)}{(kind == MatrixPlanKind.ApConfig ? ", ap_config" : "")})";
            return new WritePlan(summary, steps, VerifyParts,
                snapshot => intent is null ? VerifyMatrix(snapshot, mdev, desired) : VerifyIntent(snapshot, mdev, intent, desired),
                snapshot => VerifyReverted(snapshot, mdev, current, desired),
                DependsOnMatrix(mdev));
        }

        /// <summary>Every mdev's matrix file, as the matrix validation reads them (other mdevs' APQNs).</summary>
        public const string AllMdevMatrices = SysfsLayout.Matrix + "/*-*-*-*-*/matrix";

        /// <summary>
        /// What a matrix plan is computed from: the mdev's own matrix and control domains, and the other mdevs'
        /// matrices that the validation checked for shared APQNs. Not the bus masks: whether an APQN is the host's is
        /// checked by the kernel itself on each assign and ap_config write, so a bus mask change elsewhere does not
        /// make a matrix change start over.
        /// </summary>
        public static IReadOnlyList<string> DependsOnMatrix(Guid mdev) => new[]
        {
            SysfsLayout.MdevAttribute(mdev, "matrix"), SysfsLayout.MdevAttribute(mdev, "control_domains"), AllMdevMatrices,
        };

        /// <summary>
        /// Writes that make the kernel filter the mdev's guest APCB anew without changing its matrix.
        /// The kernel only clears bits on unassign and when a queue leaves vfio_ap; it filters the whole matrix
        /// on assign, on <c>ap_config</c> (even unchanged) and when a queue of the matrix binds to vfio_ap. So:
        /// with <c>ap_config</c>, write the current matrix to it again (one write); without it, for each adapter
        /// that the kernel's <c>guest_matrix</c> lacks but the filter would now admit, unbind one of its queues from
        /// vfio_ap and bind it again (the adapter is not in the guest, so nothing is unplugged). Empty when the
        /// kernel's guest matrix already equals the prediction, or the kernel does not report one.
        /// </summary>
        public static WritePlan PlanRefilter(HostSnapshot host, VfioApMdev mdev)
        {
            var steps = new List<PlanStep>();
            var prediction = ApcbFilter.Predict(mdev.Matrix, host.HostConfig, host).Guest;
            var kernel = mdev.GuestMatrix;
            bool stale = kernel.HasValue && (kernel.Value.Adapters.Mask != prediction.Adapters.Mask || kernel.Value.Domains.Mask != prediction.Domains.Mask);
            if (stale && mdev.HasApConfig)
            {
                steps.Add(ApConfigStep(mdev.Uuid, mdev.Matrix, mdev.Matrix, undo: false, refilter: true));
            }
            else if (stale)
            {
                var bind = SysfsLayout.DriverAttribute(SysfsLayout.VfioApDriver, "bind");
                var unbind = SysfsLayout.DriverAttribute(SysfsLayout.VfioApDriver, "unbind");
                foreach (var a in prediction.Adapters.Except(kernel!.Value.Adapters))
                {
                    // The filter admits the adapter, so each of its queues on the guest's domains is bound to vfio_ap.
                    var d = prediction.Domains.NextSetBit(0);
                    if (d < 0) continue;
                    var q = new Apqn(a, d).ToString();
                    steps.Add(new SysfsWriteStep(new SysfsWrite(unbind, q, $"unbind queue {q} from vfio_ap (adapter {a:x2} is not in the guest, so nothing is unplugged)"),
                        new SysfsWrite(bind, q, $"undo: bind queue {q} to vfio_ap again")));
                    steps.Add(new SysfsWriteStep(new SysfsWrite(bind, q, $"bind queue {q} to vfio_ap again: vfio_ap filters the guest APCB of {mdev.Uuid:D} anew")));
                }
            }
            string summary = steps.Count == 0
                ? $"The guest APCB of mdev {mdev.Uuid:D} is already as the kernel's filter gives it; nothing to write"
                : $"Make the kernel filter the guest APCB of mdev {mdev.Uuid:D} anew ({Count(steps.Count)})";
            return new WritePlan(summary, steps, VerifyParts,
                s => VerifyMatrix(s, mdev.Uuid, mdev.Matrix) ?? VerifyGuestMatrix(s, mdev.Uuid),
                s => VerifyMatrix(s, mdev.Uuid, mdev.Matrix), DependsOnMatrix(mdev.Uuid));
        }

        /// <summary>
        /// The change to <paramref name="desired"/>, followed, when <paramref name="refilter"/> is set and the kernel
        /// would then keep adapters out of the guest that its filter admits, by the writes that make it filter again.
        /// Whether it would is known before writing: a plan with an assign or an <c>ap_config</c> write ends filtered;
        /// after unassigns only, the kernel's guest matrix is today's minus the unassigned bits.
        /// </summary>
        public static WritePlan PlanChange(HostSnapshot host, VfioApMdev mdev, ApMatrix desired, bool refilter, Func<ApMatrix, ApMatrix>? intent = null)
        {
            var plan = Plan(mdev.Uuid, mdev.Matrix, desired, mdev.HasApConfig, intent);
            if (!refilter || mdev.GuestMatrix is not ApMatrix guest || plan.Writes.Any(IsFilteringWrite)) return plan;
            var removed = mdev.Matrix.Except(desired);
            var expected = new VfioApMdev
            {
                ComputerName = mdev.ComputerName,
                Uuid = mdev.Uuid,
                Matrix = desired,
                GuestMatrix = new ApMatrix(guest.Adapters.Except(removed.Adapters), guest.Domains.Except(removed.Domains), guest.ControlDomains.Except(removed.ControlDomains)),
                HasApConfig = mdev.HasApConfig,
                InUse = mdev.InUse,
            };
            var again = PlanRefilter(host, expected);
            if (again.IsEmpty) return plan;
            if (plan.IsEmpty) return again;
            return WritePlan.Concat($"{plan.Summary}, then make the kernel filter the guest APCB anew ({again.Steps.Count} more)", plan, again);
        }

        /// <summary>Writes after which the kernel has filtered the whole matrix: assign_adapter, assign_domain, ap_config.</summary>
        internal static bool IsFilteringWrite(SysfsWrite w) =>
            w.Path.EndsWith("/ap_config", StringComparison.Ordinal) || w.Path.EndsWith("/assign_adapter", StringComparison.Ordinal) || w.Path.EndsWith("/assign_domain", StringComparison.Ordinal);

        /// <summary>The one <c>ap_config</c> write that sets the whole matrix; its undo writes the old matrix back.</summary>
        internal static SysfsWriteStep ApConfigStep(Guid mdev, ApMatrix current, ApMatrix desired, bool undo, bool refilter = false)
        {
            var path = SysfsLayout.MdevAttribute(mdev, "ap_config");
            var write = new SysfsWrite(path, MatrixText.FormatApConfig(desired).TrimEnd('\n'),
                refilter ? $"write the unchanged matrix of {mdev:D} to ap_config again: the kernel filters the guest APCB anew"
                         : $"set the matrix of {mdev:D} to {desired} in one ap_config write");
            if (!undo) return new SysfsWriteStep(write);
            // ap_config sets the whole matrix: its undo takes back only what this write added and removed, from the
            // matrix as it is when the undo runs, never the whole start matrix over someone else's later change.
            ApMatrix added = desired.Except(current), removed = current.Except(desired);
            return new SysfsWriteStep(write,
                new SysfsWrite(path, MatrixText.FormatApConfig(current).TrimEnd('\n'), $"undo: restore the matrix of {mdev:D} to {current}"),
                now => now.FindMdev(mdev) is { } m
                    ? new[]
                    {
                        new SysfsWrite(path, MatrixText.FormatApConfig(m.Matrix.Except(added).Union(removed)).TrimEnd('\n'),
                            $"undo: take back this change of {mdev:D} (remove {added}, restore {removed})"),
                    }
                    : null);
        }

        /// <summary>All unassigns, then all assigns (why: see the class comment); each undone by its opposite.</summary>
        internal static IEnumerable<SysfsWriteStep> AssignSteps(Guid mdev, ApMatrix current, ApMatrix desired, bool undo)
        {
            var steps = new List<SysfsWriteStep>();
            Add(steps, mdev, "unassign_adapter", "assign_adapter", current.Adapters.Except(desired.Adapters), "adapter", 2, undo);
            Add(steps, mdev, "unassign_domain", "assign_domain", current.Domains.Except(desired.Domains), "domain", 4, undo);
            Add(steps, mdev, "unassign_control_domain", "assign_control_domain", current.ControlDomains.Except(desired.ControlDomains), "control domain", 4, undo);
            Add(steps, mdev, "assign_adapter", "unassign_adapter", desired.Adapters.Except(current.Adapters), "adapter", 2, undo);
            Add(steps, mdev, "assign_domain", "unassign_domain", desired.Domains.Except(current.Domains), "domain", 4, undo);
            Add(steps, mdev, "assign_control_domain", "unassign_control_domain", desired.ControlDomains.Except(current.ControlDomains), "control domain", 4, undo);
            return steps;
        }

        private static void Add(List<SysfsWriteStep> steps, Guid mdev, string attribute, string undoAttribute, ApMask ids, string what, int digits, bool undo)
        {
            bool assign = !attribute.StartsWith("un", StringComparison.Ordinal);
            foreach (var id in ids)
            {
                // Always 0x hex: the kernel reads a zero-padded "035" as octal 29.
                var value = "0x" + id.ToString("x");
                var shown = id.ToString("x" + digits);
                var write = new SysfsWrite(SysfsLayout.MdevAttribute(mdev, attribute), value,
                    assign ? $"assign {what} {shown} to {mdev:D}" : $"unassign {what} {shown} from {mdev:D}");
                steps.Add(undo
                    ? new SysfsWriteStep(write, new SysfsWrite(SysfsLayout.MdevAttribute(mdev, undoAttribute), value, $"undo: {(assign ? "unassign" : "assign")} {what} {shown}"))
                    : new SysfsWriteStep(write));
            }
        }

        private static string Count(int n) => n == 1 ? "1 write" : n + " writes";

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

        /// <summary>Null when the asked change is in effect on the mdev (applying it again would change nothing); otherwise what is missing.</summary>
        public static string? VerifyIntent(HostSnapshot snapshot, Guid mdev, Func<ApMatrix, ApMatrix> intent, ApMatrix planned)
        {
            var m = snapshot.FindMdev(mdev);
            if (m is null) return $"mdev {mdev:D} is gone from {snapshot.ComputerName}";
            var want = intent(m.Matrix);
            if (want == m.Matrix) return null;
            return $"mdev {mdev:D} has {m.Matrix}, which lacks the change asked for (it should be {want}; planned {planned}; unexpected: {m.Matrix.Except(want)}; missing: {want.Except(m.Matrix)})";
        }

        /// <summary>
        /// After a rollback: null when this plan's own change is taken back (what it added is absent, what it removed is
        /// present again); what others changed meanwhile is theirs and is not compared.
        /// </summary>
        public static string? VerifyReverted(HostSnapshot snapshot, Guid mdev, ApMatrix current, ApMatrix desired)
        {
            var m = snapshot.FindMdev(mdev);
            if (m is null) return $"mdev {mdev:D} is gone from {snapshot.ComputerName}";
            ApMatrix added = desired.Except(current), removed = current.Except(desired);
            var stillAdded = new ApMatrix(m.Matrix.Adapters.Mask & added.Adapters.Mask, m.Matrix.Domains.Mask & added.Domains.Mask, m.Matrix.ControlDomains.Mask & added.ControlDomains.Mask);
            var stillRemoved = removed.Except(m.Matrix);
            if (stillAdded.IsEmpty && stillRemoved.IsEmpty) return null;
            return $"mdev {mdev:D} has {m.Matrix}, expected {current} (unexpected: {stillAdded}; missing: {stillRemoved})";
        }

        /// <summary>Null when the kernel's guest_matrix equals the filter's prediction (or is not reported); otherwise the difference.</summary>
        public static string? VerifyGuestMatrix(HostSnapshot snapshot, Guid mdev)
        {
            var m = snapshot.FindMdev(mdev);
            if (m?.GuestMatrix is not { } kernel) return null;
            var predicted = ApcbFilter.Predict(m.Matrix, snapshot.HostConfig, snapshot).Guest;
            if (kernel.Adapters.Mask == predicted.Adapters.Mask && kernel.Domains.Mask == predicted.Domains.Mask) return null;
            return $"the kernel's guest_matrix of {mdev:D} has adapters {kernel.Adapters} and domains {kernel.Domains}, " +
                   $"the filter gives adapters {predicted.Adapters} and domains {predicted.Domains}";
        }

        /// <summary>
        /// The adapters the kernel keeps out of the guest although its filter would now admit them: what an
        /// unassign leaves behind, because the kernel clears the unassigned bit and does not filter again.
        /// Empty when the kernel does not report guest_matrix.
        /// </summary>
        public static ApMask StaleAdapters(HostSnapshot snapshot, VfioApMdev mdev)
        {
            if (mdev.GuestMatrix is not { } kernel) return ApMask.Empty;
            var predicted = ApcbFilter.Predict(mdev.Matrix, snapshot.HostConfig, snapshot).Guest;
            return predicted.Adapters.Except(kernel.Adapters);
        }
    }
}
