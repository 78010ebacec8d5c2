using System.Management.Automation;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of the read cmdlets that can narrow their output to what libvirt domains hold (Get-ApQueue, Get-VfioApMdev,
    /// Get-VfioApApcb, Test-VfioApApcb): -Guest is declared here once, with its pipeline binding from Get-VfioApGuest.
    /// </summary>
    public abstract class GuestFilteringCmdlet : ApSessionCmdlet
    {
        /// <summary>Only what belongs to these libvirt domains (wildcards allowed, e.g. db*); binds the Guest property of Get-VfioApGuest's objects from the pipeline.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyCollection]
        public string[]? Guest { get; set; }

        /// <summary>The domain filter, or null when -Guest was not given.</summary>
        private protected GuestFilter? GuestFilterOrNull => GuestFilter.From(Guest);

        /// <summary>Part of <see cref="ApSessionCmdlet.QueryKey"/>: the -Guest of this call.</summary>
        private protected string GuestKey => GuestFilter.Key(Guest);
    }
}
