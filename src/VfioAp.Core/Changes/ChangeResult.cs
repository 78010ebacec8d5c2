using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Changes
{
    /// <summary>What became of one change: exactly one of its outcomes is set.</summary>
    public sealed class ChangeResult
    {
        public ChangeResult(PlannedChange change) => Change = change;

        /// <summary>The change as last planned (after re-plans).</summary>
        public PlannedChange Change { get; internal set; }
        /// <summary>The plan ran (succeeded, or failed and was rolled back): its outcome.</summary>
        public PlanOutcome? Outcome { get; internal set; }
        /// <summary>The run could not be made: the lock not taken (<see cref="Locking.ApConfigLockException"/>), the connection lost.</summary>
        public Exception? Failure { get; internal set; }
        /// <summary>Every try met another writer's change: the paths that changed (nothing was written).</summary>
        public IReadOnlyList<string>? Conflicts { get; internal set; }
        /// <summary>How many tries the change took.</summary>
        public int Attempts { get; internal set; }
        /// <summary>Planned again from a fresh read, the host refuses it now (nothing was written).</summary>
        public Replanned? Refused { get; internal set; }
        /// <summary>The host as read when the change was refused.</summary>
        public HostSnapshot? RefusedSnapshot { get; internal set; }
        /// <summary>Planned again, nothing was left to write: someone else made the same change.</summary>
        public bool NothingLeft { get; internal set; }
    }
}
