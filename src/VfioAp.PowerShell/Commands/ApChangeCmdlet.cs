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

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// One planned change of one host: the plan, what it is about (for ShouldProcess and error targets), the snapshot it
    /// was planned from, and what to write to the pipeline once it has been applied and verified.
    /// </summary>
    internal sealed class HostChange
    {
        public HostChange(ApSession session, HostSnapshot before, WritePlan plan, string target, object errorTarget,
                          Func<PlanOutcome?, IEnumerable<object>>? output = null, Func<PlanOutcome, IEnumerable<string>>? warnings = null,
                          Func<HostSnapshot, Replanned>? replan = null)
        {
            Replan = replan;
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
        /// <summary>Checks and plans the same change again from a fresh snapshot (after a conflict); pure, runs off the pipeline thread.</summary>
        public Func<HostSnapshot, Replanned>? Replan { get; }
        /// <summary>The raw answers <see cref="Before"/> was built from: the plan's preconditions are taken from them.</summary>
        public SysfsReadResult? Read { get; private set; }

        internal HostChange WithRead(SysfsReadResult? read)
        {
            Read = read;
            return this;
        }

        /// <summary>The same change, planned again from a fresh read.</summary>
        public HostChange With(WritePlan plan, HostSnapshot before, SysfsReadResult read) =>
            new HostChange(Session, before, plan, Target, ErrorTarget, Output, Warnings, Replan) { Read = read };
    }

    /// <summary>A change checked and planned again from a fresh read: the new plan, or why it is refused now.</summary>
    internal sealed class Replanned
    {
        public Replanned(WritePlan plan, IReadOnlyList<MatrixFinding> refusals, string what)
        {
            Plan = plan;
            Refusals = refusals;
            What = what;
        }

        /// <summary>The target is gone (the mdev was removed meanwhile): why, in words.</summary>
        public static Replanned Gone(string problem) => new Replanned(new WritePlan(problem, Array.Empty<PlanStep>(), SnapshotParts.Mdevs, _ => null), Array.Empty<MatrixFinding>(), problem) { Problem = problem };

        public WritePlan Plan { get; }
        public IReadOnlyList<MatrixFinding> Refusals { get; }
        public string What { get; }
        public string? Problem { get; private set; }
    }

    /// <summary>What became of one approved change on its worker thread.</summary>
    internal sealed class ChangeResult
    {
        public ChangeResult(HostChange change) => Change = change;
        /// <summary>The change as last planned (after re-plans).</summary>
        public HostChange Change { get; set; }
        public PlanOutcome? Outcome { get; set; }
        public Exception? Failure { get; set; }
        /// <summary>Conflicts on every try: the paths that changed, and how many tries.</summary>
        public IReadOnlyList<string>? Conflicts { get; set; }
        public int Attempts { get; set; }
        /// <summary>Refused when planned again from a fresh read.</summary>
        public Replanned? Refused { get; set; }
        public HostSnapshot? RefusedSnapshot { get; set; }
        /// <summary>Planned again, nothing was left to write (someone else made the same change).</summary>
        public bool NothingLeft { get; set; }
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

        /// <summary>Seconds to wait for the host's AP configuration lock while another process holds it (0: do not wait).</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeout { get; set; } = 30;

        /// <summary>How often a change is planned again from a fresh read when another writer changed what it depends on first.</summary>
        internal const int MaxAttempts = 5;

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
            var queries = HostReader.QueriesFor(parts);
            var reads = Fan(open, s =>
                {
                    var raw = s.Sysfs.ReadMany(queries);
                    return new object[] { HostReader.Build(s.Sysfs.HostName, s.Sysfs.Root, raw, parts), raw };
                }, "reading hosts")
                .ToDictionary(r => r.Session, r => r.Results!);
            var snapshots = reads.ToDictionary(r => r.Key, r => (HostSnapshot)r.Value[0]);

            // 2. Check and plan on the pipeline thread; ask before writing.
            var approved = new List<HostChange>();
            foreach (var session in open)
            {
                if (!snapshots.TryGetValue(session, out var snapshot)) continue;
                _readHosts.Add(session);
                foreach (var planned in Plan(snapshot, session))
                {
                    var change = planned.WithRead((SysfsReadResult)reads[session][1]);
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
            var timeout = TimeSpan.FromSeconds(LockTimeout);
            var cancel = _stop.Token;
            var parts = Parts;
            int workers = Math.Min(ThrottleLimit, bySession.Count);
            for (int i = 0; i < workers; i++)
            {
                new Thread(() =>
                {
                    while (pending.TryDequeue(out var group))
                    {
                        var done = group.Select(c => Apply(c, parts, timeout, cancel, wait => events.Add(wait))).ToList();
                        events.Add(done);
                    }
                }) { IsBackground = true, Name = "VfioAp apply" }.Start();
            }
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
                    WriteProgress(new ProgressRecord(_progressId + 1, title, wait.ToString())
                    {
                        PercentComplete = wait.Timeout <= TimeSpan.Zero ? 0 : (int)Math.Min(100, wait.Waited.TotalMilliseconds * 100 / wait.Timeout.TotalMilliseconds),
                        SecondsRemaining = (int)Math.Max(0, (wait.Timeout - wait.Waited).TotalSeconds),
                    });
                    continue;
                }
                var list = (List<ChangeResult>)e;
                if (list.Count > 0) byHost[list[0].Change.Session] = list;
                if (++hostsDone == bySession.Count) break;
            }
            if (progressShown) WriteProgress(new ProgressRecord(_progressId + 1, title, "Done") { RecordType = ProgressRecordType.Completed });
            foreach (var g in bySession)
                if (byHost.TryGetValue(g.Key, out var list)) results.AddRange(list);
            return results;
        }

        /// <summary>
        /// Applies one change under the host's lock. When the host changed since the read it was planned from (another
        /// writer got the lock first), it is checked and planned again from the fresh read made under the lock, and
        /// tried again after a short random pause, up to <see cref="MaxAttempts"/> times. A transport that throws (a
        /// lost SSH connection, a lock that cannot be taken) leaves the outcome to the exception.
        /// </summary>
        private static ChangeResult Apply(HostChange change, SnapshotParts parts, TimeSpan lockTimeout, CancellationToken cancel, Action<LockWait> waiting)
        {
            var result = new ChangeResult(change);
            var changed = new List<string>();
            var jitter = new Random(Guid.NewGuid().GetHashCode());
            for (int attempt = 1; ; attempt++)
            {
                var current = result.Change;
                result.Attempts = attempt;
                PlanOutcome outcome;
                IDisposable? held = null;
                try
                {
                    // After a conflict, a host this process reaches itself (a sysfs tree, a simulation) is held locked
                    // while it is read again, planned again and written, so nobody gets in between and the run cannot
                    // conflict again. Over SSH the lock lives in the remote shell of one command: the next try there
                    // uses the read made under the lock in the conflicting round trip.
                    if (attempt > 1 && (held = HoldLocally(current.Session, lockTimeout, cancel, waiting)) != null)
                    {
                        var sysfs = current.Session.Sysfs;
                        var raw = sysfs.ReadMany(HostReader.QueriesFor(parts));
                        var fresh = HostReader.Build(sysfs.HostName, sysfs.Root, raw, parts);
                        var replanned = current.Replan!(fresh);
                        if (replanned.Problem != null || replanned.Refusals.Count > 0)
                        {
                            result.Refused = replanned;
                            result.RefusedSnapshot = fresh;
                            return result;
                        }
                        result.Change = current = current.With(replanned.Plan, fresh, raw);
                        if (replanned.Plan.IsEmpty)
                        {
                            result.NothingLeft = true;
                            return result;
                        }
                    }
                    var options = new PlanRunOptions
                    {
                        Preconditions = current.Read is null ? Array.Empty<SysfsPrecondition>() : SysfsPrecondition.From(current.Plan.DependsOn, current.Read),
                        LockTimeout = lockTimeout,
                        Cancel = cancel,
                        Waiting = waiting,
                        ReadParts = parts,
                    };
                    outcome = PlanRunner.Apply(current.Session.Sysfs, current.Plan, options);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    result.Failure = ex;
                    return result;
                }
                finally
                {
                    held?.Dispose();
                }
                if (!outcome.IsConflict)
                {
                    result.Outcome = outcome;
                    return result;
                }
                foreach (var path in outcome.Run.Conflicts!) if (!changed.Contains(path)) changed.Add(path);
                if (attempt >= MaxAttempts || outcome.AfterRun is null || outcome.AfterRead is null || current.Replan is null)
                {
                    result.Conflicts = changed;
                    return result;
                }
                var again = current.Replan(outcome.AfterRun);
                if (again.Problem != null || again.Refusals.Count > 0)
                {
                    result.Refused = again;
                    result.RefusedSnapshot = outcome.AfterRun;
                    return result;
                }
                result.Change = current.With(again.Plan, outcome.AfterRun, outcome.AfterRead);
                if (again.Plan.IsEmpty)
                {
                    result.NothingLeft = true;
                    return result;
                }
                // A short random pause, longer with each try, so writers that keep meeting do not stay in step.
                if (cancel.WaitHandle.WaitOne(jitter.Next(0, 4 * attempt + 1)))
                {
                    result.Failure = ApConfigLockException.Stopped(current.Session.ComputerName, "", 0);
                    return result;
                }
            }
        }

        /// <summary>The host's lock held by this process, for transports it reaches itself; null over SSH.</summary>
        private static IDisposable? HoldLocally(ApSession session, TimeSpan timeout, CancellationToken cancel, Action<LockWait> waiting) => session.Sysfs switch
        {
            LocalSysfs local => ApConfigLock.Acquire(session.ComputerName, local.LockPath, timeout, cancel, waiting),
            Core.Simulation.SimulatedSysfs sim => SimulatedHostLock.For(sim.Kernel).Acquire(session.ComputerName, timeout, cancel, waiting),
            _ => null,
        };

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
            _stop.Dispose();
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
            var failure = FailedPlan.Describe(outcome, change.Before);
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
            var refused = mdev.HasValue ? PlanReplay.FirstRefusedWrite(snapshot, mdev.Value, plan) : null;
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
