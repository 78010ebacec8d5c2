using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Get-VfioApGuest: the host's libvirt domains (from libvirt's files, read in the snapshot's one batch; no libvirtd
    /// or virsh), each with its state, autostart, the vfio-ap mdevs its XML references and the crypto those give it.
    /// Its objects pipe into Get-VfioApApcb, Get-VfioApMdev and Get-ApQueue (by Name, as -Guest).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "VfioApGuest")]
    [OutputType(typeof(LibvirtGuest))]
    public sealed class GetVfioApGuestCommand : ApSessionCmdlet
    {
        /// <summary>Only these domains (wildcards allowed). Not bound from the pipeline: sessions have a Name too.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Only domains that reference a vfio-ap mdev.</summary>
        [Parameter]
        public SwitchParameter WithMdev { get; set; }

        // The bindings give each guest's crypto (its mdevs' guest APCB).
        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;

        protected override string QueryKey => GuestFilter.Key(Name) + (WithMdev ? "|m" : "");

        protected override HostQuery CreateQuery()
        {
            var names = GuestFilter.From(Name);
            bool withMdev = WithMdev.IsPresent;
            return (snapshot, _) => snapshot.Guests.Where(g => (names is null || names.Matches(new[] { g.Name })) && (!withMdev || g.Mdevs.Count > 0));
        }
    }
}
