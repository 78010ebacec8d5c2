using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>One sysfs write of a plan, with the writes that undo it (none when nothing needs undoing).</summary>
    public sealed class PlanStep
    {
        public PlanStep(SysfsWrite write, params SysfsWrite[] undo)
        {
            Write = write;
            Undo = undo;
        }

        public SysfsWrite Write { get; }
        /// <summary>Usually one write; removing an mdev is undone by re-creating it and re-assigning its matrix.</summary>
        public IReadOnlyList<SysfsWrite> Undo { get; }
        public override string ToString() => Write.ToString();
    }

    /// <summary>
    /// An ordered list of sysfs writes that takes a host from one state to another, how to undo any applied prefix,
    /// and how to check afterwards that the host is where the plan meant it to be.
    /// </summary>
    public sealed class WritePlan
    {
        public WritePlan(string summary, IReadOnlyList<PlanStep> steps, SnapshotParts verifyParts, Func<HostSnapshot, string?> verify)
        {
            Summary = summary;
            Steps = steps;
            VerifyParts = verifyParts;
            Verify = verify;
        }

        /// <summary>What the plan does, in one sentence (the ShouldProcess action).</summary>
        public string Summary { get; }
        public IReadOnlyList<PlanStep> Steps { get; }
        public IReadOnlyList<SysfsWrite> Writes => Steps.Select(s => s.Write).ToList();
        public bool IsEmpty => Steps.Count == 0;
        /// <summary>What to re-read to verify.</summary>
        public SnapshotParts VerifyParts { get; }
        /// <summary>Null when the host is as planned; otherwise what differs.</summary>
        public Func<HostSnapshot, string?> Verify { get; }

        /// <summary>The writes that undo the first <paramref name="applied"/> steps, last applied first.</summary>
        public IReadOnlyList<SysfsWrite> RollbackOf(int applied)
        {
            var undo = new List<SysfsWrite>();
            for (int i = Math.Min(applied, Steps.Count) - 1; i >= 0; i--)
                undo.AddRange(Steps[i].Undo);
            return undo;
        }

        public static WritePlan Concat(string summary, WritePlan first, WritePlan second) =>
            new WritePlan(summary, first.Steps.Concat(second.Steps).ToList(), first.VerifyParts | second.VerifyParts,
                s => first.Verify(s) ?? second.Verify(s));
    }
}
