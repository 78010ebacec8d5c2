using System;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>Get-VfioApMdev: the vfio_ap mediated devices of each host with their matrices and guest matrices.</summary>
    [Cmdlet(VerbsCommon.Get, "VfioApMdev")]
    [OutputType(typeof(VfioApMdev))]
    public sealed class GetVfioApMdevCommand : MdevFilteringCmdlet
    {
        private readonly MdevLookup _lookup = new MdevLookup();

        // Queue details give each mdev's InUse (a queue's vfio_ap status "in use" means a guest runs on it).
        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;

        protected override HostQuery CreateQuery()
        {
            var uuids = Mdev?.ToArray();
            var lookup = _lookup;
            var guests = GuestFilterOrNull;
            return (snapshot, _) => lookup.Select(snapshot, uuids).Where(m => guests is null || guests.Matches(m.Guests));
        }

        protected override void EndOfHosts()
        {
            foreach (var error in _lookup.Missing(HostsRead)) WriteError(error);
        }
    }
}
