using System;
using System.Collections.Generic;
using System.Management.Automation;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Set-VfioApMatrix and Remove-VfioApMdev: change existing mdevs named by -Mdev (or mdev objects from the
    /// pipeline); a UUID found on none of the hosts read is an error once the last record is done.
    /// </summary>
    public abstract class MdevChangeCmdlet : ApChangeCmdlet
    {
        /// <summary>Finds the named mdevs in each host's snapshot and remembers which were never found.</summary>
        private protected MdevLookup Lookup { get; } = new MdevLookup();

        /// <summary>The mdevs to change (UUID in any standard form, or objects from Get-VfioApMdev).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[] Mdev { get; set; } = Array.Empty<Guid>();

        protected override void EndOfHosts(IReadOnlyCollection<ApSession> hostsRead)
        {
            foreach (var error in Lookup.Missing(hostsRead)) WriteError(error);
        }
    }
}
