using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// One planned change of one host: the plan, what it is about (for ShouldProcess and error targets), the snapshot it
    /// was planned from, and what to write to the pipeline once it has been applied and verified.
    /// </summary>
    internal sealed class HostChange
    {
        public HostChange(ApSession session, HostSnapshot before, WritePlan plan, string target, object errorTarget,
                          Func<PlanOutcome?, IEnumerable<object>>? output = null, Func<PlanOutcome, IEnumerable<string>>? warnings = null)
        {
            Session = session;
            Before = before;
            Plan = plan;
            Target = target;
            ErrorTarget = errorTarget;
            Output = output;
            Warnings = warnings;
        }

        public ApSession Session { get; }
        public HostSnapshot Before { get; }
        public WritePlan Plan { get; }
        /// <summary>What the change is about, in words: "mdev 6217… on seed".</summary>
        public string Target { get; }
        /// <summary>The ErrorRecord's target object (the mdev's UUID, the session).</summary>
        public object ErrorTarget { get; }
        /// <summary>What to write after success (the outcome is null when there was nothing to write).</summary>
        public Func<PlanOutcome?, IEnumerable<object>>? Output { get; }
        /// <summary>Warnings to give after success (e.g. adapters the kernel keeps from the guest).</summary>
        public Func<PlanOutcome, IEnumerable<string>>? Warnings { get; }
    }

    /// <summary>
    /// Base of the cmdlets that change hosts. For each pipeline record it reads every session's snapshot (in parallel,
    /// one batch each), then on the pipeline thread lets the cmdlet check and plan the change for each host — refusing
    /// bad input before anything is written — and asks ShouldProcess with every sysfs write of the plan listed
    /// (-WhatIf shows them and stops there), then applies the approved plans (in parallel, one round trip each that
    /// writes and verifies), and reports each host's outcome: the cmdlet's output, or an error record with a stable id
    /// saying which write failed with which errno, what it means, and what was applied and rolled back.
    /// Same -Session, -InputObject and -ThrottleLimit as the reading cmdlets.
    /// </summary>
    public abstract class ApChangeCmdlet : PSCmdlet, IDisposable
    {
        /// <summary>The error id of a call that names nothing to change (no ids, no masks).</summary>
        public const string NothingToChange = "VfioAp.NothingToChange";

        private ApSession? _implicitSession;
        private readonly int _progressId = Environment.TickCount & 0x7fff;

        /// <summary>The hosts to change. Default: this machine's /sys.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public ApSession[]? Session { get; set; }

        /// <summary>Pipeline input: a session, or an object that carries one; its session is the host changed (see ApSessionCmdlet).</summary>
        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>How many hosts are read and changed at the same time.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>Which parts of a host the change needs to be planned.</summary>
        protected abstract SnapshotParts Parts { get; }

        /// <summary>
        /// Checks and plans this record's change for one host, on the pipeline thread. Refusals are written here
        /// (<see cref="WriteRefusal"/>); nothing has been written to the host yet.
        /// </summary>
        private protected abstract IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session);

        /// <summary>Called on the pipeline thread after the last record, with the hosts that could be read.</summary>
        protected virtual void EndOfHosts(IReadOnlyCollection<ApSession> hostsRead) { }

        private readonly HashSet<ApSession> _readHosts = new HashSet<ApSession>();
        private readonly HashSet<ApSession> _failedHosts = new HashSet<ApSession>();

        protected override void ProcessRecord()
        {
            var sessions = (SessionOf(InputObject) ?? Session ?? new[] { _implicitSession ??= ApSessionFactory.CreateImplicitLocal() })
                .Where(s => s is not null).Distinct().ToList();
            var open = new List<ApSession>();
            foreach (var session in sessions)
            {
                if (session.State == ApSessionState.Closed)
                    WriteError(new VfioApException(VfioApErrorId.SessionClosed, ErrorCategory.ResourceUnavailable,
                        $"Session {session.Id} '{session.Name}' ({session.ComputerName}) was removed and cannot be used.",
                        "Open a new one with New-ApSession.", session.ComputerName).ToErrorRecord(session));
                else open.Add(session);
            }

            // 1. Read every host (in parallel): each plan starts from the host as it is now, not as an earlier record left it.
            var parts = Parts;
            var snapshots = Fan(open, s => new object[] { HostReader.Read(s.Sysfs, parts) }, "reading hosts")
                .ToDictionary(r => r.Session, r => (HostSnapshot)r.Results![0]);

            // 2. Check and plan on the pipeline thread; ask before writing.
            var approved = new List<HostChange>();
            foreach (var session in open)
            {
                if (!snapshots.TryGetValue(session, out var snapshot)) continue;
                _readHosts.Add(session);
                foreach (var change in Plan(snapshot, session))
                {
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

            // 3. Apply (in parallel, one round trip per plan unless a rollback is needed) and report.
            var applied = Fan(approved.Select(c => c.Session).Distinct().ToList(), s =>
                    approved.Where(c => c.Session == s).Select(c => (object)Apply(c)).ToList(),
                "writing");
            foreach (var host in applied)
                foreach (var item in host.Results!)
                {
                    var (change, outcome, failure) = ((HostChange, PlanOutcome?, Exception?))item;
                    if (outcome != null) Report(change, outcome);
                    else Lost(change, failure!);
                }
        }

        /// <summary>Applies one plan; a transport that throws (a lost SSH connection) leaves the outcome unknown.</summary>
        private static (HostChange, PlanOutcome?, Exception?) Apply(HostChange change)
        {
            try
            {
                return (change, PlanRunner.Apply(change.Session.Sysfs, change.Plan), null);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return (change, null, ex);
            }
        }

        /// <summary>The plan's round trip broke off: what was applied is not known, so say so and how to find out.</summary>
        private void Lost(HostChange change, Exception failure)
        {
            var host = change.Session.ComputerName;
            WriteError(new VfioApException("VfioAp." + RefusalCode.WriteFailed, ErrorCategory.WriteError,
                $"Host '{host}': {change.Plan.Summary}: the round trip that writes and verifies the plan failed ({failure.GetType().Name}: {failure.Message}); " +
                "some of its writes may have been applied and none was rolled back.",
                "Read the host again (Get-VfioApMdev, Get-ApBusConfig), then run the command again: it writes only what is still missing.",
                host, null, Errno.None, failure).ToErrorRecord(change.ErrorTarget));
        }

        protected override void EndProcessing()
        {
            EndOfHosts(_readHosts);
        }

        /// <summary>PowerShell disposes the cmdlet when the pipeline ends, also after Ctrl+C or an error.</summary>
        public void Dispose()
        {
            _implicitSession?.Dispose();
            _implicitSession = null;
        }

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
            var failure = KernelRefusal.Describe(outcome, change.Before);
            WriteError(ToException(failure).ToErrorRecord(change.ErrorTarget));
            if (outcome.RollbackFailed)
                WriteError(new VfioApException("VfioAp." + RefusalCode.RollbackFailed, ErrorCategory.WriteError,
                    $"Host '{host}': the rollback after the failed change '{change.Plan.Summary}' did not bring the host back: " +
                    string.Join("; ", outcome.Rollback.Where(r => !r.Applied)) + (outcome.RestoreProblem is null ? "" : "; now " + outcome.RestoreProblem),
                    KernelRefusal.Advise(RefusalCode.RollbackFailed, null, null), host, failure.Path, failure.Errno).ToErrorRecord(change.ErrorTarget));
        }

        private void WriteOutput(HostChange change, PlanOutcome? outcome)
        {
            if (change.Output is null) return;
            foreach (var o in change.Output(outcome)) WriteObject(ApSessionCmdlet.Tag(o, change.Session));
        }

        /// <summary>A refusal found before writing: the same id the kernel's refusal would get.</summary>
        protected void WriteRefusal(MatrixFinding finding, HostSnapshot snapshot, string what, object target, string? path = null, string? value = null)
        {
            var failure = KernelRefusal.FromFinding(finding, snapshot.ComputerName, what, path, value);
            WriteError(ToException(failure).ToErrorRecord(target));
        }

        /// <summary>
        /// Refusals found before writing, each naming the write the kernel would have refused where one can be named:
        /// for a matrix, the first write of the plan that would fail with the finding's errno; for create, exists and
        /// instances, the create attribute; for a bus mask, the mask's write.
        /// </summary>
        private protected void WriteRefusals(IReadOnlyList<MatrixFinding> errors, HostSnapshot snapshot, string what, object target, ApSession session, WritePlan plan)
        {
            var root = session.Sysfs.Root.TrimEnd('/') + "/";
            Guid? mdev = target is Guid g ? g : (Guid?)null;
            var refused = mdev.HasValue ? KernelRefusal.FirstRefusedWrite(snapshot, mdev.Value, plan) : null;
            foreach (var e in errors)
            {
                SysfsWrite? write = null;
                if (refused is { } r && r.Errno == e.KernelErrno) write = r.Write;
                else if (e.Code is MatrixFindingCode.MdevExists or MatrixFindingCode.NoInstancesLeft)
                    write = plan.Writes.FirstOrDefault(w => w.Path == SysfsLayout.MdevCreate);
                else if (e.Attribute != null)
                    write = plan.Writes.FirstOrDefault(w => SysfsLayout.LastSegment(w.Path) == e.Attribute);
                WriteRefusal(e, snapshot, what, target, write is null ? null : root + write.Path, write?.Value);
            }
        }

        internal static VfioApException ToException(PlanFailure failure) =>
            new VfioApException(failure.ErrorId, CategoryOf(failure.Category), failure.Message, failure.RecommendedAction,
                failure.Host, failure.Path, failure.Errno);

        private static ErrorCategory CategoryOf(FailureCategory category) =>
            Enum.TryParse<ErrorCategory>(category.ToString(), out var c) ? c : ErrorCategory.NotSpecified;

        /// <summary>
        /// Runs work per session on up to -ThrottleLimit threads; a host that fails is reported once and left out.
        /// Ctrl+C does not abandon the wait: a plan in flight finishes, or is rolled back, before the pipeline stops,
        /// so no host is left half-changed by an interrupted cmdlet.
        /// </summary>
        private List<HostOutcome> Fan(IReadOnlyList<ApSession> sessions, Func<ApSession, IReadOnlyList<object>> work, string activity)
        {
            var results = new List<HostOutcome>();
            if (sessions.Count == 0) return results;
            using var fanOut = new HostFanOut(ThrottleLimit);
            foreach (var s in sessions)
            {
                var session = s;
                fanOut.Enqueue(session, () => work(session));
            }
            string title = MyInvocation.MyCommand.Name + ": " + activity;
            while (true)
            {
                HostOutcome? outcome;
                try
                {
                    if (!fanOut.TryTake(wait: true, out outcome) || outcome is null) break;
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                if (outcome.Failure is not null)
                {
                    if (_failedHosts.Add(outcome.Session)) WriteError(HostFailure.From(outcome.Failure, outcome.Session).ToErrorRecord(outcome.Session));
                }
                else results.Add(outcome);
                if (fanOut.Total > 1)
                    WriteProgress(new ProgressRecord(_progressId, title, $"{fanOut.Completed} of {fanOut.Total} hosts done; last: {outcome.Session.ComputerName}")
                    {
                        PercentComplete = Math.Min(100, fanOut.Completed * 100 / fanOut.Total),
                    });
            }
            if (fanOut.Total > 1) WriteProgress(new ProgressRecord(_progressId, title, "Done") { RecordType = ProgressRecordType.Completed });
            // Keep the order the sessions were given in.
            var order = sessions.Select((session, i) => (session, i)).ToDictionary(x => x.session, x => x.i);
            return results.OrderBy(r => order[r.Session]).ToList();
        }

        /// <summary>The session a pipeline object is or carries (its Session property), or null.</summary>
        private static ApSession[]? SessionOf(PSObject? input)
        {
            if (input is null) return null;
            if (input.BaseObject is ApSession direct) return new[] { direct };
            var carried = input.Properties["Session"]?.Value;
            if (carried is PSObject wrapped) carried = wrapped.BaseObject;
            return carried is ApSession session ? new[] { session } : null;
        }
    }
}
