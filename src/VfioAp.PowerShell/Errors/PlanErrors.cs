using System;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.PowerShell.Errors
{
    /// <summary>
    /// The module's exceptions for a plan that failed: the Core's description of a refused write, and a rollback that
    /// could not bring the host back. One place, so Set-VfioApMatrix and Import-VfioApMdev say the same thing alike.
    /// </summary>
    internal static class PlanErrors
    {
        /// <summary>The Core's failure (its id, category, words, host, path, errno) as the module's exception.</summary>
        public static VfioApException ToException(PlanFailure failure) =>
            new VfioApException(failure.ErrorId, CategoryOf(failure.Category), failure.Message, failure.RecommendedAction,
                failure.Host, failure.Path, failure.Errno);

        /// <summary>The rollback after a failed write left the host changed: what could not be undone, and what the host is now.</summary>
        public static VfioApException RollbackFailed(string host, string what, PlanOutcome outcome, PlanFailure failure, string subject = "the host") =>
            new VfioApException(VfioApErrorId.RollbackFailed, ErrorCategory.WriteError,
                $"Host '{host}': the rollback after {what} did not bring {subject} back: " +
                string.Join("; ", outcome.Rollback.Where(r => !r.Applied)) + (outcome.RestoreProblem is null ? "" : "; now " + outcome.RestoreProblem),
                KernelRefusal.Advise(RefusalCode.RollbackFailed, null, null), host, failure.Path, failure.Errno);

        /// <summary>The Core's category (it has no PowerShell) as PowerShell's, member by member: a renamed member cannot slip to NotSpecified.</summary>
        internal static ErrorCategory CategoryOf(FailureCategory category) => category switch
        {
            FailureCategory.InvalidArgument => ErrorCategory.InvalidArgument,
            FailureCategory.InvalidOperation => ErrorCategory.InvalidOperation,
            FailureCategory.InvalidResult => ErrorCategory.InvalidResult,
            FailureCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
            FailureCategory.NotInstalled => ErrorCategory.NotInstalled,
            FailureCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
            FailureCategory.PermissionDenied => ErrorCategory.PermissionDenied,
            FailureCategory.ResourceBusy => ErrorCategory.ResourceBusy,
            FailureCategory.ResourceExists => ErrorCategory.ResourceExists,
            FailureCategory.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
            FailureCategory.WriteError => ErrorCategory.WriteError,
            _ => ErrorCategory.NotSpecified,
        };
    }
}
