using System;
using System.Management.Automation;
using VfioAp.PowerShell.Arguments;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of the read cmdlets that answer per mdev (Get-VfioApMdev, Get-VfioApApcb, Test-VfioApApcb): -Mdev, first position, bound
    /// from the pipeline by the Mdev or Uuid property of any VfioAp object, and -Guest, declared here once.
    /// </summary>
    public abstract class MdevFilteringCmdlet : GuestFilteringCmdlet
    {
        /// <summary>Only these mdevs (UUID in any standard form, or mdev objects from the pipeline).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[]? Mdev { get; set; }

        protected override string QueryKey => MdevKey(Mdev) + "|" + GuestKey;
    }
}
