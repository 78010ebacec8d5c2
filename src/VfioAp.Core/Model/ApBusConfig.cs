using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>The AP bus's configuration: who owns which APQNs, and what the machine gives this Linux.</summary>
    public sealed class ApBusConfig
    {
        public string ComputerName { get; init; } = "";
        public AdapterMask ApMask { get; init; }
        public DomainMask AqMask { get; init; }
        /// <summary>The host AP configuration (QCI); null when the kernel prints <c>not supported</c>.</summary>
        public AdapterMask? HostAdapters { get; init; }
        public DomainMask? HostDomains { get; init; }
        public DomainMask? HostControlDomains { get; init; }
        public int MaxAdapterId { get; init; }
        public int MaxDomainId { get; init; }
        public string? Bindings { get; init; }

        /// <summary>The masks the next boot starts the AP bus with (command line, then the udev rule), or null when the persistent state was not read.</summary>
        public AdapterMask? PersistentApMask { get; private set; }
        public DomainMask? PersistentAqMask { get; private set; }
        /// <summary>Where each persistent mask comes from: the udev rule, the kernel command line, or the kernel's default (all ones).</summary>
        public BusMaskSource? ApMaskSource { get; private set; }
        public BusMaskSource? AqMaskSource { get; private set; }
        /// <summary>True when both live masks are what the next boot starts with; null when the persistent state was not read.</summary>
        public bool? LiveIsPersistent => PersistentApMask is null || PersistentAqMask is null ? (bool?)null
            : PersistentApMask.Value.Mask == ApMask.Mask && PersistentAqMask.Value.Mask == AqMask.Mask;

        /// <summary>A copy that also carries the next boot's masks and their sources.</summary>
        public ApBusConfig WithPersistent(ApMask ap, BusMaskSource apSource, ApMask aq, BusMaskSource aqSource)
        {
            var copy = (ApBusConfig)MemberwiseClone();
            copy.PersistentApMask = ap;
            copy.PersistentAqMask = aq;
            copy.ApMaskSource = apSource;
            copy.AqMaskSource = aqSource;
            return copy;
        }

        /// <summary>An APQN belongs to the default drivers iff its APID is in apmask and its APQI in aqmask (about_VfioAp_Kernel: OWNERSHIP AND BINDING).</summary>
        public bool IsHostOwned(Apqn q) => ApMask.Contains(q.Adapter) && AqMask.Contains(q.Domain);
        /// <summary>Adapters whose bit is clear in apmask: their queues are for vfio_ap on every domain.</summary>
        public AdapterMask VfioAdapters => ~ApMask.Mask;
        public DomainMask VfioDomains => ~AqMask.Mask;
    }
}
