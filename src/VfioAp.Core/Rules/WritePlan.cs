using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>One sysfs write of a plan, with the writes that undo it (none when nothing needs undoing).</summary>
    public sealed class PlanStep
    {
        public PlanStep(SysfsWrite write, params SysfsWrite[] undo)
        {
            Write = write ?? throw new ArgumentNullException(nameof(write));
            Undo = undo ?? Array.Empty<SysfsWrite>();
        }

        /// <summary>A step whose undo is computed from the host as it is after the writes (see <see cref="UndoFromNow"/>).</summary>
        public PlanStep(SysfsWrite write, SysfsWrite undo, Func<HostSnapshot, IReadOnlyList<SysfsWrite>?> undoFromNow)
            : this(write, undo)
        {
            UndoFromNow = undoFromNow;
        }

        /// <summary>
        /// For a write that sets a whole state at once (ap_config): the undo computed from the host as read after the
        /// writes, taking back only this step's own change, so an undo never writes a stale whole state over someone
        /// else's change. Null (or a null answer) means <see cref="Undo"/>, whose writes are relative already.
        /// </summary>
        public Func<HostSnapshot, IReadOnlyList<SysfsWrite>?>? UndoFromNow { get; }

        public SysfsWrite Write { get; }
        /// <summary>Usually one write; removing an mdev is undone by re-creating it and giving it its matrix again.</summary>
        public IReadOnlyList<SysfsWrite> Undo { get; }
        public override string ToString() => Write.ToString();
    }

    /// <summary>
    /// An ordered list of sysfs writes that takes a host from one state to another, how to undo any applied prefix,
    /// and how to check afterwards that the host is where the plan meant it to be (or, after a rollback, where it started).
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

        /// <summary>What the plan does, in one sentence (the ShouldProcess action).</summary>
        public string Summary { get; }
        public IReadOnlyList<PlanStep> Steps { get; }
        public IReadOnlyList<SysfsWrite> Writes => Steps.Select(s => s.Write).ToList();
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
        /// Only what the plan depends on is listed, so unrelated changes do not make it start over.
        /// </summary>
        public IReadOnlyList<string> DependsOn { get; }

        /// <summary>The writes that undo the first <paramref name="applied"/> steps, last applied first.</summary>
        public IReadOnlyList<SysfsWrite> RollbackOf(int applied) => RollbackOf(applied, null);

        /// <summary>
        /// As <see cref="RollbackOf(int)"/>, with the undo of whole-state steps (ap_config) computed from
        /// <paramref name="now"/>, the host as read after the writes, when it is known.
        /// </summary>
        public IReadOnlyList<SysfsWrite> RollbackOf(int applied, HostSnapshot? now)
        {
            var undo = new List<SysfsWrite>();
            for (int i = Math.Min(applied, Steps.Count) - 1; i >= 0; i--)
            {
                var fromNow = now is null ? null : Steps[i].UndoFromNow?.Invoke(now);
                undo.AddRange(fromNow ?? Steps[i].Undo);
            }
            return undo;
        }

        /// <summary>Whether some applied step's undo depends on the host as it is now (a whole-state write).</summary>
        public bool UndoDependsOnNow(int applied) => Steps.Take(applied).Any(s => s.UndoFromNow != null);

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
