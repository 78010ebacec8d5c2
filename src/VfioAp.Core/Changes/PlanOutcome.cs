using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>What happened when a plan ran: which steps took effect, which failed and how, what was rolled back, and whether the host ended as planned.</summary>
    public sealed class PlanOutcome
    {
        internal PlanOutcome(WritePlan plan, ISysfs sysfs, PlanRunResult run, HostSnapshot? afterRun, string? verificationProblem,
                             IReadOnlyList<RollbackStep> rollback, string? restoreProblem, HostSnapshot? after, int roundTrips)
        {
            AfterRead = run.After;
            Plan = plan;
            Host = sysfs.HostName;
            Root = sysfs.Root;
            Run = run;
            AfterRun = afterRun;
            VerificationProblem = verificationProblem;
            Rollback = rollback;
            RestoreProblem = restoreProblem;
            After = after;
            RoundTrips = roundTrips;
        }

        public WritePlan Plan { get; }
        public string Host { get; }
        /// <summary>The host's sysfs mount point, for full paths in messages.</summary>
        public string Root { get; }
        public PlanRunResult Run { get; }
        /// <summary>The steps that applied, in order.</summary>
        public IReadOnlyList<PlanStep> AppliedSteps => Plan.Steps.Take(Run.Applied).ToList();
        /// <summary>The sysfs writes among the steps that applied, in order.</summary>
        public IReadOnlyList<SysfsWrite> AppliedWrites => AppliedSteps.OfType<SysfsWriteStep>().Select(s => s.Write).ToList();
        /// <summary>The step that failed, or null (success, a conflict, or a failed verification).</summary>
        public PlanStep? Failed => !Run.Succeeded && !Run.IsConflict && Run.FailedStep < Plan.Steps.Count ? Plan.Steps[Run.FailedStep] : null;
        /// <summary>The sysfs write that failed, or null (no step failed, or the failed step is a file step).</summary>
        public SysfsWrite? FailedWrite => (Failed as SysfsWriteStep)?.Write;
        /// <summary>The errno of the failed write (None on success or a verification failure).</summary>
        public Errno Error => Run.Error;
        /// <summary>The host read back in the plan's own round trip, right after the writes (or the failure).</summary>
        public HostSnapshot? AfterRun { get; }
        /// <summary>Every write succeeded, but the host read back is not as planned (or could not be read back): what differs.</summary>
        public string? VerificationProblem { get; }
        /// <summary>The undo writes that were tried, in order, each with its answer; empty when nothing needed undoing.</summary>
        public IReadOnlyList<RollbackStep> Rollback { get; }
        /// <summary>After a rollback: null when the host is back where it started, otherwise what differs.</summary>
        public string? RestoreProblem { get; }
        /// <summary>The host as read back at the end (after the rollback when one ran).</summary>
        public HostSnapshot? After { get; }
        /// <summary>How many round trips the plan cost: one when it succeeds, one more per rollback attempt.</summary>
        public int RoundTrips { get; }

        /// <summary>The raw answers of the read in the plan's round trip (what a new plan's preconditions come from after a conflict).</summary>
        public SysfsReadResult? AfterRead { get; }

        /// <summary>Nothing was written: under the lock, the host was no longer as the plan was made from (<see cref="PlanRunResult.Conflicts"/>); <see cref="AfterRun"/> is the host now.</summary>
        public bool IsConflict => Run.IsConflict;

        public bool Succeeded => Run.Succeeded && VerificationProblem is null && !Run.IsConflict;
        public bool RollbackRan => Rollback.Count > 0;
        /// <summary>The plan failed and the host is back where it started.</summary>
        public bool RolledBack => !Succeeded && Rollback.All(r => r.Applied) && RestoreProblem is null;
        /// <summary>
        /// The plan failed, a rollback ran, and it could not bring the host back: an undo write failed or the start state
        /// was not restored. (When nothing needed undoing, a host that differs from the start was changed by someone else:
        /// <see cref="RestoreProblem"/> says how.)
        /// </summary>
        public bool RollbackFailed => !Succeeded && RollbackRan && (Rollback.Any(r => !r.Applied) || RestoreProblem is not null);
    }
}
