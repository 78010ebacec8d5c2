using System;
using System.Collections.Generic;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// One planned change of one host as a cmdlet hands it to the change engine: the engine's part
    /// (<see cref="PlannedChange"/>: the plan, what it was planned from, how to plan it again) and the cmdlet's — what the
    /// change is about (for ShouldProcess and error targets) and what to write to the pipeline once it is done.
    /// </summary>
    internal sealed class HostChange
    {
        public HostChange(ApSession session, HostSnapshot before, WritePlan plan, string target, object errorTarget,
                          Func<PlanOutcome?, IEnumerable<object>>? output = null, Func<PlanOutcome, IEnumerable<string>>? warnings = null,
                          Func<HostSnapshot, Replanned>? replan = null)
            : this(session, new PlannedChange(plan, before, null, replan), target, errorTarget, output, warnings)
        {
        }

        private HostChange(ApSession session, PlannedChange planned, string target, object errorTarget,
                           Func<PlanOutcome?, IEnumerable<object>>? output, Func<PlanOutcome, IEnumerable<string>>? warnings)
        {
            Session = session;
            Planned = planned;
            Target = target;
            ErrorTarget = errorTarget;
            Output = output;
            Warnings = warnings;
        }

        public ApSession Session { get; }
        /// <summary>What the engine runs.</summary>
        public PlannedChange Planned { get; }
        public WritePlan Plan => Planned.Plan;
        public HostSnapshot Before => Planned.Before;
        /// <summary>What the change is about, in words: "mdev 6217… on seed".</summary>
        public string Target { get; }
        /// <summary>The ErrorRecord's target object (the mdev's UUID, the session).</summary>
        public object ErrorTarget { get; }
        /// <summary>What to write after success (the outcome is null when there was nothing to write).</summary>
        public Func<PlanOutcome?, IEnumerable<object>>? Output { get; }
        /// <summary>Warnings to give after success (e.g. adapters the kernel keeps from the guest).</summary>
        public Func<PlanOutcome, IEnumerable<string>>? Warnings { get; }

        /// <summary>What the plan does to each guest, worked out before writing (null: the plan writes no sysfs attribute).</summary>
        public GuestImpactReport? Impact { get; private set; }

        /// <summary>The same change with its guest impact.</summary>
        internal HostChange WithImpact(GuestImpactReport? impact)
        {
            var copy = new HostChange(Session, Planned, Target, ErrorTarget, Output, Warnings) { Impact = impact };
            return copy;
        }

        /// <summary>The same change with the raw answers its snapshot was built from (its preconditions come from them).</summary>
        internal HostChange WithRead(SysfsReadResult? read) =>
            new HostChange(Session, new PlannedChange(Plan, Before, read, Planned.Replan), Target, ErrorTarget, Output, Warnings) { Impact = Impact };
    }
}
