using System;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Get-VfioApApcb: each mdev's guest APCB as the kernel's rule predicts it from the host's state, beside the
    /// kernel's own guest_matrix, with the reason for every adapter, domain and control domain the guest does not get.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VfioApApcb")]
    [OutputType(typeof(Apcb))]
    public sealed class GetVfioApApcbCommand : MdevFilteringCmdlet
    {
        private readonly MdevLookup _lookup = new MdevLookup();

        // Cards: a deconfigured or checkstopped adapter stays in the APCB, and the card's config/chkstop say it is unusable
        // (a few files per card, whatever the number of queues).
        internal const SnapshotParts ApcbParts = SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.Mdevs | SnapshotParts.Guests | SnapshotParts.KernelLog;

        protected override SnapshotParts Parts => ApcbParts;

        protected override HostQuery CreateQuery()
        {
            var uuids = Mdev?.ToArray();
            var lookup = _lookup;
            var guests = GuestFilterOrNull;
            return (snapshot, _) => lookup.Select(snapshot, uuids).Where(m => guests is null || guests.Matches(m.Guests)).Select(m => ApcbReport.Build(snapshot, m));
        }

        protected override void EndOfHosts()
        {
            foreach (var error in _lookup.Missing(HostsRead)) WriteError(error);
        }
    }
}
