using System;

namespace VfioAp.Core.Model
{
    /// <summary>Which parts of a host a cmdlet needs; each part adds a fixed number of glob queries, never one per device.</summary>
    [Flags]
    public enum SnapshotParts
    {
        Bus = 1,
        Cards = 2,
        /// <summary>Which driver each queue is bound to: all the APCB rule needs.</summary>
        QueueBindings = 4,
        /// <summary>online, config, chkstop and vfio_ap status of every queue: what Get-ApQueue shows.</summary>
        QueueDetails = 8,
        Mdevs = 16,
        /// <summary>libvirt's domain files under the host root: which VM holds which mdev (no extra round trip).</summary>
        Guests = 32,
        /// <summary>The kernel log's vfio_ap queue-reset lines under the host root: evidence for a failed reset.</summary>
        KernelLog = 64,
        /// <summary>
        /// The host's own files a boot starts from, under the host root (the udev rule with the persistent masks, the
        /// command lines, mdevctl's definitions), in the same batch: what a change of those files is planned from.
        /// Not part of <see cref="All"/>, which is what the reading cmdlets show.
        /// </summary>
        PersistentFiles = 128,
        All = Bus | Cards | QueueBindings | QueueDetails | Mdevs | Guests | KernelLog,
    }
}
