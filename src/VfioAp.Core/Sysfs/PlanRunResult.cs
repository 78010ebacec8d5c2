using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>What became of a plan: how many steps were applied, and the step that failed with its errno.</summary>
    public sealed class PlanRunResult
    {
        public PlanRunResult(int applied, int failedStep, Errno error, string? message = null, SysfsReadResult? after = null, IReadOnlyList<string>? conflicts = null)
        {
            Conflicts = conflicts;
            Applied = applied;
            FailedStep = failedStep;
            Error = error;
            Message = message;
            After = after;
        }

        public static PlanRunResult Success(int count, SysfsReadResult? after = null) => new PlanRunResult(count, -1, Errno.None, null, after);

        /// <summary>Nothing was written: under the lock, these precondition paths no longer had the content the plan was made from.</summary>
        public static PlanRunResult Conflict(IReadOnlyList<string> changed, SysfsReadResult? after) =>
            new PlanRunResult(0, 0, Errno.None, "the host changed since the plan was made: " + string.Join(", ", changed), after, changed);

        /// <summary>Non-null when nothing was written because the host changed since the plan was made: the paths that changed.</summary>
        public IReadOnlyList<string>? Conflicts { get; }
        public bool IsConflict => Conflicts is { Count: > 0 };

        /// <summary>What the readAfter queries returned, read after the writes in the same round trip; null when none were asked or the transport failed.</summary>
        public SysfsReadResult? After { get; }

        /// <summary>Steps 0..Applied-1 took effect.</summary>
        public int Applied { get; }
        /// <summary>Index of the failed step, or -1 when all succeeded. A failure not tied to a step (lost connection) has FailedStep = Applied.</summary>
        public int FailedStep { get; }
        public Errno Error { get; }
        /// <summary>Extra words from the transport (a lost connection, a timeout), null for plain kernel errnos.</summary>
        public string? Message { get; }
        public bool Succeeded => FailedStep < 0;

        /// <summary>
        /// The round trip broke off (a lost connection, a command timeout) at step <see cref="FailedStep"/>: the host did
        /// not refuse it, the step may or may not have taken effect, and <see cref="Message"/> says what is known.
        /// </summary>
        public bool Interrupted { get; init; }
    }
}
