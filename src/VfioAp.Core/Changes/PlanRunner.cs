using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>
    /// Applies a <see cref="WritePlan"/>: all writes and the verifying read in one round trip; on a failed write or a
    /// failed verification, the inverse of every applied step (and a read-back of the result) in a second round
    /// trip. An undo write that fails does not stop the rollback: the rest are tried in further round trips, so the
    /// host gets as close to its start as it can, and every failure is reported.
    /// </summary>
    public static class PlanRunner
    {
        /// <summary>Applies a plan under the host's lock, with no preconditions (nothing to compare) and the default lock timeout.</summary>
        public static PlanOutcome Apply(ISysfs sysfs, WritePlan plan) => Apply(sysfs, plan, null);

        /// <summary>
        /// Applies a plan under the host's AP configuration lock: the lock is taken, the <paramref name="options"/>'
        /// preconditions compared, the writes made and verified in one round trip. A conflict (the host changed since the
        /// plan was made) writes nothing and answers <see cref="PlanOutcome.IsConflict"/> with the host as it is now.
        /// Throws <see cref="Locking.ApConfigLockException"/> when the lock cannot be taken (nothing written).
        /// </summary>
        public static PlanOutcome Apply(ISysfs sysfs, WritePlan plan, PlanRunOptions? options)
        {
            if (sysfs is null) throw new ArgumentNullException(nameof(sysfs));
            if (plan is null) throw new ArgumentNullException(nameof(plan));
            options ??= new PlanRunOptions();
            if (plan.IsEmpty)
                return new PlanOutcome(plan, sysfs, PlanRunResult.Success(0), null, null, Array.Empty<RollbackStep>(), null, null, 0);

            var parts = plan.VerifyParts | options.ReadParts;
            var verifyQueries = HostReader.QueriesFor(parts);
            var run = sysfs.RunPlan(new PlanRequest(plan.Steps, verifyQueries, options.Preconditions.Concat(StepPreconditions(plan.Steps)).ToList(),
                options.LockTimeout, options.Cancel, options.Waiting, options.Hold));
            int roundTrips = 1;
            var afterRun = TryBuild(sysfs, run.After, parts, out var readProblem);
            if (run.IsConflict)
                return new PlanOutcome(plan, sysfs, run, afterRun, null, Array.Empty<RollbackStep>(), null, afterRun, roundTrips);

            string? verification = null;
            if (run.Succeeded)
            {
                verification = afterRun is null ? "the host could not be read back after the writes: " + (readProblem ?? "no answer") : plan.Verify(afterRun);
                if (verification is null)
                    return new PlanOutcome(plan, sysfs, run, afterRun, null, Array.Empty<RollbackStep>(), null, afterRun, roundTrips);
            }

            // A transport failure may have applied more than it could report; undo what is known to have applied.
            // Whole-state writes (ap_config) are undone from the host as read after them, taking back only this plan's change.
            var undo = plan.RollbackOf(run.Applied, afterRun);
            // Such an undo is right only while the host is as read then: the rollback's own round trip checks that under the lock.
            var undoPreconditions = plan.UndoDependsOnNow(run.Applied) && run.After != null
                ? SysfsPrecondition.From(plan.DependsOn, run.After) : Array.Empty<SysfsPrecondition>();
            if (undo.Count == 0)
            {
                var restore = afterRun is null ? "the host could not be read back: " + (readProblem ?? "no answer") : plan.VerifyRestored(afterRun);
                return new PlanOutcome(plan, sysfs, run, afterRun, verification, Array.Empty<RollbackStep>(), restore, afterRun, roundTrips);
            }

            var (steps, after, extraTrips) = Rollback(sysfs, undo, undoPreconditions, verifyQueries, parts, options, afterRun);
            string? restored = after is null ? "the host could not be read back after the rollback" : plan.VerifyRestored(after);
            return new PlanOutcome(plan, sysfs, run, afterRun, verification, steps, restored, after, roundTrips + extraTrips);
        }

        /// <summary>
        /// Runs the undo steps, each round trip under the lock; an undo step that fails does not stop the rest (tried in
        /// further round trips), a lost connection or a host changed by someone else since the writes does.
        /// </summary>
        private static (List<RollbackStep> Steps, HostSnapshot? After, int RoundTrips) Rollback(ISysfs sysfs, IReadOnlyList<PlanStep> undo,
            IReadOnlyList<SysfsPrecondition> undoPreconditions, IReadOnlyList<SysfsQuery> verifyQueries, SnapshotParts parts, PlanRunOptions options, HostSnapshot? afterRun)
        {
            var steps = new List<RollbackStep>();
            HostSnapshot? after = afterRun;
            int next = 0, roundTrips = 0;
            while (next < undo.Count)
            {
                var remaining = undo.Skip(next).ToList();
                PlanRunResult rr;
                try
                {
                    // Not cancellable: once writes were made, the rollback runs even after Ctrl+C.
                    rr = sysfs.RunPlan(new PlanRequest(remaining, verifyQueries, undoPreconditions.Concat(StepPreconditions(remaining)).ToList(),
                        options.LockTimeout, default, options.Waiting, options.Hold));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The connection is gone: nothing more can be undone from here.
                    steps.AddRange(remaining.Select(w => new RollbackStep(w, Errno.None, "not attempted: " + ex.Message)));
                    break;
                }
                roundTrips++;
                if (rr.IsConflict)
                {
                    steps.AddRange(remaining.Select(w => new RollbackStep(w, Errno.None,
                        "not attempted: the host changed after the writes (" + string.Join(", ", rr.Conflicts!) + "); undoing now could take back someone else's change")));
                    after = TryBuild(sysfs, rr.After, parts, out _) ?? after;
                    break;
                }
                undoPreconditions = Array.Empty<SysfsPrecondition>();
                for (int i = 0; i < rr.Applied && i < remaining.Count; i++) steps.Add(new RollbackStep(remaining[i], Errno.None));
                var read = TryBuild(sysfs, rr.After, parts, out _);
                if (read != null) after = read;
                if (rr.Succeeded) break;
                int failed = Math.Min(rr.FailedStep, remaining.Count - 1);
                steps.Add(new RollbackStep(remaining[failed], rr.Error, rr.Message));
                next += failed + 1;
                if (rr.Message != null && rr.Error == Errno.None)
                {
                    // A transport failure without an errno: the connection cannot be trusted with more writes.
                    steps.AddRange(undo.Skip(next).Select(w => new RollbackStep(w, Errno.None, "not attempted: " + rr.Message)));
                    break;
                }
            }
            return (steps, after, roundTrips);
        }

        /// <summary>What the file steps were planned from: each file's text then (or its absence), compared under the lock.</summary>
        internal static IEnumerable<SysfsPrecondition> StepPreconditions(IEnumerable<PlanStep> steps) =>
            steps.Where(s => s.HasExpected).Select(s => new SysfsPrecondition(s.Target, s.Expected, s.UnderHostRoot));

        internal static HostSnapshot? TryBuild(ISysfs sysfs, SysfsReadResult? read, SnapshotParts parts, out string? problem)
        {
            problem = null;
            if (read is null) return null;
            try
            {
                return HostReader.Build(sysfs, read, parts);
            }
            catch (HostReadException ex)
            {
                problem = ex.Message;
                return null;
            }
        }
    }
}
