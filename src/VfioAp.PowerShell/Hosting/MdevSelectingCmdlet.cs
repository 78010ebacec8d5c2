using System;
using System.Management.Automation;
using VfioAp.PowerShell.Arguments;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Export- and Compare-VfioApMdev: -Mdev (alias -Uuid, or mdev objects from the pipeline) selects mdevs of the hosts the
    /// records name; the work is done once every host and UUID is known, in EndProcessing.
    /// </summary>
    public abstract class MdevSelectingCmdlet : MdevPersistenceCmdlet
    {
        /// <summary>Which mdevs of which host the pipeline asked for.</summary>
        private protected MdevSelection Wanted { get; } = new MdevSelection();

        /// <summary>Only these mdevs (UUID in any standard form, or mdev objects); default: every mdev of the host.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[]? Mdev { get; set; }

        protected override void ProcessRecord()
        {
            Wanted.Add(Collect(), Mdev);
        }
    }
}
