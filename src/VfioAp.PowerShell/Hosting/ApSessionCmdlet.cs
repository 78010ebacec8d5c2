using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// What a cmdlet makes of one host's snapshot. Built on the pipeline thread from the parameters of one
    /// ProcessRecord call, run on a worker thread: it must only read what it captured and the snapshot.
    /// Items that are <see cref="VfioApException"/> become that host's error records; everything else is output.
    /// </summary>
    public delegate IEnumerable<object> HostQuery(HostSnapshot snapshot, ApSession session);

    /// <summary>
    /// Base of every cmdlet that works on hosts. It takes -Session (many, from the pipeline too; default: this
    /// machine's /sys), reads each session's snapshot once per invocation with one <see cref="HostReader.Read"/>
    /// batch, fans out over sessions on up to -ThrottleLimit threads with Write-Progress, writes each host's results
    /// on the pipeline thread as soon as that host is done, turns one host's failure into one error record for that
    /// host, and tags every object with its ComputerName and Session.
    /// </summary>
    public abstract class ApSessionCmdlet : PSCmdlet, IDisposable
    {
        private static readonly string[] NoteNames = { "Session", "ComputerName" };
        private HostFanOut? _fanOut;
        private readonly Dictionary<ApSession, Lazy<HostSnapshot>> _snapshots = new Dictionary<ApSession, Lazy<HostSnapshot>>();
        private readonly HashSet<(ApSession Session, string Key)> _requests = new HashSet<(ApSession, string)>();
        private readonly HashSet<ApSession> _failedHosts = new HashSet<ApSession>();
        private readonly HashSet<ApSession> _readHosts = new HashSet<ApSession>();
        private readonly HashSet<ApSession> _warnedHosts = new HashSet<ApSession>();
        private ApSession? _implicitSession;
        private readonly int _progressId = Environment.TickCount & 0x7fff;

        /// <summary>The hosts to work on. Default: this machine's /sys.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public ApSession[]? Session { get; set; }

        /// <summary>
        /// Pipeline input: a session, or an object that carries one (every VfioAp output does). Its session is the host
        /// worked on. This exists because PowerShell binds $PSDefaultParameterValues['*-Ap*:Session'] before pipeline
        /// input and then refuses to bind -Session from the pipeline; taking the object by value keeps
        /// <c>Get-ApSession | Get-ApQueue</c> and <c>Get-VfioApMdev | Get-ApQueue</c> working with such a default.
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>How many hosts are read at the same time.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>Which parts of a host the cmdlet needs (one batch of glob reads whatever the host's size).</summary>
        protected abstract SnapshotParts Parts { get; }

        /// <summary>Captures this ProcessRecord call's parameters into a query run per host.</summary>
        protected abstract HostQuery CreateQuery();

        /// <summary>
        /// The parameters that make one ProcessRecord call differ from another (e.g. the mdev bound from the pipeline).
        /// A session already asked the same thing in this invocation is not asked again: its results would repeat.
        /// </summary>
        protected virtual string QueryKey => string.Empty;

        /// <summary>Hosts whose snapshot was read successfully in this invocation (for "not found on any host" errors).</summary>
        protected IReadOnlyCollection<ApSession> HostsRead => _readHosts;

        /// <summary>Called on the pipeline thread after every host has finished, before the cmdlet ends.</summary>
        protected virtual void EndOfHosts() { }

        protected override void BeginProcessing()
        {
            _fanOut = new HostFanOut(ThrottleLimit);
        }

        protected override void ProcessRecord()
        {
            var sessions = SessionOf(InputObject) ?? Session ?? new[] { _implicitSession ??= ApSessionFactory.CreateImplicitLocal() };
            var query = CreateQuery();
            var key = QueryKey;
            var parts = Parts;
            foreach (var session in sessions)
            {
                if (session is null) continue;
                if (session.State == ApSessionState.Closed)
                {
                    WriteError(new VfioApException(VfioApErrorId.SessionClosed, ErrorCategory.ResourceUnavailable,
                        $"Session {session.Id} '{session.Name}' ({session.ComputerName}) was removed and cannot be used.",
                        "Open a new one with New-ApSession.", session.ComputerName).ToErrorRecord(session));
                    continue;
                }
                if (!_requests.Add((session, key))) continue;
                if (!_snapshots.TryGetValue(session, out var snapshot))
                {
                    var s = session;
                    snapshot = new Lazy<HostSnapshot>(() => HostReader.Read(s.Sysfs, parts), LazyThreadSafetyMode.ExecutionAndPublication);
                    _snapshots.Add(session, snapshot);
                }
                var snap = snapshot;
                var host = session;
                _fanOut!.Enqueue(session, () => query(snap.Value, host).ToList());
            }
            Drain(wait: false);
        }

        protected override void EndProcessing()
        {
            Drain(wait: true);
            if (_fanOut!.Total > 1)
                WriteProgress(new ProgressRecord(_progressId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
            EndOfHosts();
        }

        protected override void StopProcessing()
        {
            _fanOut?.Cancel();
        }

        /// <summary>PowerShell disposes the cmdlet when the pipeline ends, also after Ctrl+C or an error.</summary>
        public void Dispose()
        {
            _fanOut?.Dispose();
            _fanOut = null;
            _implicitSession?.Dispose();
            _implicitSession = null;
        }

        private string Activity => MyInvocation.MyCommand.Name + ": reading hosts";

        /// <summary>The session a pipeline object is or carries (its Session property), or null.</summary>
        private static ApSession[]? SessionOf(PSObject? input)
        {
            if (input is null) return null;
            if (input.BaseObject is ApSession direct) return new[] { direct };
            var carried = input.Properties["Session"]?.Value;
            if (carried is PSObject wrapped) carried = wrapped.BaseObject;
            return carried is ApSession session ? new[] { session } : null;
        }

        private void Drain(bool wait)
        {
            var fanOut = _fanOut!;
            while (true)
            {
                HostOutcome? outcome;
                try
                {
                    if (!fanOut.TryTake(wait, out outcome) || outcome is null) return;
                }
                catch (OperationCanceledException)
                {
                    throw new PipelineStoppedException();
                }
                Write(outcome);
                if (fanOut.Total > 1)
                {
                    int done = fanOut.Completed, total = fanOut.Total;
                    WriteProgress(new ProgressRecord(_progressId, Activity, $"{done} of {total} hosts done; last: {outcome.Session.ComputerName}")
                    {
                        PercentComplete = Math.Min(100, done * 100 / total),
                    });
                }
            }
        }

        private void Write(HostOutcome outcome)
        {
            var session = outcome.Session;
            if (outcome.Failure is not null)
            {
                // A host that fails is reported once per invocation, however many pipeline records asked it.
                if (!_failedHosts.Add(session)) return;
                var error = HostFailure.From(outcome.Failure, session);
                WriteError(error.ToErrorRecord(session));
                return;
            }
            _readHosts.Add(session);
            // What the read could not understand (a malformed domain XML, an unreadable file): once per host and invocation.
            if (_warnedHosts.Add(session) && _snapshots.TryGetValue(session, out var read) && read.IsValueCreated)
                foreach (var warning in read.Value.Warnings)
                    WriteWarning($"Host '{session.ComputerName}': {warning}");
            foreach (var item in outcome.Results!)
            {
                if (item is VfioApException e) WriteError(e.ToErrorRecord(session));
                else WriteObject(Tag(item, session));
            }
        }

        /// <summary>
        /// Every output object carries its Session (so it pipes into the next cmdlet against the same host) and its
        /// ComputerName (the model objects have one; values such as Test-VfioApApcb's booleans get a note).
        /// </summary>
        internal static PSObject Tag(object item, ApSession session)
        {
            var pso = item is PSObject p ? p : PSObject.AsPSObject(item);
            if (pso.Properties[NoteNames[0]] is null)
                pso.Properties.Add(new PSNoteProperty(NoteNames[0], session));
            if (pso.Properties[NoteNames[1]] is null)
                pso.Properties.Add(new PSNoteProperty(NoteNames[1], session.ComputerName));
            return pso;
        }
    }
}
