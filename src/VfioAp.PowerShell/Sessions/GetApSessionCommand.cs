using System.Linq;
using System.Management.Automation;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>Get-ApSession: the open sessions, all or by id or name (wildcards).</summary>
    [Cmdlet(VerbsCommon.Get, "ApSession", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ApSession))]
    public sealed class GetApSessionCommand : PSCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[] Id { get; set; } = new int[0];

        [Parameter(Position = 0, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            var all = ApSessionRegistry.All();
            if (ParameterSetName == IdSet)
            {
                foreach (var id in Id)
                {
                    var s = ApSessionRegistry.Find(id);
                    if (s is null) WriteError(SessionLookup.NotFound($"There is no session with id {id}.", id));
                    else WriteObject(s);
                }
                return;
            }
            if (Name is null)
            {
                WriteObject(all, enumerateCollection: true);
                return;
            }
            foreach (var pattern in Name)
            {
                var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
                var found = all.Where(s => wildcard.IsMatch(s.Name)).ToList();
                if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                    WriteError(SessionLookup.NotFound($"There is no session named '{pattern}'.", pattern));
                WriteObject(found, enumerateCollection: true);
            }
        }
    }

    internal static class SessionLookup
    {
        public static ErrorRecord NotFound(string message, object target) =>
            new VfioApException(VfioApErrorId.SessionNotFound, ErrorCategory.ObjectNotFound, message,
                "Get-ApSession lists the open sessions; New-ApSession opens one.").ToErrorRecord(target);
    }
}
