using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>Remove-ApSession: closes sessions (by object, id or name) and disposes their transports.</summary>
    /// <remarks>
    /// The sessions parameter is -InputObject, not -Session: $PSDefaultParameterValues['*-Ap*:Session'] (which the demo
    /// and many profiles set) would otherwise fill it, so a bare Remove-ApSession would close the default session and
    /// piped sessions could not bind.
    /// </remarks>
    [Cmdlet(VerbsCommon.Remove, "ApSession", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(void))]
    public sealed class RemoveApSessionCommand : PSCmdlet
    {
        private const string SessionSet = "Session";
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = SessionSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public ApSession[] InputObject { get; set; } = new ApSession[0];

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[] Id { get; set; } = new int[0];

        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            foreach (var session in Targets())
            {
                if (session.IsImplicit)
                {
                    WriteError(SessionLookup.NotFound("The implicit local session (used when -Session is not given) is not an open session and cannot be removed.", session));
                    continue;
                }
                if (!ShouldProcess($"session {session.Id} '{session.Name}' ({session.Kind} {session.ComputerName})", "Remove")) continue;
                if (!ApSessionRegistry.Remove(session))
                    WriteVerbose($"Session {session.Id} '{session.Name}' was already removed.");
            }
        }

        private IEnumerable<ApSession> Targets()
        {
            switch (ParameterSetName)
            {
                case IdSet:
                    foreach (var id in Id)
                    {
                        var s = ApSessionRegistry.Find(id);
                        if (s is null) WriteError(SessionLookup.NotFound($"There is no session with id {id}.", id));
                        else yield return s;
                    }
                    break;
                case NameSet:
                    var all = ApSessionRegistry.All();
                    foreach (var pattern in Name)
                    {
                        var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
                        var found = all.Where(s => wildcard.IsMatch(s.Name)).ToList();
                        if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                            WriteError(SessionLookup.NotFound($"There is no session named '{pattern}'.", pattern));
                        foreach (var s in found) yield return s;
                    }
                    break;
                default:
                    foreach (var s in InputObject) yield return s;
                    break;
            }
        }
    }
}
