using System;
using System.Threading;
using VfioAp.Core.Locking;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The remote host's AP configuration lock as this process can hold it over the session's connection: each hold is
    /// a remote shell that keeps the lock (<see cref="SshLockHolder"/>), so the change engine can re-read, re-plan and
    /// write with nobody in between, as it does on a local tree. A plan run that carries the hold checks the lock file
    /// still holds that shell's pid before it writes.
    /// </summary>
    public sealed class SshHostLock : IHostLock
    {
        private readonly SshSysfs _sysfs;

        internal SshHostLock(SshSysfs sysfs)
        {
            _sysfs = sysfs;
        }

        /// <summary>The lock file on the remote host.</summary>
        public string Path => _sysfs.LockPath;

        public HostLockHold Acquire(string host, TimeSpan timeout, CancellationToken cancel = default, Action<LockWait>? waiting = null) =>
            new HostLockHold(this, _sysfs.TakeLock(timeout, cancel, waiting));

        public override string ToString() => _sysfs.HostName + ":" + Path;
    }
}
