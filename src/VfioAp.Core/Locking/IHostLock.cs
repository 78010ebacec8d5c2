using System;
using System.Threading;

namespace VfioAp.Core.Locking
{
    /// <summary>
    /// The host's AP configuration lock, as a capability of a transport that reaches the host from this process (a sysfs
    /// tree on this machine: the s390-tools lock file; an in-memory simulated host: its own lock). The change engine
    /// holds it across a re-read, a re-plan and the write, so nobody gets in between; a transport's plan run takes it
    /// itself unless the request carries the engine's hold. Over SSH the holder is a remote shell on a channel of the
    /// session's connection that keeps the lock until it is released, its channel closes or the connection drops.
    /// </summary>
    public interface IHostLock
    {
        /// <summary>Where the lock is, for messages (the lock file's path).</summary>
        string Path { get; }

        /// <summary>
        /// Takes the lock, waiting up to <paramref name="timeout"/> while someone else holds it (each wait reported to
        /// <paramref name="waiting"/>). Throws <see cref="ApConfigLockException"/> on timeout, Ctrl+C, or when it cannot be made.
        /// </summary>
        HostLockHold Acquire(string host, TimeSpan timeout, CancellationToken cancel = default, Action<LockWait>? waiting = null);
    }

    /// <summary>A held <see cref="IHostLock"/>; disposing releases it. A plan request that carries it runs without taking the lock again.</summary>
    public sealed class HostLockHold : IDisposable
    {
        private IDisposable? _release;

        public HostLockHold(IHostLock owner, IDisposable release)
        {
            Lock = owner ?? throw new ArgumentNullException(nameof(owner));
            _release = release ?? throw new ArgumentNullException(nameof(release));
        }

        public IHostLock Lock { get; }

        /// <summary>
        /// What the lock handed over as this hold (its release), while the hold is in force: the transport that made it
        /// recognises its own holder there (over SSH, the remote shell whose pid the lock file must hold).
        /// </summary>
        public IDisposable? Held => Volatile.Read(ref _release);

        /// <summary>Whether this hold is still in force and is of <paramref name="hostLock"/>.</summary>
        public bool Holds(IHostLock hostLock) => Volatile.Read(ref _release) != null && ReferenceEquals(Lock, hostLock);

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Dispose();
    }
}
