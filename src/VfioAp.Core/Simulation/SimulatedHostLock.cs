using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using VfioAp.Core.Locking;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The AP configuration lock of an in-memory simulated host: one per <see cref="SimulatedKernel"/>
    /// instance, held by whichever session of this process runs a plan on it, so every session on that kernel takes
    /// turns as processes on one real host do with <c>/run/lock/s390apconfig.lock</c>. It belongs to the simulated host,
    /// not to the simulated kernel: the kernel takes no lock for userspace and its files do not change.
    /// </summary>
    public sealed class SimulatedHostLock : IHostLock
    {
        private static readonly ConditionalWeakTable<SimulatedKernel, SimulatedHostLock> Locks = new ConditionalWeakTable<SimulatedKernel, SimulatedHostLock>();
        private readonly SemaphoreSlim _gate = new SemaphoreSlim(1, 1);

        /// <summary>The lock of the host this kernel stands for.</summary>
        public static SimulatedHostLock For(SimulatedKernel kernel) => Locks.GetValue(kernel, _ => new SimulatedHostLock());

        /// <summary>Shown in messages where a real host has a lock path.</summary>
        public const string LockPath = "(in-memory lock of the simulated host)";

        string IHostLock.Path => LockPath;

        /// <summary>Whether a session holds it now (for tests of the simulator itself).</summary>
        public bool IsHeld => _gate.CurrentCount == 0;

        /// <summary>Takes it, waiting up to <paramref name="timeout"/>; the holder is always this process.</summary>
        public HostLockHold Acquire(string host, TimeSpan timeout, CancellationToken cancel = default, Action<LockWait>? waiting = null)
        {
            if (_gate.Wait(0)) return Own();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) throw ApConfigLockException.TimedOut(host, LockPath, ApConfigLock.CurrentPid, clock.Elapsed);
                waiting?.Invoke(new LockWait(host, LockPath, ApConfigLock.CurrentPid, clock.Elapsed, timeout));
                try
                {
                    if (_gate.Wait(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), cancel)) return Own();
                }
                catch (OperationCanceledException)
                {
                    throw ApConfigLockException.Stopped(host, LockPath, ApConfigLock.CurrentPid);
                }
            }
        }

        private HostLockHold Own() => new HostLockHold(this, new Release(_gate));

        private sealed class Release : IDisposable
        {
            private SemaphoreSlim? _gate;
            public Release(SemaphoreSlim gate) => _gate = gate;
            public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
        }
    }
}
