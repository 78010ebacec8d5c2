using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.PowerShell.Errors
{
    /// <summary>
    /// What the change engine's result means for the user, as the module's exceptions: every change cmdlet reports
    /// through here, so a conflict, a refusal after a re-plan, a lock that could not be taken, a lost connection and a
    /// failed plan read the same whichever cmdlet made the change.
    /// </summary>
    internal static class ChangeFailure
    {
        /// <summary>
        /// The errors of a change that did not succeed; empty when it succeeded or nothing was left to write. Ctrl+C
        /// during the wait for the lock gives none either: <paramref name="stopped"/> is set instead.
        /// </summary>
        /// <param name="result">The engine's result.</param>
        /// <param name="host">The host's name.</param>
        /// <param name="sysfsRoot">Where sysfs is on the host (full paths in messages).</param>
        /// <param name="what">The change in words ("Set mdev 6217… to …", "importing mdev 6217…").</param>
        /// <param name="target">The mdev a refusal names, when the change is about one.</param>
        /// <param name="stopped">Set when Ctrl+C ended the wait for the lock (nothing was written, nothing to report).</param>
        public static IReadOnlyList<VfioApException> Of(ChangeResult result, string host, string sysfsRoot, string what, Guid? target, out bool stopped)
        {
            stopped = false;
            var plan = result.Change.Plan;
            if (result.Outcome is { } outcome)
                return outcome.Succeeded ? Array.Empty<VfioApException>() : Failed(outcome, host, what, result.Change.Before);
            if (result.NothingLeft) return Array.Empty<VfioApException>();
            if (result.Refused is { } refused)
            {
                if (refused.Problem != null)
                    return new[] { new VfioApException(VfioApErrorId.ConcurrentChange, ErrorCategory.ResourceBusy,
                        $"Host '{host}': {refused.Problem} (changed by another writer while this change waited its turn). Nothing was written.",
                        "Read the host again (Get-VfioApMdev) and decide whether the change is still wanted.", host) };
                return Refusals(refused.Refusals, result.RefusedSnapshot!, refused.What + " (planned again after another writer's change)", sysfsRoot, target, refused.Plan);
            }
            if (result.Conflicts != null)
                return new[] { new VfioApException(VfioApErrorId.ConcurrentChange, ErrorCategory.ResourceBusy,
                    $"Host '{host}': {plan.Summary}: nothing was written. Other writers changed {string.Join(", ", result.Conflicts.Select(p => Full(sysfsRoot, p)))} " +
                    $"each time before this change got the host's AP configuration lock ({result.Attempts} tries, each planned again from a fresh read).",
                    "Run the command again when the other writers are done; Get-VfioApMdev shows the host as it is now.", host) };
            var failure = result.Failure!;
            if (failure is ApConfigLockException lockFailure)
            {
                if (lockFailure.Failure == ApConfigLockFailure.Cancelled)
                {
                    stopped = true;
                    return Array.Empty<VfioApException>();
                }
                return new[] { LockFailure.ToException(lockFailure, plan.Summary) };
            }
            // The plan's round trip broke off: what was applied is not known, so say so and how to find out.
            return new[] { new VfioApException(VfioApErrorId.WriteFailed, ErrorCategory.WriteError,
                $"Host '{host}': {plan.Summary}: the round trip that writes and verifies the plan failed ({failure.GetType().Name}: {failure.Message}); " +
                "some of its writes may have been applied and none was rolled back.",
                "Read the host again (Get-VfioApMdev, Get-ApBusConfig), then run the command again: it writes only what is still missing.",
                host, null, Errno.None, failure) };
        }

        /// <summary>A plan that ran and failed: the failed step with its errno and meaning, and a rollback that could not bring the host back.</summary>
        private static IReadOnlyList<VfioApException> Failed(PlanOutcome outcome, string host, string what, HostSnapshot before)
        {
            var failure = FailedPlan.Describe(outcome, before);
            var list = new List<VfioApException> { PlanErrors.ToException(failure) };
            if (outcome.RollbackFailed)
                list.Add(PlanErrors.RollbackFailed(host, $"the failed change '{what}'", outcome, failure));
            return list;
        }

        /// <summary>Refusals found before writing, each naming the write the kernel would have refused where one can be named.</summary>
        public static IReadOnlyList<VfioApException> Refusals(IReadOnlyList<MatrixFinding> findings, HostSnapshot snapshot, string what, string sysfsRoot, Guid? target, WritePlan plan) =>
            RefusedWrite.For(findings, snapshot, target, plan)
                .Select(r => PlanErrors.ToException(KernelRefusal.FromFinding(r.Finding, snapshot.ComputerName, what,
                    r.Write is null ? null : Full(sysfsRoot, r.Write.Path), r.Write?.Value)))
                .ToList();

        private static string Full(string root, string path) => root.TrimEnd('/') + "/" + path;
    }
}
