using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The only door to a host's sysfs. Every implementation answers a whole batch of reads, and a whole plan of
    /// writes, in one round trip: that is what keeps a read-only cmdlet at one SSH command on a host of any size.
    /// Paths are relative to the sysfs root (<c>bus/ap/apmask</c>), separated by <c>/</c>.
    /// </summary>
    public interface ISysfs : IDisposable
    {
        /// <summary>The host the answers come from, for messages and for each output object's ComputerName.</summary>
        string HostName { get; }

        /// <summary>Where sysfs is mounted on that host (<c>/sys</c>, or a test tree); used in messages.</summary>
        string Root { get; }

        /// <summary>Expands each query's pattern (<c>*</c> matches within one path segment, as a shell glob) and reads every match.</summary>
        SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries);

        /// <summary>
        /// Runs a plan under the host's AP configuration lock, in one round trip: take the lock unless the request carries the
        /// change engine's hold of it (or throw
        /// <see cref="Locking.ApConfigLockException"/>, nothing written), re-read the request's preconditions and, when one
        /// changed, write nothing and answer <see cref="PlanRunResult.Conflicts"/>; else the steps in order (sysfs writes, files), stopping at the
        /// first failure; then (written or not) the request's reads, so a plan is applied and verified in one SSH
        /// command; then release. There is no door to run writes without the lock and the preconditions: even a single
        /// write is a one-step plan, so nothing this module writes can slip between another writer's read and write.
        /// </summary>
        PlanRunResult RunPlan(PlanRequest request);
    }
}
