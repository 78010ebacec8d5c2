using System.Management.Automation;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Get-ApBusConfig: apmask and aqmask, the host AP configuration and the maximum ids of each host, and the masks
    /// the next boot starts with (from the udev rule, the kernel command line or the kernel's default), read in the
    /// same one batch, with whether the live masks are those.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ApBusConfig")]
    [OutputType(typeof(ApBusConfig))]
    public sealed class GetApBusConfigCommand : ApSessionCmdlet
    {
        private readonly BootStateReads _reads = new BootStateReads();

        protected override SnapshotParts Parts => SnapshotParts.Bus;

        protected override HostSnapshot ReadSnapshot(ApSession session, SnapshotParts parts) => _reads.Read(session, parts);

        protected override HostQuery CreateQuery()
        {
            var reads = _reads;
            return (snapshot, session) =>
            {
                var masks = BootMasks.Resolve(reads.FilesOf(session));
                return new object[] { snapshot.Bus.WithPersistent(masks.ApMask, masks.ApMaskSource, masks.AqMask, masks.AqMaskSource) };
            };
        }
    }
}
