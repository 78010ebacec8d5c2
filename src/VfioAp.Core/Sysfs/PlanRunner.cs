using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>One undo write of a rollback and what the host answered.</summary>
    public sealed class RollbackStep
    {
        public RollbackStep(SysfsWrite write, Errno error, string? message = null)
        {
            Write = write;
            Error = error;
            Message = message;
        }

        public SysfsWrite Write { get; }
        /// <summary>None when the undo write was applied.</summary>
        public Errno Error { get; }
        /// <summary>Transport words (lost connection), when there are any.</summary>
        public string? Message { get; }
        public bool Applied => Error == Errno.None && Message is null;
        public override string ToString() => Applied ? Write.ToString() : $"{Write}: {(Error == Errno.None ? Message : Error.ToString())}";
    }

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
        /// <summary>The writes that applied, in order.</summary>
        public IReadOnlyList<SysfsWrite> AppliedWrites => Plan.Writes.Take(Run.Applied).ToList();
        /// <summary>The write that failed, or null.</summary>
        public SysfsWrite? FailedWrite => !Run.Succeeded && Run.FailedStep < Plan.Steps.Count ? Plan.Steps[Run.FailedStep].Write : null;
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
            var run = sysfs.RunPlan(new PlanRequest(plan.Writes, verifyQueries, options.Preconditions, options.LockTimeout, options.Cancel, options.Waiting));
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

            var steps = new List<RollbackStep>();
            HostSnapshot? after = afterRun;
            int next = 0;
            while (next < undo.Count)
            {
                var remaining = undo.Skip(next).ToList();
                PlanRunResult rr;
                try
                {
                    // Not cancellable: once writes were made, the rollback runs even after Ctrl+C.
                    rr = sysfs.RunPlan(new PlanRequest(remaining, verifyQueries, undoPreconditions, options.LockTimeout, default, options.Waiting));
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
            string? restored = after is null ? "the host could not be read back after the rollback" : plan.VerifyRestored(after);
            return new PlanOutcome(plan, sysfs, run, afterRun, verification, steps, restored, after, roundTrips);
        }

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

    /// <summary>How a plan is run: what it must find unchanged under the lock, how long to wait for the lock, and what to read with the verification.</summary>
    public sealed class PlanRunOptions
    {
        public IReadOnlyList<SysfsPrecondition> Preconditions { get; set; } = Array.Empty<SysfsPrecondition>();
        public TimeSpan LockTimeout { get; set; } = PlanRequest.DefaultLockTimeout;
        public System.Threading.CancellationToken Cancel { get; set; }
        public Action<Locking.LockWait>? Waiting { get; set; }
        /// <summary>Parts to read beyond the plan's own verification (what a new plan needs after a conflict).</summary>
        public SnapshotParts ReadParts { get; set; }
    }
}
