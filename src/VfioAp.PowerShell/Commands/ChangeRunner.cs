using System;
using System.Collections.Generic;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Applies one approved change under the host's lock, on a worker thread. When the host changed since the read it
    /// was planned from (another writer got the lock first), the change is checked and planned again from the fresh read
    /// made under the lock, and tried again after a short random pause, up to <see cref="MaxAttempts"/> times. A
    /// transport that throws (a lost SSH connection, a lock that cannot be taken) leaves the outcome to the exception.
    /// </summary>
    internal sealed class ChangeRunner
    {
        /// <summary>How often a change is planned again from a fresh read when another writer changed what it depends on first.</summary>
        internal const int MaxAttempts = 5;

        private readonly SnapshotParts _parts;
        private readonly TimeSpan _lockTimeout;
        private readonly CancellationToken _cancel;
        private readonly Action<LockWait> _waiting;

        public ChangeRunner(SnapshotParts parts, TimeSpan lockTimeout, CancellationToken cancel, Action<LockWait> waiting)
        {
            _parts = parts;
            _lockTimeout = lockTimeout;
            _cancel = cancel;
            _waiting = waiting;
        }

        public ChangeResult Apply(HostChange change)
        {
            var result = new ChangeResult(change);
            var changed = new List<string>();
            var jitter = new Random(Guid.NewGuid().GetHashCode());
            for (int attempt = 1; ; attempt++)
            {
                result.Attempts = attempt;
                var outcome = Run(result, attempt);
                if (outcome is null) return result;
                if (!outcome.IsConflict)
                {
                    result.Outcome = outcome;
                    return result;
                }
                foreach (var path in outcome.Run.Conflicts!) if (!changed.Contains(path)) changed.Add(path);
                var current = result.Change;
                if (attempt >= MaxAttempts || outcome.AfterRun is null || outcome.AfterRead is null || current.Replan is null)
                {
                    result.Conflicts = changed;
                    return result;
                }
                if (!Replanned(result, current.Replan(outcome.AfterRun), outcome.AfterRun, outcome.AfterRead)) return result;
                // A short random pause, longer with each try, so writers that keep meeting do not stay in step.
                if (_cancel.WaitHandle.WaitOne(jitter.Next(0, 4 * attempt + 1)))
                {
                    result.Failure = ApConfigLockException.Stopped(current.Session.ComputerName, "", 0);
                    return result;
                }
            }
        }

        /// <summary>One try: the plan's round trip, or null when the result is already decided (a failure, a refusal, nothing left).</summary>
        private PlanOutcome? Run(ChangeResult result, int attempt)
        {
            IDisposable? held = null;
            try
            {
                var current = result.Change;
                // After a conflict, a host this process reaches itself (a sysfs tree, a simulation) is held locked
                // while it is read again, planned again and written, so nobody gets in between and the run cannot
                // conflict again. Over SSH the lock lives in the remote shell of one command: the next try there
                // uses the read made under the lock in the conflicting round trip.
                if (attempt > 1 && (held = HoldLocally(current.Session)) != null)
                {
                    var (fresh, raw) = HostReader.ReadWithAnswers(current.Session.Sysfs, _parts);
                    if (!Replanned(result, current.Replan!(fresh), fresh, raw)) return null;
                    current = result.Change;
                }
                var options = new PlanRunOptions
                {
                    Preconditions = current.Read is null ? Array.Empty<SysfsPrecondition>() : SysfsPrecondition.From(current.Plan.DependsOn, current.Read),
                    LockTimeout = _lockTimeout,
                    Cancel = _cancel,
                    Waiting = _waiting,
                    ReadParts = _parts,
                };
                return PlanRunner.Apply(current.Session.Sysfs, current.Plan, options);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                result.Failure = ex;
                return null;
            }
            finally
            {
                held?.Dispose();
            }
        }

        /// <summary>Takes a plan made again from a fresh read; false when that decides the result (refused now, or nothing left to write).</summary>
        private static bool Replanned(ChangeResult result, Replanned again, HostSnapshot fresh, SysfsReadResult raw)
        {
            if (again.Problem != null || again.Refusals.Count > 0)
            {
                result.Refused = again;
                result.RefusedSnapshot = fresh;
                return false;
            }
            result.Change = result.Change.With(again.Plan, fresh, raw);
            if (!again.Plan.IsEmpty) return true;
            result.NothingLeft = true;
            return false;
        }

        /// <summary>The host's lock held by this process, for transports it reaches itself; null over SSH.</summary>
        private IDisposable? HoldLocally(ApSession session) => session.Sysfs switch
        {
            LocalSysfs local => ApConfigLock.Acquire(session.ComputerName, local.LockPath, _lockTimeout, _cancel, _waiting),
            SimulatedSysfs sim => SimulatedHostLock.For(sim.Kernel).Acquire(session.ComputerName, _lockTimeout, _cancel, _waiting),
            _ => null,
        };
    }
}
