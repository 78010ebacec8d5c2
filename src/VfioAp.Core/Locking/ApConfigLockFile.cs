using System;
using System.Threading;

namespace VfioAp.Core.Locking
{
    /// <summary>The s390-tools lock file of a host this process reaches through its file system (<see cref="ApConfigLock"/>).</summary>
    public sealed class ApConfigLockFile : IHostLock
    {
        public ApConfigLockFile(string path)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/') throw new ArgumentException($"A lock file is an absolute path: '{path}'.", nameof(path));
            Path = path;
        }

        public string Path { get; }

        public HostLockHold Acquire(string host, TimeSpan timeout, CancellationToken cancel = default, Action<LockWait>? waiting = null) =>
            new HostLockHold(this, ApConfigLock.Acquire(host, Path, timeout, cancel, waiting));

        public override string ToString() => Path;
    }
}
