using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using VfioAp.Core.Changes;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;
using VfioAp.PowerShell.Threading;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of the cmdlets that change hosts. For each pipeline record it reads every session's snapshot (in parallel,
    /// one batch each), then on the pipeline thread lets the cmdlet check and plan the change for each host — refusing
    /// bad input before anything is written — and asks ShouldProcess with every step of the plan listed (-WhatIf shows
    /// them and stops there), then hands the approved plans to the change engine (in parallel, one engine per host),
    /// and reports each host's outcome: the cmdlet's output, or an error record with a stable id saying which step
    /// failed with which errno, what it means, and what was applied and rolled back.
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

        /// <summary>
        /// True for a cmdlet whose change takes crypto from guests only as a side effect (unbind, config or online off,
        /// a bus mask): a running guest's loss is then refused unless <see cref="LossAccepted"/>. A cmdlet whose intent
        /// is the loss (Set-VfioApMatrix -Remove, Remove-VfioApMdev) shows it and goes on.
        /// </summary>
        private protected virtual bool LossIsSideEffect => false;

        /// <summary>-Force where the cmdlet has it: the admin accepts a running guest's loss.</summary>
        private protected virtual bool LossAccepted => false;

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
                    // What the plan does to each guest, from the snapshot it was planned from, before anything is written.
                    change = change.WithImpact(GuestImpactPreview.Of(change.Before, change.Plan, out var problem));
                    if (problem != null) WriteWarning($"Host '{session.ComputerName}': {problem}");
                    if (!ShouldProcess(Describe(change), $"{change.Plan.Summary} on host '{session.ComputerName}'?", MyInvocation.MyCommand.Name))
                        continue;
                    var losing = change.Impact?.RunningGuestsLosingCrypto.ToList();
                    if (LossIsSideEffect && !LossAccepted && losing is { Count: > 0 })
                    {
                        WriteError(GuestImpactPreview.Refusal(session.ComputerName, change.Plan.Summary, losing).ToErrorRecord(change.ErrorTarget));
                        continue;
                    }
                    approved.Add(change);
                }
            }
            // 3. Apply (in parallel, one engine per host) and report.
            foreach (var (change, result) in ApplyAll(approved)) Report(change, result);
            if (_stop.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>Reads the hosts on up to -ThrottleLimit threads; a host that fails is reported once and left out.</summary>
        private Dictionary<ApSession, (HostSnapshot Snapshot, SysfsReadResult Raw)> ReadAll(IReadOnlyList<ApSession> sessions)
        {
            var reads = new Dictionary<ApSession, (HostSnapshot, SysfsReadResult)>();
            if (sessions.Count == 0) return reads;
            // The guest impact replays the plan on a copy of the host: it needs the cards, queue states and VMs too.
            var parts = Parts | GuestImpactPreview.Parts;
            using var fanOut = new WorkerFanOut<ApSession, (HostSnapshot Snapshot, SysfsReadResult Raw)>(ThrottleLimit, "VfioAp host read");
            foreach (var s in sessions)
            {
                var session = s;
                fanOut.Enqueue(session, () =>
                {
                    var (snapshot, raw) = HostReader.ReadWithAnswers(session.Sysfs, parts);
                    return (Remember(session, snapshot, parts), raw);
                });
            }
            string title = MyInvocation.MyCommand.Name + ": reading hosts";
            foreach (var outcome in Outcomes(fanOut, wait: true, title))
                if (Succeeded(outcome)) reads[outcome.Key] = outcome.Value;
            EndProgress(fanOut, title);
            return reads;
        }

        /// <summary>
        /// Runs the approved changes through the change engine, one host per worker (at most -ThrottleLimit at once,
        /// never the thread pool), while the pipeline thread shows each wait for a host's lock with Write-Progress. Ctrl+C
        /// does not abandon the workers: a wait for the lock ends at once, a plan in flight finishes or is rolled back, so
        /// no host is left half-changed by an interrupted cmdlet.
        /// </summary>
        private List<(HostChange Change, ChangeResult Result)> ApplyAll(IReadOnlyList<HostChange> approved)
        {
            var results = new List<(HostChange, ChangeResult)>();
            if (approved.Count == 0) return results;
            var bySession = approved.GroupBy(c => c.Session).ToList();
            var timeout = TimeSpan.FromSeconds(LockTimeout);
            bool progressShown = false;
            string title = MyInvocation.MyCommand.Name + ": waiting for the AP configuration lock";
            using var fanOut = new WorkerFanOut<ApSession, List<(HostChange, ChangeResult)>>(ThrottleLimit, "VfioAp apply");
            foreach (var group in bySession)
            {
                var changes = group.ToList();
                var engine = new ChangeEngine(group.Key.Reach.Changes, Parts, timeout, _stop.Token,
                    wait => fanOut.Post(() => { progressShown = true; ShowWait(title, wait); }));
                fanOut.Enqueue(group.Key, () => changes.Select(c => (c, engine.Apply(c.Planned))).ToList());
            }
            var byHost = new Dictionary<ApSession, List<(HostChange, ChangeResult)>>();
            while (fanOut.TryTake(wait: true, out var done))
                if (done!.Failure is null) byHost[done.Key] = done.Value;
                else WriteError(done.Key.FailureOf(done.Failure).ToErrorRecord(done.Key));
            if (progressShown) WriteProgress(LockWaitProgress.Done(ProgressId + 1, title));
            foreach (var g in bySession)
                if (byHost.TryGetValue(g.Key, out var list)) results.AddRange(list);
            return results;
        }

        private void ShowWait(string title, LockWait wait) => WriteProgress(LockWaitProgress.Of(ProgressId + 1, title, wait));

        private void Report(HostChange change, ChangeResult result)
        {
            var host = change.Session.ComputerName;
            var plan = result.Change.Plan;
            if (result.Outcome is { Succeeded: true } outcome)
            {
                WriteVerbose($"Host '{host}': {plan.Summary}: {plan.Steps.Count} write(s) applied and verified in {outcome.RoundTrips} round trip(s).");
                if (change.Warnings != null)
                    foreach (var w in change.Warnings(outcome)) WriteWarning(w);
                WriteOutput(change, outcome);
                return;
            }
            if (result.NothingLeft)
            {
                WriteVerbose($"Host '{host}': planned again after another writer's change: {plan.Summary}.");
                WriteOutput(change, null);
                return;
            }
            var errors = ChangeFailure.Of(result, host, change.Session.Sysfs.Root, plan.Summary, change.ErrorTarget as Guid?, out _);
            foreach (var e in errors) WriteError(e.ToErrorRecord(change.ErrorTarget));
        }

        protected override void EndProcessing()
        {
            EndOfHosts(HostsRead);
        }

        protected override void ReleaseResources() => _stop.Dispose();

        /// <summary>The -WhatIf / -Confirm text: the plan and each of its steps as the shell command an admin would type, with what it does.</summary>
        private static string Describe(HostChange change)
        {
            var root = change.Session.Sysfs.Root;
            var text = new StringBuilder();
            text.Append($"Host '{change.Session.ComputerName}': {change.Plan.Summary}:");
            foreach (var step in change.Plan.Steps)
                text.Append($"\n  {step.ShellForm(root)}    # {step.Description}");
            text.Append(GuestImpactPreview.Describe(change.Impact));
            return text.ToString();
        }

        private void WriteOutput(HostChange change, PlanOutcome? outcome)
        {
            if (change.Output is null) return;
            foreach (var o in change.Output(outcome)) WriteObject(GuestImpactPreview.Attach(Tag(o, change.Session), change.Impact));
        }

        /// <summary>
        /// A change of the host as a whole (its bus masks, cards, queues) planned by one pure function of a snapshot:
        /// refused before anything is written when the host would refuse it, else one change whose re-plan after another
        /// writer's change is that same function. <paramref name="output"/> gets the host as read after the change.
        /// </summary>
        private protected IEnumerable<HostChange> HostWide(HostSnapshot snapshot, ApSession session, Func<HostSnapshot, Replanned> planFor, string target,
                                                         Func<HostSnapshot, IEnumerable<object>>? output, Func<PlanOutcome, IEnumerable<string>>? warnings = null)
        {
            var first = planFor(snapshot);
            if (first.Refusals.Count > 0)
            {
                WriteRefusals(first.Refusals, snapshot, first.Plan.Summary, session, session, first.Plan);
                return Array.Empty<HostChange>();
            }
            return new[]
            {
                new HostChange(session, snapshot, first.Plan, target, session,
                    output: output is null ? null : outcome => output(outcome?.After ?? snapshot), warnings: warnings, replan: planFor),
            };
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
            foreach (var e in ChangeFailure.Refusals(errors, snapshot, what, session.Sysfs.Root, target is Guid g ? g : (Guid?)null, plan))
                WriteError(e.ToErrorRecord(target));
        }
    }
}
