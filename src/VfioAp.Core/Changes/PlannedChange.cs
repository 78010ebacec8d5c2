using System;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>
    /// One change of one host as the engine takes it: the plan, the snapshot and the raw answers it was planned from
    /// (the plan's preconditions are taken from them), and how to plan the same change again from a fresh read.
    /// </summary>
    public sealed class PlannedChange
    {
        public PlannedChange(WritePlan plan, HostSnapshot before, SysfsReadResult? read, Func<HostSnapshot, Replanned>? replan = null)
        {
            Plan = plan ?? throw new ArgumentNullException(nameof(plan));
            Before = before ?? throw new ArgumentNullException(nameof(before));
            Read = read;
            Replan = replan;
        }

        public WritePlan Plan { get; }
        public HostSnapshot Before { get; }
        /// <summary>The raw answers <see cref="Before"/> was built from; null when nothing needs comparing.</summary>
        public SysfsReadResult? Read { get; }
        /// <summary>Checks and plans the same change again from a fresh snapshot (after a conflict); pure, may run on any thread.</summary>
        public Func<HostSnapshot, Replanned>? Replan { get; }

        /// <summary>The same change, planned again from a fresh read.</summary>
        public PlannedChange With(WritePlan plan, HostSnapshot before, SysfsReadResult read) => new PlannedChange(plan, before, read, Replan);
    }
}
