using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Test-VfioApBoot: predicts each host's next boot from what it is now and its persistent state (the masks from the
    /// next kernel command line and the udev rule, mdevctl's auto definitions with ap-check's checks, libvirt's
    /// autostart domains, each guest's APCB by the kernel's rule) — all read in the same one batch as the snapshot.
    /// $true when every mdev a domain references comes back with the same matrix and its guest gets the APCB it has
    /// now; -Detailed returns one object per guest and mdev with what it loses or gains, and why.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "VfioApBoot")]
    [OutputType(typeof(bool), typeof(BootOutcome))]
    public sealed class TestVfioApBootCommand : ApSessionCmdlet
    {
        private readonly BootStateReads _reads = new BootStateReads();

        /// <summary>One object per guest and mdev (Guest, Mdev, Now, AtBoot, Lost, Gained, Autostart, Reasons) instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        /// <summary>Read mdevctl's definitions from &lt;MdevctlRoot&gt;/etc/mdevctl.d/matrix on this machine instead of the host's (for a simulated host or a sysfs tree, as Export-VfioApMdev -Persist -MdevctlRoot writes them).</summary>
        [Parameter]
        public string? MdevctlRoot { get; set; }

        internal const SnapshotParts BootParts = SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.Mdevs | SnapshotParts.Guests;

        protected override SnapshotParts Parts => BootParts;

        protected override HostSnapshot ReadSnapshot(ApSession session, SnapshotParts parts) => _reads.Read(session, parts);

        protected override void BeginProcessing()
        {
            if (MdevctlRoot is not null) _reads.MdevctlRoot = SessionState.Path.GetUnresolvedProviderPathFromPSPath(MdevctlRoot);
            base.BeginProcessing();
        }

        protected override HostQuery CreateQuery()
        {
            bool detailed = Detailed.IsPresent;
            var reads = _reads;
            return (snapshot, session) =>
            {
                var prediction = BootPredictor.Predict(snapshot, reads.FilesOf(session));
                var results = new List<object>(prediction.Warnings.Select(w => new HostWarning(w)));
                if (detailed) results.AddRange(prediction.Outcomes);
                else results.Add(new PSObject(prediction.Survives));
                return results;
            };
        }
    }
}
