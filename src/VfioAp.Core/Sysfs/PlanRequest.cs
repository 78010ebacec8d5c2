using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// A plan run as every transport runs it: take the host's AP configuration lock (waiting up to
    /// <see cref="LockTimeout"/>; not when the request carries the engine's <see cref="Hold"/>), check the
    /// <see cref="Preconditions"/>, and only when all hold run the steps; then, written or not, read
    /// <see cref="ReadAfter"/>; release the lock. All in one round trip.
    /// </summary>
    public sealed class PlanRequest
    {
        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        public PlanRequest(IReadOnlyList<PlanStep> steps, IReadOnlyList<SysfsQuery>? readAfter = null,
                           IReadOnlyList<SysfsPrecondition>? preconditions = null, TimeSpan? lockTimeout = null,
                           CancellationToken cancel = default, Action<LockWait>? waiting = null, HostLockHold? hold = null)
        {
            Steps = steps ?? throw new ArgumentNullException(nameof(steps));
            Hold = hold;
            ReadAfter = readAfter;
            Preconditions = preconditions ?? Array.Empty<SysfsPrecondition>();
            LockTimeout = lockTimeout ?? DefaultLockTimeout;
            if (LockTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lockTimeout));
            Cancel = cancel;
            Waiting = waiting;
        }

        /// <summary>The steps, in order; a transport carries out each kind (sysfs write, file replaced, file removed).</summary>
        public IReadOnlyList<PlanStep> Steps { get; }
        /// <summary>
        /// The host's lock, already held by the change engine in this process (across a re-read, a re-plan and this
        /// run): a transport whose <see cref="IHostLock"/> it holds does not take the lock again.
        /// </summary>
        public HostLockHold? Hold { get; }
        public IReadOnlyList<SysfsQuery>? ReadAfter { get; }
        public IReadOnlyList<SysfsPrecondition> Preconditions { get; }
        public TimeSpan LockTimeout { get; }
        /// <summary>Stops a wait for the lock (Ctrl+C); once the lock is held, the plan runs to its end.</summary>
        public CancellationToken Cancel { get; }
        /// <summary>Told about each wait for a lock another process holds (for Write-Progress).</summary>
        public Action<LockWait>? Waiting { get; }

        /// <summary>The preconditions that no longer hold, given a function that reads a path now (null: absent).</summary>
        public IReadOnlyList<string> Changed(Func<string, string?> readNow) => ChangedFiles(p => readNow(p.Path));

        /// <summary>The preconditions that no longer hold, given a function that reads a precondition's file now (null: absent).</summary>
        public IReadOnlyList<string> ChangedFiles(Func<SysfsPrecondition, string?> readNow) =>
            Preconditions.Where(p => !p.Holds(readNow(p))).Select(p => (p.UnderHostRoot ? "/" : "") + p.Path).ToList();
    }
}
