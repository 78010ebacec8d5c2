using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Base of the cmdlets that change hosts. For each pipeline record it reads every session's snapshot (in parallel,
    /// one batch each), then on the pipeline thread lets the cmdlet check and plan the change for each host — refusing
    /// bad input before anything is written — and asks ShouldProcess with every sysfs write of the plan listed
    /// (-WhatIf shows them and stops there), then applies the approved plans (in parallel, one round trip each that
    /// writes and verifies), and reports each host's outcome: the cmdlet's output, or an error record with a stable id
    /// saying which write failed with which errno, what it means, and what was applied and rolled back.
    /// Same -Session, -InputObject and -ThrottleLimit as the reading cmdlets.
    /// </summary>
    public abstract class ApChangeCmdlet : ParallelHostCmdlet
    {
        /// <summary>Seconds to wait for the host's AP configuration lock while another process holds it (0: do not wait).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeout { get; set; } = 30;

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <summary>Ctrl+C: a wait for the lock ends at once with nothing written; a plan already running finishes (or is rolled back).</summary>
        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>Which parts of a host the change needs to be planned.</summary>
        protected abstract SnapshotParts Parts { get; }

        /// <summary>
        /// Checks and plans this record's change for one host, on the pipeline thread. Refusals are written here
        /// (<see cref="WriteRefusal"/>); nothing has been written to the host yet.
        /// </summary>
        private protected abstract IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session);

        /// <summary>Called on the pipeline thread after the last record, with the hosts that could be read.</summary>
        protected virtual void EndOfHosts(IReadOnlyCollection<ApSession> hostsRead) { }

        protected override void ProcessRecord()
        {
            var open = SessionsOfRecord().Where(IsOpen).ToList();
            // 1. Read every host (in parallel): each plan starts from the host as it is now, not as an earlier record left it.
            var reads = ReadAll(open);
            // 2. Check and plan on the pipeline thread; ask before writing.
            var approved = new List<HostChange>();
            foreach (var session in open)
            {
                if (!reads.TryGetValue(session, out var read)) continue;
                foreach (var planned in Plan(read.Snapshot, session))
                {
                    var change = planned.WithRead(read.Raw);
                    if (change.Plan.IsEmpty)
                    {
                        WriteVerbose($"Host '{session.ComputerName}': {change.Plan.Summary}.");
                        WriteOutput(change, null);
                        continue;
                    }
                    if (ShouldProcess(Describe(change), $"{change.Plan.Summary} on host '{session.ComputerName}'?", MyInvocation.MyCommand.Name))
                        approved.Add(change);
                }
            }
            // 3. Apply (in parallel, one round trip per plan unless a conflict or a rollback needs more) and report.
            foreach (var result in ApplyAll(approved)) Report(result);
            if (_stop.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>
        /// Reads the hosts on up to -ThrottleLimit threads; a host that fails is reported once and left out. Ctrl+C does
        /// not abandon the wait: a plan in flight finishes, or is rolled back, before the pipeline stops, so no host is
        /// left half-changed by an interrupted cmdlet.
        /// </summary>
        private Dictionary<ApSession, (HostSnapshot Snapshot, SysfsReadResult Raw)> ReadAll(IReadOnlyList<ApSession> sessions)
        {
            var reads = new Dictionary<ApSession, (HostSnapshot, SysfsReadResult)>();
            if (sessions.Count == 0) return reads;
            var parts = Parts;
            using var fanOut = new HostFanOut(ThrottleLimit);
            foreach (var s in sessions)
            {
                var session = s;
                fanOut.Enqueue(session, () =>
                {
                    var (snapshot, raw) = HostReader.ReadWithAnswers(session.Sysfs, parts);
                    return new object[] { Remember(session, snapshot, parts), raw };
                });
            }
            string title = MyInvocation.MyCommand.Name + ": reading hosts";
            foreach (var outcome in Outcomes(fanOut, wait: true, title))
                if (Succeeded(outcome)) reads[outcome.Session] = ((HostSnapshot)outcome.Results![0], (SysfsReadResult)outcome.Results[1]);
            EndProgress(fanOut, title);
            return reads;
        }

        /// <summary>
        /// Runs the approved changes on dedicated threads (at most -ThrottleLimit at once, never the thread pool), while
        /// the pipeline thread shows each wait for a host's lock with Write-Progress and collects the results in order.
        /// </summary>
        private List<ChangeResult> ApplyAll(IReadOnlyList<HostChange> approved)
        {
            var results = new List<ChangeResult>();
            if (approved.Count == 0) return results;
            var bySession = approved.GroupBy(c => c.Session).ToList();
            var pending = new ConcurrentQueue<IGrouping<ApSession, HostChange>>(bySession);
            using var events = new BlockingCollection<object>();
            var runner = new ChangeRunner(Parts, TimeSpan.FromSeconds(LockTimeout), _stop.Token, wait => events.Add(wait));
            int workers = Math.Min(ThrottleLimit, bySession.Count);
            for (int i = 0; i < workers; i++)
            {
                new Thread(() =>
                {
                    while (pending.TryDequeue(out var group))
                        events.Add(group.Select(runner.Apply).ToList());
                }) { IsBackground = true, Name = "VfioAp apply" }.Start();
            }
            var byHost = Collect(events, bySession.Count);
            foreach (var g in bySession)
                if (byHost.TryGetValue(g.Key, out var list)) results.AddRange(list);
            return results;
        }

        /// <summary>The workers' results per host; meanwhile each wait for a host's lock is shown with Write-Progress.</summary>
        private Dictionary<ApSession, List<ChangeResult>> Collect(BlockingCollection<object> events, int hosts)
        {
            int hostsDone = 0;
            bool progressShown = false;
            string title = MyInvocation.MyCommand.Name + ": waiting for the AP configuration lock";
            var byHost = new Dictionary<ApSession, List<ChangeResult>>();
            // Ctrl+C does not abandon the workers: a wait for the lock ends at once, a plan in flight finishes or is rolled back.
            foreach (var e in events.GetConsumingEnumerable())
            {
                if (e is LockWait wait)
                {
                    progressShown = true;
                    WriteProgress(new ProgressRecord(ProgressId + 1, title, wait.ToString())
                    {
                        PercentComplete = wait.Timeout <= TimeSpan.Zero ? 0 : (int)Math.Min(100, wait.Waited.TotalMilliseconds * 100 / wait.Timeout.TotalMilliseconds),
                        SecondsRemaining = (int)Math.Max(0, (wait.Timeout - wait.Waited).TotalSeconds),
                    });
                    continue;
                }
                var list = (List<ChangeResult>)e;
                if (list.Count > 0) byHost[list[0].Change.Session] = list;
                if (++hostsDone == hosts) break;
            }
            if (progressShown) WriteProgress(new ProgressRecord(ProgressId + 1, title, "Done") { RecordType = ProgressRecordType.Completed });
            return byHost;
        }

        private void Report(ChangeResult result)
        {
            var change = result.Change;
            var host = change.Session.ComputerName;
            if (result.Outcome != null)
            {
                Report(change, result.Outcome);
                return;
            }
            if (result.NothingLeft)
            {
                WriteVerbose($"Host '{host}': planned again after another writer's change: {change.Plan.Summary}.");
                WriteOutput(change, null);
                return;
            }
            if (result.Refused is { } refused)
            {
                if (refused.Problem != null)
                    WriteError(new VfioApException(VfioApErrorId.ConcurrentChange, ErrorCategory.ResourceBusy,
                        $"Host '{host}': {refused.Problem} (changed by another writer while this change waited its turn). Nothing was written.",
                        "Read the host again (Get-VfioApMdev) and decide whether the change is still wanted.", host).ToErrorRecord(change.ErrorTarget));
                else
                    WriteRefusals(refused.Refusals, result.RefusedSnapshot!, refused.What + " (planned again after another writer's change)", change.ErrorTarget, change.Session, refused.Plan);
                return;
            }
            if (result.Conflicts != null)
            {
                WriteError(new VfioApException(VfioApErrorId.ConcurrentChange, ErrorCategory.ResourceBusy,
                    $"Host '{host}': {change.Plan.Summary}: other writers changed {string.Join(", ", result.Conflicts.Select(p => change.Session.Sysfs.Root.TrimEnd('/') + "/" + p))} " +
                    $"each time before this change got the host's AP configuration lock ({result.Attempts} tries, each planned again from a fresh read). Nothing was written.",
                    "Run the command again when the other writers are done; Get-VfioApMdev shows the host as it is now.", host).ToErrorRecord(change.ErrorTarget));
                return;
            }
            var failure = result.Failure!;
            if (failure is ApConfigLockException lockFailure)
            {
                if (lockFailure.Failure == ApConfigLockFailure.Cancelled) return;
                WriteError(LockFailure.ToException(lockFailure, change.Plan.Summary).ToErrorRecord(change.ErrorTarget));
                return;
            }
            Lost(change, failure);
        }

        /// <summary>The plan's round trip broke off: what was applied is not known, so say so and how to find out.</summary>
        private void Lost(HostChange change, Exception failure)
        {
            var host = change.Session.ComputerName;
            WriteError(new VfioApException(VfioApErrorId.WriteFailed, ErrorCategory.WriteError,
                $"Host '{host}': {change.Plan.Summary}: the round trip that writes and verifies the plan failed ({failure.GetType().Name}: {failure.Message}); " +
                "some of its writes may have been applied and none was rolled back.",
                "Read the host again (Get-VfioApMdev, Get-ApBusConfig), then run the command again: it writes only what is still missing.",
                host, null, Errno.None, failure).ToErrorRecord(change.ErrorTarget));
        }

        protected override void EndProcessing()
        {
            EndOfHosts(HostsRead);
        }

        protected override void ReleaseResources() => _stop.Dispose();

        /// <summary>The -WhatIf / -Confirm text: the plan and every write with what it does.</summary>
        private static string Describe(HostChange change)
        {
            var root = change.Session.Sysfs.Root.TrimEnd('/');
            var text = new StringBuilder();
            text.Append($"Host '{change.Session.ComputerName}': {change.Plan.Summary}:");
            foreach (var w in change.Plan.Writes)
                text.Append($"\n  echo {w.Value} > {root}/{w.Path}    # {w.Description}");
            return text.ToString();
        }

        private void Report(HostChange change, PlanOutcome outcome)
        {
            var host = change.Session.ComputerName;
            if (outcome.Succeeded)
            {
                WriteVerbose($"Host '{host}': {change.Plan.Summary}: {outcome.Plan.Steps.Count} write(s) applied and verified in {outcome.RoundTrips} round trip(s).");
                if (change.Warnings != null)
                    foreach (var w in change.Warnings(outcome)) WriteWarning(w);
                WriteOutput(change, outcome);
                return;
            }
            var failure = FailedPlan.Describe(outcome, change.Before);
            WriteError(PlanErrors.ToException(failure).ToErrorRecord(change.ErrorTarget));
            if (outcome.RollbackFailed)
                WriteError(PlanErrors.RollbackFailed(host, $"the failed change '{change.Plan.Summary}'", outcome, failure).ToErrorRecord(change.ErrorTarget));
        }

        private void WriteOutput(HostChange change, PlanOutcome? outcome)
        {
            if (change.Output is null) return;
            foreach (var o in change.Output(outcome)) WriteObject(Tag(o, change.Session));
        }

        /// <summary>A refusal found before writing: the same id the kernel's refusal would get.</summary>
        protected void WriteRefusal(MatrixFinding finding, HostSnapshot snapshot, string what, object target, string? path = null, string? value = null)
        {
            var failure = KernelRefusal.FromFinding(finding, snapshot.ComputerName, what, path, value);
            WriteError(PlanErrors.ToException(failure).ToErrorRecord(target));
        }

        /// <summary>Refusals found before writing, each naming the write the kernel would have refused where one can be named.</summary>
        private protected void WriteRefusals(IReadOnlyList<MatrixFinding> errors, HostSnapshot snapshot, string what, object target, ApSession session, WritePlan plan)
        {
            var root = session.Sysfs.Root.TrimEnd('/') + "/";
            foreach (var (finding, write) in RefusedWrite.For(errors, snapshot, target is Guid g ? g : (Guid?)null, plan))
                WriteRefusal(finding, snapshot, what, target, write is null ? null : root + write.Path, write?.Value);
        }
    }
}
