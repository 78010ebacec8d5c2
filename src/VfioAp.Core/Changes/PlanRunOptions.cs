using System;
using System.Collections.Generic;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>How a plan is run: what it must find unchanged under the lock, how long to wait for the lock, and what to read with the verification.</summary>
    public sealed class PlanRunOptions
    {
        public IReadOnlyList<SysfsPrecondition> Preconditions { get; set; } = Array.Empty<SysfsPrecondition>();
        public TimeSpan LockTimeout { get; set; } = PlanRequest.DefaultLockTimeout;
        public System.Threading.CancellationToken Cancel { get; set; }
        public Action<LockWait>? Waiting { get; set; }
        /// <summary>The host's lock when the engine already holds it in this process (the transport then does not take it again).</summary>
        public HostLockHold? Hold { get; set; }
        /// <summary>Parts to read beyond the plan's own verification (what a new plan needs after a conflict).</summary>
        public SnapshotParts ReadParts { get; set; }
    }
}
