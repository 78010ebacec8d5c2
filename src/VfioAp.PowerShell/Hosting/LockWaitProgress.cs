using System;
using System.Management.Automation;
using VfioAp.Core.Locking;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>A wait for a host's AP configuration lock as a progress bar: the holder and how long is left of -LockTimeout.</summary>
    internal static class LockWaitProgress
    {
        public static ProgressRecord Of(int id, string title, LockWait wait) =>
            new ProgressRecord(id, title, wait.ToString())
            {
                PercentComplete = wait.Timeout <= TimeSpan.Zero ? 0 : (int)Math.Min(100, wait.Waited.TotalMilliseconds * 100 / wait.Timeout.TotalMilliseconds),
                SecondsRemaining = (int)Math.Max(0, (wait.Timeout - wait.Waited).TotalSeconds),
            };

        public static ProgressRecord Done(int id, string title) =>
            new ProgressRecord(id, title, "Done") { RecordType = ProgressRecordType.Completed };
    }
}
