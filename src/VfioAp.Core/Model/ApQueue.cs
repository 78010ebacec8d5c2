using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>An AP queue (APQN) and how it stands for pass-through.</summary>
    public sealed class ApQueue
    {
        public string ComputerName { get; init; } = "";
        public Apqn Apqn { get; init; }
        public ApId Adapter => Apqn.Adapter;
        public DomainId Domain => Apqn.Domain;
        /// <summary>The bound driver (<c>vfio_ap</c>, <c>cex4queue</c>) or null when unbound.</summary>
        public string? Driver { get; init; }
        /// <summary>True when bound to vfio_ap.</summary>
        public bool Bound => Driver == "vfio_ap";
        /// <summary>The zcrypt <c>online</c> attribute where it exists; for queues without it (bound to vfio_ap), config and not checkstopped.</summary>
        public bool? Online { get; init; }
        public bool? Config { get; init; }
        public bool? Checkstop { get; init; }
        /// <summary>vfio_ap's <c>status</c> (assigned, unassigned, in use) while bound to vfio_ap; null otherwise.</summary>
        public string? Status { get; init; }
        /// <summary>True when apmask and aqmask give this APQN to the default drivers.</summary>
        public bool OwnedByHost { get; init; }
        /// <summary>The mdev whose matrix holds this APQN, or null.</summary>
        public Guid? AssignedTo { get; init; }
        /// <summary>True when the APQN is in that mdev's guest APCB (as the kernel reports it, or as predicted where the kernel does not report).</summary>
        public bool InGuest { get; init; }
        /// <summary>The libvirt domain(s) referencing the mdev that holds this APQN (see <see cref="VfioApMdev.Guest"/>), or null.</summary>
        public string? Guest { get; init; }
        public QueueBinding Binding => Driver is null ? QueueBinding.Unbound : Driver == "vfio_ap" ? QueueBinding.VfioAp : QueueBinding.OtherDriver;
        public override string ToString() => Apqn.ToString();
    }
}
