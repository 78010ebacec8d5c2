using System;
using VfioAp.Core.Locking;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>
    /// A host as the change engine sees it, chosen once when the session opens: the transport that reads it and runs
    /// plans on it, and — where this process can hold the host's AP configuration lock (a sysfs tree here, an in-memory
    /// simulation, a remote holder shell over SSH) — that lock, so a change that met another writer is re-read,
    /// re-planned and written without anybody getting in between. Null there means the lock lives only inside each
    /// plan's own run (a transport that offers no hold).
    /// </summary>
    public sealed class ChangeHost
    {
        public ChangeHost(ISysfs sysfs, IHostLock? inProcessLock)
        {
            Sysfs = sysfs ?? throw new ArgumentNullException(nameof(sysfs));
            InProcessLock = inProcessLock;
        }

        public ISysfs Sysfs { get; }
        public IHostLock? InProcessLock { get; }
        public string HostName => Sysfs.HostName;
    }
}
