using System.Management.Automation;
using VfioAp.Core.Locking;

namespace VfioAp.PowerShell.Errors
{
    /// <summary>The error record of a host's AP configuration lock that could not be taken: VfioAp.LockTimeout naming the holder, or VfioAp.LockUnavailable with the errno.</summary>
    internal static class LockFailure
    {
        public static VfioApException ToException(ApConfigLockException failure, string what)
        {
            bool timedOut = failure.Failure == ApConfigLockFailure.Timeout;
            return new VfioApException(timedOut ? VfioApErrorId.LockTimeout : VfioApErrorId.LockUnavailable,
                timedOut ? ErrorCategory.ResourceBusy : ErrorCategory.ResourceUnavailable,
                $"{failure.Message} ({what})",
                timedOut
                    ? $"Another tool (pid {failure.HolderPid} on {failure.Host}: this module, mdevctl's ap-check, the zcrypt tools) is changing the AP configuration. Wait for it, or give a longer -LockTimeout. A lock left by a crashed process is taken over once its pid is gone."
                    : $"The directory of {failure.LockPath} must exist and be writable by the user the change runs as (root, or -UseSudo over SSH).",
                failure.Host, failure.LockPath, failure.Errno, failure);
        }
    }
}
