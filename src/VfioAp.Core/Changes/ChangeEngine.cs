using System;
using System.Collections.Generic;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>
    /// The one way the module changes a host. A change is a plan of typed steps (<see cref="Rules.PlanStep"/>); the
    /// engine runs it under the host's AP configuration lock: compares what the plan was made from, applies the steps in
    /// order, verifies the intent, undoes its own steps on failure (<see cref="PlanRunner"/>), and reports. When another
    /// writer changed what the plan depends on first, nothing is written: the change is checked and planned again from
    /// the read made under the lock and tried again after a short random pause, up to <see cref="MaxAttempts"/> times.
    /// Where the transport lets this process hold the lock (<see cref="ChangeHost.InProcessLock"/>), a retry holds it
    /// across its re-read, re-plan and write, so it cannot conflict again. Lock waits are reported to the caller
    /// (Write-Progress), Ctrl+C ends a wait at once with nothing written, and a plan in flight runs to its end (or its rollback).
    /// </summary>
    public sealed class ChangeEngine
    {
        /// <summary>How often a change is planned again from a fresh read when another writer changed what it depends on first.</summary>
        public const int MaxAttempts = 5;

        private readonly ChangeHost _host;
        private readonly SnapshotParts _parts;
        private readonly TimeSpan _lockTimeout;
        private readonly CancellationToken _cancel;
        private readonly Action<LockWait>? _waiting;
        private readonly Random _jitter;

        /// <param name="host">The host and how its lock can be held.</param>
        /// <param name="parts">What a re-plan needs read (read again with each plan's verification).</param>
        /// <param name="lockTimeout">How long to wait for the lock while someone else holds it.</param>
        /// <param name="cancel">Ctrl+C: ends a wait for the lock.</param>
        /// <param name="waiting">Told of each wait for the lock (the holder, how long so far), on the engine's thread.</param>
        /// <param name="seed">The jitter's seed (tests); by default a fresh one per engine.</param>
        public ChangeEngine(ChangeHost host, SnapshotParts parts, TimeSpan lockTimeout, CancellationToken cancel = default,
                            Action<LockWait>? waiting = null, int? seed = null)
        {
            _host = host ?? throw new ArgumentNullException(nameof(host));
            _parts = parts;
            _lockTimeout = lockTimeout;
            _cancel = cancel;
            _waiting = waiting;
            _jitter = new Random(seed ?? Guid.NewGuid().GetHashCode());
        }

        public ChangeResult Apply(PlannedChange change)
        {
            if (change is null) throw new ArgumentNullException(nameof(change));
            var result = new ChangeResult(change);
            var changed = new List<string>();
            for (int attempt = 1; ; attempt++)
            {
                result.Attempts = attempt;
                var outcome = Try(result, attempt);
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
                if (_cancel.WaitHandle.WaitOne(_jitter.Next(0, 4 * attempt + 1)))
                {
                    result.Failure = ApConfigLockException.Stopped(_host.HostName, _host.InProcessLock?.Path ?? "", 0);
                    return result;
                }
            }
        }

        /// <summary>One try: the plan's run, or null when the result is already decided (a failure, a refusal, nothing left).</summary>
        private PlanOutcome? Try(ChangeResult result, int attempt)
        {
            HostLockHold? hold = null;
            try
            {
                var current = result.Change;
                // After a conflict, the host is held while it is read again, planned again and written, so nobody gets in
                // between (over SSH a remote holder shell keeps the lock across the round trips). A transport without an
                // in-process lock (a test's) uses the read the conflicting run made under the lock.
                if (attempt > 1 && _host.InProcessLock is { } hostLock && current.Replan != null)
                {
                    hold = hostLock.Acquire(_host.HostName, _lockTimeout, _cancel, _waiting);
                    var (fresh, raw) = HostReader.ReadWithAnswers(_host.Sysfs, _parts);
                    if (!Replanned(result, current.Replan(fresh), fresh, raw)) return null;
                    current = result.Change;
                }
                var options = new PlanRunOptions
                {
                    Preconditions = current.Read is null ? Array.Empty<SysfsPrecondition>() : SysfsPrecondition.From(current.Plan.DependsOn, current.Read),
                    LockTimeout = _lockTimeout,
                    Cancel = _cancel,
                    Waiting = _waiting,
                    ReadParts = _parts,
                    Hold = hold,
                };
                return PlanRunner.Apply(_host.Sysfs, current.Plan, options);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                result.Failure = ex;
                return null;
            }
            finally
            {
                hold?.Dispose();
            }
        }

        /// <summary>Takes a plan made again from a fresh read; false when that decides the result (refused now, or nothing left to write).</summary>
        private static bool Replanned(ChangeResult result, Replanned again, HostSnapshot fresh, SysfsReadResult raw)
        {
            if (again.IsRefused)
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
    }
}
