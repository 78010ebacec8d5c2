using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;
using VfioAp.PowerShell.Threading;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// What a cmdlet makes of one host's snapshot. Built on the pipeline thread from the parameters of one
    /// ProcessRecord call, run on a worker thread: it must only read what it captured and the snapshot.
    /// Items that are <see cref="VfioApException"/> become that host's error records; everything else is output.
    /// </summary>
    public delegate IEnumerable<object> HostQuery(HostSnapshot snapshot, ApSession session);

    /// <summary>
    /// Base of every cmdlet that reads hosts. It reads each session's snapshot once per invocation with one
    /// <see cref="HostReader.Read"/> batch, fans out over sessions on up to -ThrottleLimit threads with Write-Progress,
    /// writes each host's results on the pipeline thread as soon as that host is done, turns one host's failure into
    /// one error record for that host, and tags every object with its ComputerName and Session.
    /// </summary>
    public abstract class ApSessionCmdlet : ParallelHostCmdlet
    {
        private WorkerFanOut<ApSession, IReadOnlyList<object>>? _fanOut;
        private readonly Dictionary<ApSession, Lazy<HostSnapshot>> _snapshots = new Dictionary<ApSession, Lazy<HostSnapshot>>();
        private readonly HashSet<(ApSession Session, string Key)> _requests = new HashSet<(ApSession, string)>();
        private readonly HashSet<ApSession> _warnedHosts = new HashSet<ApSession>();

        /// <summary>Which parts of a host the cmdlet needs (one batch of glob reads whatever the host's size).</summary>
        protected abstract SnapshotParts Parts { get; }

        /// <summary>Captures this ProcessRecord call's parameters into a query run per host.</summary>
        protected abstract HostQuery CreateQuery();

        /// <summary>
        /// The parameters that make one ProcessRecord call differ from another (e.g. the mdev bound from the pipeline).
        /// A session already asked the same thing in this invocation is not asked again: its results would repeat.
        /// </summary>
        protected virtual string QueryKey => string.Empty;

        /// <summary>Part of <see cref="QueryKey"/>: the mdev UUIDs of this call (-Mdev/-Uuid, often bound from the pipeline).</summary>
        protected static string MdevKey(Guid[]? mdevs) => mdevs is null ? "" : string.Join(",", mdevs.Select(u => u.ToString("D")));

        /// <summary>
        /// Reads one host's snapshot (on a worker thread). A cmdlet that needs more of the host overrides it to read
        /// that in the same one batch (e.g. the persistent boot state with <see cref="BootStateFiles.Read"/>).
        /// </summary>
        protected virtual HostSnapshot ReadSnapshot(ApSession session, SnapshotParts parts) => HostReader.Read(session.Sysfs, parts);

        /// <summary>Called on the pipeline thread after every host has finished, before the cmdlet ends.</summary>
        protected virtual void EndOfHosts() { }

        protected override void BeginProcessing()
        {
            _fanOut = new WorkerFanOut<ApSession, IReadOnlyList<object>>(ThrottleLimit, "VfioAp host read");
        }

        protected override void ProcessRecord()
        {
            var query = CreateQuery();
            var key = QueryKey;
            var parts = Parts;
            foreach (var session in SessionsOfRecord())
            {
                if (!IsOpen(session) || !_requests.Add((session, key))) continue;
                if (!_snapshots.TryGetValue(session, out var snapshot))
                {
                    var s = session;
                    snapshot = new Lazy<HostSnapshot>(() => Remember(s, ReadSnapshot(s, parts), parts), LazyThreadSafetyMode.ExecutionAndPublication);
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
            EndProgress(_fanOut!, Activity);
            EndOfHosts();
        }

        protected override void StopProcessing()
        {
            _fanOut?.Cancel();
        }

        protected override void ReleaseResources()
        {
            _fanOut?.Dispose();
            _fanOut = null;
        }

        private string Activity => MyInvocation.MyCommand.Name + ": reading hosts";

        private void Drain(bool wait)
        {
            foreach (var outcome in Outcomes(_fanOut!, wait, Activity))
                if (Succeeded(outcome)) Write(outcome);
        }

        private void Write(FanOutResult<ApSession, IReadOnlyList<object>> outcome)
        {
            var session = outcome.Key;
            // What the read could not understand (a malformed domain XML, an unreadable file): once per host and invocation.
            if (_warnedHosts.Add(session) && _snapshots.TryGetValue(session, out var read) && read.IsValueCreated)
                foreach (var warning in read.Value.Warnings)
                    WriteWarning($"Host '{session.ComputerName}': {warning}");
            foreach (var item in outcome.Value)
            {
                if (item is VfioApException e) WriteError(e.ToErrorRecord(session));
                else if (item is HostWarning w) WriteWarning($"Host '{session.ComputerName}': {w.Text}");
                else WriteObject(Tag(item, session));
            }
        }
    }
}
