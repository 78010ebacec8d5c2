using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of every cmdlet that works on hosts (reading, changing, persisting): -Session and the pipeline object that
    /// carries one, which hosts a pipeline record names (the implicit local session when none is given, disposed with
    /// the cmdlet), the error for a removed session, and the Session/ComputerName notes on every output object.
    /// </summary>
    public abstract class HostCmdlet : PSCmdlet, IDisposable
    {
        private static readonly string[] NoteNames = { "Session", "ComputerName" };
        private ApSession? _implicitSession;

        /// <summary>The hosts to work on. Default: this machine's /sys.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public ApSession[]? Session { get; set; }

        /// <summary>
        /// Pipeline input: a session, or an object that carries one (every VfioAp output does). Its session is the host
        /// worked on. This exists because PowerShell binds $PSDefaultParameterValues['*-Ap*:Session'] before pipeline
        /// input and then refuses to bind -Session from the pipeline; taking the object by value keeps
        /// <c>Get-ApSession | Get-ApQueue</c> and <c>Get-VfioApMdev | Get-ApQueue</c> working with such a default.
        /// Import-VfioApMdev also takes definition text and files here.
        /// </summary>
        [Parameter(ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        /// <summary>
        /// The hosts this pipeline record names, in order and once each: the session the piped object is or carries,
        /// else -Session, else this machine (one implicit session per invocation).
        /// </summary>
        protected IReadOnlyList<ApSession> SessionsOfRecord()
        {
            var sessions = SessionOf(InputObject) ?? Session ?? new[] { _implicitSession ??= ApSessionFactory.CreateImplicitLocal() };
            return sessions.Where(s => s is not null).Distinct().ToList();
        }

        /// <summary>The session a pipeline object is or carries (its Session property), or null.</summary>
        protected static ApSession[]? SessionOf(PSObject? input)
        {
            if (input is null) return null;
            if (input.BaseObject is ApSession direct) return new[] { direct };
            var carried = input.Properties["Session"]?.Value;
            if (carried is PSObject wrapped) carried = wrapped.BaseObject;
            return carried is ApSession session ? new[] { session } : null;
        }

        /// <summary>False, after writing the error record, for a session Remove-ApSession closed.</summary>
        protected bool IsOpen(ApSession session)
        {
            if (session.State != ApSessionState.Closed) return true;
            WriteError(new VfioApException(VfioApErrorId.SessionClosed, ErrorCategory.ResourceUnavailable,
                $"Session {session.Id} '{session.Name}' ({session.ComputerName}) was removed and cannot be used.",
                "Open a new one with New-ApSession.", session.ComputerName).ToErrorRecord(session));
            return false;
        }

        /// <summary>A snapshot was read: its mdev ids become what -Mdev completes for this session (no round trip of its own).</summary>
        protected static HostSnapshot Remember(ApSession session, HostSnapshot snapshot, SnapshotParts parts)
        {
            if ((parts & SnapshotParts.Mdevs) != 0) session.RememberMdevs(snapshot.Mdevs.Select(m => m.Uuid));
            return snapshot;
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

        /// <summary>What a derived cmdlet holds beyond the implicit session (fan-out threads, a stop token).</summary>
        protected virtual void ReleaseResources() { }

        /// <summary>PowerShell disposes the cmdlet when the pipeline ends, also after Ctrl+C or an error.</summary>
        public void Dispose()
        {
            ReleaseResources();
            _implicitSession?.Dispose();
            _implicitSession = null;
        }
    }
}
