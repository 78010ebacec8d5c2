using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// What Export-, Import- and Compare-VfioApMdev share: the hosts of the invocation (sessions, or this machine),
    /// one snapshot read per host, and the host's mdevctl directory (local, under -MdevctlRoot, or through the
    /// session's shell). Hosts are handled one after the other on the pipeline thread, so -WhatIf and -Confirm ask
    /// about each file and each mdev in order.
    /// </summary>
    public abstract class MdevPersistenceCmdlet : HostCmdlet
    {
        private readonly List<ApSession> _sessions = new List<ApSession>();

        /// <summary>mdevctl's root on the host, as mdevctl's MDEVCTL_ENV_ROOT: definitions live in &lt;root&gt;/etc/mdevctl.d. Default /.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? MdevctlRoot { get; set; }

        /// <summary>Remembers the hosts named by this pipeline record (in order, once each) and returns them.</summary>
        protected IReadOnlyList<ApSession> Collect()
        {
            var list = SessionsOfRecord();
            foreach (var s in list)
                if (!_sessions.Contains(s)) _sessions.Add(s);
            return list;
        }

        /// <summary>Every host named so far, in first-seen order.</summary>
        protected IReadOnlyList<ApSession> AllSessions => _sessions;

        private readonly Dictionary<ApSession, SysfsReadResult> _reads = new Dictionary<ApSession, SysfsReadResult>();

        /// <summary>The raw answers of the last <see cref="ReadHost"/> of a session (what its snapshot was built from).</summary>
        protected SysfsReadResult? LastRead(ApSession session) => _reads.TryGetValue(session, out var r) ? r : null;

        /// <summary>One read of the host, or null after writing the host's error record.</summary>
        protected HostSnapshot? ReadHost(ApSession session, SnapshotParts parts)
        {
            if (!IsOpen(session)) return null;
            try
            {
                WriteVerbose($"{session.ComputerName}: reading {parts} in one batch");
                // The raw answers are kept: a change planned from this read re-checks them under the host's lock.
                var (snapshot, raw) = HostReader.ReadWithAnswers(session.Sysfs, parts);
                _reads[session] = raw;
                return Remember(session, snapshot, parts);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                WriteError(session.FailureOf(ex).ToErrorRecord(session));
                return null;
            }
        }

        /// <summary>
        /// mdevctl's directory on the session's host: through the session's shell when its transport has one (SSH),
        /// else this machine's file system under -MdevctlRoot (default / for this machine's own /sys; a sysfs tree at
        /// &lt;dir&gt;/sys implies &lt;dir&gt;). A simulated host has no files of its own: it needs -MdevctlRoot.
        /// Null after writing an error record.
        /// </summary>
        protected IMdevctlConfigFiles? ConfigFilesFor(ApSession session)
        {
            string? root = MdevctlRoot is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(MdevctlRoot);
            // A session's host root (New-ApSession -HostRoot, or a tree at <dir>/sys) implies mdevctl's directory under it.
            string shellRoot = MdevctlRoot ?? session.Reach.HostRoot ?? "/";
            // Over SSH the definitions are read through the host's own shell; they are written by the change engine's plan.
            if (session.Reach.ShellFiles is { } shellFiles) return shellFiles(shellRoot);
            if (root is null && session.Kind == ApSessionKind.SysfsRoot && session.Reach.HostRoot is string hr) root = hr;
            switch (session.Kind)
            {
                case ApSessionKind.Local:
                    return new LocalMdevctlConfigFiles(root ?? "/", session.ComputerName);
                case ApSessionKind.SysfsRoot when root is null && session.SysfsRoot is string sr && sr.TrimEnd('/').EndsWith("/sys", StringComparison.Ordinal):
                    var parent = sr.TrimEnd('/');
                    return new LocalMdevctlConfigFiles(parent.Substring(0, parent.Length - 4) is { Length: > 0 } p ? p : "/", session.ComputerName);
                case ApSessionKind.Ssh:
                    // Never this machine's files for a remote host: that would persist the definitions on the wrong machine.
                    WriteError(new VfioApException(PersistenceErrorId.MdevctlRootRequired, ErrorCategory.NotImplemented,
                        $"Host '{session.ComputerName}': this session's transport cannot run commands on the host, so mdevctl's directory there cannot be reached.",
                        "Export with -Path and copy the files to /etc/mdevctl.d/matrix on the host, or import them with Import-VfioApMdev -Path.",
                        session.ComputerName).ToErrorRecord(session));
                    return null;
                default:
                    if (root is not null) return new LocalMdevctlConfigFiles(root, session.ComputerName);
                    WriteError(new VfioApException(PersistenceErrorId.MdevctlRootRequired, ErrorCategory.InvalidArgument,
                        $"Host '{session.ComputerName}' is a {(session.Kind == ApSessionKind.Simulation ? "simulated host" : "sysfs tree")} with no /etc/mdevctl.d of its own, and this machine's is not its.",
                        "Give -MdevctlRoot <directory> (definitions go to <directory>/etc/mdevctl.d, mdevctl's layout), or export with -Path and copy the files.",
                        session.ComputerName).ToErrorRecord(session));
                    return null;
            }
        }

        /// <summary>
        /// Runs one change through the change engine on the pipeline thread (these cmdlets handle hosts one after the
        /// other, so -Confirm asks in order), showing each wait for the host's lock with Write-Progress.
        /// </summary>
        private protected ChangeResult RunChange(ApSession session, PlannedChange change, SnapshotParts parts, int lockTimeoutSeconds, CancellationToken cancel)
        {
            string title = MyInvocation.MyCommand.Name + ": waiting for the AP configuration lock";
            bool shown = false;
            var engine = new ChangeEngine(session.Reach.Changes, parts, TimeSpan.FromSeconds(lockTimeoutSeconds), cancel, wait =>
            {
                shown = true;
                WriteProgress(LockWaitProgress.Of(ProgressId, title, wait));
            });
            var result = engine.Apply(change);
            if (shown) WriteProgress(LockWaitProgress.Done(ProgressId, title));
            return result;
        }

        private int ProgressId { get; } = Environment.TickCount & 0x7fff;

        protected void WriteDefinitionError(PersistenceException ex, ApSession? session, string id = PersistenceErrorId.DefinitionInvalid,
                                            ErrorCategory category = ErrorCategory.InvalidData, string? action = null)
        {
            WriteError(new VfioApException(id, category,
                (session is null ? "" : $"Host '{session.ComputerName}': ") + ex.Message,
                action ?? "Correct the entry named in the message; nothing was written for this definition.",
                session?.ComputerName, ex.Source, Errno.None, ex).ToErrorRecord(ex.Source));
        }
    }
}
