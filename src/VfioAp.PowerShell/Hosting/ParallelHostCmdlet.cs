using System;
using System.Collections.Generic;
using System.Management.Automation;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;
using VfioAp.PowerShell.Threading;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of the cmdlets that work on many hosts at once (the reading and the changing ones): -ThrottleLimit, and the
    /// loop that takes each host's outcome back on the pipeline thread with Write-Progress.
    /// </summary>
    public abstract class ParallelHostCmdlet : HostCmdlet
    {
        private readonly HashSet<ApSession> _failedHosts = new HashSet<ApSession>();
        private readonly HashSet<ApSession> _readHosts = new HashSet<ApSession>();

        /// <summary>How many hosts are read (and changed) at the same time.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>One id per cmdlet invocation, so nested cmdlets' progress bars do not overwrite each other.</summary>
        private protected int ProgressId { get; } = Environment.TickCount & 0x7fff;

        /// <summary>
        /// The finished hosts' outcomes, as they finish (with <paramref name="wait"/>: until every host is done),
        /// with a progress bar titled <paramref name="activity"/> once there is more than one host.
        /// Ctrl+C while waiting becomes PipelineStoppedException.
        /// </summary>
        private protected IEnumerable<FanOutResult<ApSession, T>> Outcomes<T>(WorkerFanOut<ApSession, T> fanOut, bool wait, string activity)
        {
            while (true)
            {
                FanOutResult<ApSession, T>? outcome;
                try
                {
                    if (!fanOut.TryTake(wait, out outcome) || outcome is null) yield break;
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                yield return outcome;
                if (fanOut.Total > 1)
                {
                    int done = fanOut.Completed, total = fanOut.Total;
                    WriteProgress(new ProgressRecord(ProgressId, activity, $"{done} of {total} hosts done; last: {outcome.Key.ComputerName}")
                    {
                        PercentComplete = Math.Min(100, done * 100 / total),
                    });
                }
            }
        }

        /// <summary>Ends the progress bar of <see cref="Outcomes"/>.</summary>
        private protected void EndProgress<T>(WorkerFanOut<ApSession, T> fanOut, string activity)
        {
            if (fanOut.Total > 1)
                WriteProgress(new ProgressRecord(ProgressId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>Hosts whose work (their read, and a reading cmdlet's query) succeeded in this invocation, for "not found on any host" errors.</summary>
        protected IReadOnlyCollection<ApSession> HostsRead => _readHosts;

        /// <summary>False, after writing its error record (once per host and invocation), for a host whose work failed.</summary>
        private protected bool Succeeded<T>(FanOutResult<ApSession, T> outcome)
        {
            if (outcome.Failure is null)
            {
                _readHosts.Add(outcome.Key);
                return true;
            }
            if (_failedHosts.Add(outcome.Key))
                WriteError(outcome.Key.FailureOf(outcome.Failure).ToErrorRecord(outcome.Key));
            return false;
        }
    }
}
