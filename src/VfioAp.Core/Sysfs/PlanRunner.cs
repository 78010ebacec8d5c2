using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>What happened when a plan ran: which steps took effect, which failed and how, what was rolled back, and whether the host ended as planned.</summary>
    public sealed class PlanOutcome
    {
        internal PlanOutcome(WritePlan plan, string host, PlanRunResult run, IReadOnlyList<SysfsWrite> rollbackWrites, PlanRunResult? rollback,
                             string? verificationProblem, HostSnapshot? after)
        {
            Plan = plan;
            Host = host;
            Run = run;
            RollbackWrites = rollbackWrites;
            Rollback = rollback;
            VerificationProblem = verificationProblem;
            After = after;
        }

        public WritePlan Plan { get; }
        public string Host { get; }
        public PlanRunResult Run { get; }
        /// <summary>The writes that applied, in order.</summary>
        public IReadOnlyList<SysfsWrite> AppliedWrites => Plan.Writes.Take(Run.Applied).ToList();
        /// <summary>The write that failed, or null.</summary>
        public SysfsWrite? FailedWrite => !Run.Succeeded && Run.FailedStep < Plan.Steps.Count ? Plan.Steps[Run.FailedStep].Write : null;
        public IReadOnlyList<SysfsWrite> RollbackWrites { get; }
        /// <summary>The rollback's own result, null when nothing needed rolling back.</summary>
        public PlanRunResult? Rollback { get; }
        public bool RolledBack => Rollback is { Succeeded: true } && RollbackWrites.Count > 0;
        public bool RollbackFailed => Rollback is { Succeeded: false };
        /// <summary>After a successful run: null when the host is as planned, else what differs.</summary>
        public string? VerificationProblem { get; }
        /// <summary>The host as read back after the plan (and after any rollback, when one ran and could be read).</summary>
        public HostSnapshot? After { get; }
        public bool Succeeded => Run.Succeeded && VerificationProblem is null;
    }

    /// <summary>
    /// Applies a <see cref="WritePlan"/>: all writes and the verifying read in one round trip; on a failed write or a
    /// failed verification, the inverse of every applied step in a second round trip (and a read-back of the result).
    /// </summary>
    public static class PlanRunner
    {
        public static PlanOutcome Apply(ISysfs sysfs, WritePlan plan)
        {
            var verifyQueries = HostReader.QueriesFor(plan.VerifyParts);
            if (plan.IsEmpty)
                return new PlanOutcome(plan, sysfs.HostName, PlanRunResult.Success(0), Array.Empty<SysfsWrite>(), null, null, null);

            var run = sysfs.RunPlan(plan.Writes, verifyQueries);
            HostSnapshot? after = null;
            string? problem = null;
            if (run.After != null)
            {
                try { after = HostReader.Build(sysfs.HostName, sysfs.Root, run.After, plan.VerifyParts); }
                catch (HostReadException ex) { problem = "the host could not be read back: " + ex.Message; }
            }

            if (run.Succeeded)
            {
                problem ??= after is null ? "the host was not read back after the writes" : plan.Verify(after);
                if (problem is null)
                    return new PlanOutcome(plan, sysfs.HostName, run, Array.Empty<SysfsWrite>(), null, null, after);
            }

            // A transport failure may have applied more than it could report; undo what is known to have applied.
            var undo = plan.RollbackOf(run.Applied);
            if (undo.Count == 0)
                return new PlanOutcome(plan, sysfs.HostName, run, undo, null, problem, after);

            var rollback = sysfs.RunPlan(undo, verifyQueries);
            if (rollback.After != null)
            {
                try { after = HostReader.Build(sysfs.HostName, sysfs.Root, rollback.After, plan.VerifyParts); }
                catch (HostReadException) { /* keep the earlier read; the rollback result says what happened */ }
            }
            return new PlanOutcome(plan, sysfs.HostName, run, undo, rollback, problem, after);
        }
    }
}
