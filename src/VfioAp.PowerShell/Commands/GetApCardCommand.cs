using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Hosting;

using VfioAp.PowerShell.Arguments;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>Get-ApCard: the AP cards (adapters) of each host, from one snapshot.</summary>
    [Cmdlet(VerbsCommon.Get, "ApCard")]
    [OutputType(typeof(ApCard))]
    public sealed class GetApCardCommand : ApSessionCmdlet
    {
        /// <summary>Only these adapters (5, '0x05', 4..7).</summary>
        [Parameter(Position = 0)]
        [Alias("Id", "Card")]
        [ApIdTransformation]
        [ValidateNotNullOrEmpty]
        public ApId[]? Adapter { get; set; }

        // Mdevs, libvirt's domains and the queue bindings (for the prediction where the kernel has no guest_matrix) tell
        // which guests hold each card; all in the same one batch.
        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.Mdevs | SnapshotParts.Guests;

        protected override HostQuery CreateQuery()
        {
            var wanted = Adapter is null ? (ApMask?)null : ApMask.Of(Adapter.Select(a => (int)a));
            return (snapshot, _) => Select(snapshot, wanted);
        }

        private static IEnumerable<object> Select(HostSnapshot snapshot, ApMask? wanted) =>
            snapshot.Cards.Where(c => wanted is null || wanted.Value.Contains(c.Id)).Select(c =>
            {
                var (mdevs, guests) = CardHolders.Of(snapshot, c.Id);
                return c.WithHolders(mdevs, guests);
            });
    }
}
