using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// A change plan: the ordered steps that take a host from one state to another (sysfs writes, files replaced or
    /// removed: <see cref="PlanStep"/>), what the plan was computed from (<see cref="DependsOn"/>), how to undo any
    /// applied prefix, and how to check afterwards that the host is where the plan meant it to be (or, after a rollback,
    /// where it started). The change engine runs it; -WhatIf prints its steps.
    /// </summary>
    public sealed class WritePlan
    {
        private static readonly Func<HostSnapshot, string?> NoCheck = _ => null;

        public WritePlan(string summary, IReadOnlyList<PlanStep> steps, SnapshotParts verifyParts, Func<HostSnapshot, string?> verify,
                         Func<HostSnapshot, string?>? verifyRestored = null, IReadOnlyList<string>? dependsOn = null)
        {
            DependsOn = dependsOn ?? Array.Empty<string>();
            Summary = summary;
            Steps = steps;
            VerifyParts = verifyParts;
            Verify = verify;
            VerifyRestored = verifyRestored ?? NoCheck;
        }

        /// <summary>A plan that changes nothing, with why in <paramref name="summary"/> (the target is already as asked).</summary>
        public static WritePlan Nothing(string summary, SnapshotParts parts = SnapshotParts.Mdevs) =>
            new WritePlan(summary, Array.Empty<PlanStep>(), parts, NoCheck);

        /// <summary>What the plan does, in one sentence (the ShouldProcess action).</summary>
        public string Summary { get; }
        public IReadOnlyList<PlanStep> Steps { get; }
        /// <summary>The sysfs writes of the plan, in order (its other steps are files).</summary>
        public IReadOnlyList<SysfsWrite> Writes => Steps.OfType<SysfsWriteStep>().Select(s => s.Write).ToList();
        public bool IsEmpty => Steps.Count == 0;
        /// <summary>What to re-read (in the plan's own round trip) to verify.</summary>
        public SnapshotParts VerifyParts { get; }
        /// <summary>Null when the host is as planned; otherwise what differs.</summary>
        public Func<HostSnapshot, string?> Verify { get; }
        /// <summary>After a rollback: null when the host is back where the plan started; otherwise what differs.</summary>
        public Func<HostSnapshot, string?> VerifyRestored { get; }

        /// <summary>
        /// The sysfs files the plan was computed from (paths relative to the root; <c>*</c> within a segment): the
        /// mdev's matrix for a matrix plan, the masks and every mdev's matrix for a bus mask plan. Under the host's lock
        /// they are read again before the first write; when one changed, the plan is made again instead of applied.
        /// Only what the plan depends on is listed, so unrelated changes do not make it start over. File steps carry
        /// their own (<see cref="PlanStep.Expected"/>).
        /// </summary>
        public IReadOnlyList<string> DependsOn { get; }

        /// <summary>
        /// The steps that undo the first <paramref name="applied"/> steps, last applied first, with the undo of
        /// whole-state steps (ap_config) computed from <paramref name="now"/>, the host as read after the writes, when it is known.
        /// </summary>
        public IReadOnlyList<PlanStep> RollbackOf(int applied, HostSnapshot? now = null)
        {
            var undo = new List<PlanStep>();
            for (int i = Math.Min(applied, Steps.Count) - 1; i >= 0; i--)
            {
                var fromNow = now is null ? null : Steps[i].UndoFromNow(now);
                undo.AddRange(fromNow ?? Steps[i].Undo);
            }
            return undo;
        }

        /// <summary>Whether some applied step's undo depends on the host as it is now (a whole-state write).</summary>
        public bool UndoDependsOnNow(int applied) => Steps.Take(applied).Any(s => s.UndoDependsOnNow);

        /// <summary>
        /// Both plans as one: the second's steps after the first's, verified by both. A rollback undoes the second's
        /// applied steps before the first's, so the restored state is the first plan's start.
        /// </summary>
        public static WritePlan Concat(string summary, WritePlan first, WritePlan second) =>
            new WritePlan(summary, first.Steps.Concat(second.Steps).ToList(), first.VerifyParts | second.VerifyParts,
                s => first.Verify(s) ?? second.Verify(s),
                s => first.VerifyRestored(s) ?? second.VerifyRestored(s),
                first.DependsOn.Concat(second.DependsOn).Distinct().ToList());

        public override string ToString() => Summary;
    }
}
