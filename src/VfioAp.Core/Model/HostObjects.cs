using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>An AP card (adapter) as <c>/sys/devices/ap/cardXX</c> shows it.</summary>
    public sealed class ApCard
    {
        public string ComputerName { get; init; } = "";
        public ApId Id { get; init; }
        /// <summary><c>type</c>: CEX8C, CEX7P, CEX6A …; null when the card has no zcrypt driver bound (the attribute belongs to the card driver).</summary>
        public string? Type { get; init; }
        public int HwType { get; init; }
        public bool? Online { get; init; }
        public bool? Config { get; init; }
        public bool? Checkstop { get; init; }
        /// <summary><c>ap_functions</c> as the kernel prints it (<c>0x…</c>).</summary>
        public string? Functions { get; init; }
        public int? Depth { get; init; }
        public string? Driver { get; init; }
        public bool InHostConfig { get; init; }
        public int QueueCount { get; init; }
        public int VfioApQueueCount { get; init; }
        /// <summary>The mdevs whose matrix assigns this adapter (UUID order); empty where mdevs were not read.</summary>
        public IReadOnlyList<Guid> Mdevs { get; init; } = Array.Empty<Guid>();
        /// <summary>
        /// The libvirt domains (VMs) whose guest APCB holds this adapter now: what maintenance of the card (config off,
        /// an unbind of one of its queues) touches. An mdev no domain references counts by its UUID.
        /// </summary>
        public IReadOnlyList<string> Guests { get; init; } = Array.Empty<string>();
        /// <summary>Generation from the type (CEX8C → 8), or from hwtype (14 → 8).</summary>
        public int? Generation => CardType.Generation(Type, HwType);
        /// <summary>Accelerator, CCA coprocessor or EP11 coprocessor, from the type's last letter.</summary>
        public string? Mode => CardType.Mode(Type);
        /// <summary>Only hwtype 10 (CEX4) and newer can be bound to vfio_ap.</summary>
        public bool PassThroughCapable => HwType >= CardType.MinPassThroughHwType;
        public override string ToString() => "card" + Id.ToKernelName();

        /// <summary>The same card with the mdevs and guests that hold it.</summary>
        public ApCard WithHolders(IReadOnlyList<Guid> mdevs, IReadOnlyList<string> guests) => new ApCard
        {
            ComputerName = ComputerName, Id = Id, Type = Type, HwType = HwType, Online = Online, Config = Config, Checkstop = Checkstop,
            Functions = Functions, Depth = Depth, Driver = Driver, InHostConfig = InHostConfig, QueueCount = QueueCount,
            VfioApQueueCount = VfioApQueueCount, Mdevs = mdevs, Guests = guests,
        };
    }

    public static class CardType
    {
        public const int MinPassThroughHwType = 10;

        /// <summary>CEX4 = 10 … CEX8 = 14: the generation is hwtype − 6.</summary>
        public static int? Generation(string? type, int hwType)
        {
            if (type is { Length: >= 5 } && type.StartsWith("CEX", StringComparison.Ordinal) && char.IsDigit(type[3]))
                return type[3] - '0';
            return hwType >= 10 ? hwType - 6 : (int?)null;
        }

        public static int HwTypeOf(int generation) => generation + 6;

        public static string? Mode(string? type)
        {
            if (type is null || type.Length < 5) return null;
            return type[type.Length - 1] switch
            {
                'A' => "Accelerator",
                'C' => "CCA-Coprocessor",
                'P' => "EP11-Coprocessor",
                _ => null,
            };
        }

        /// <summary>Checks a type string as a scenario or user gives it: CEX, a generation 4–8, and A, C or P.</summary>
        public static bool TryParse(string text, out int generation, out char mode)
        {
            generation = 0;
            mode = '\0';
            if (text.Length != 5 || !text.StartsWith("CEX", StringComparison.Ordinal)) return false;
            generation = text[3] - '0';
            mode = text[4];
            return generation >= 4 && generation <= 8 && (mode == 'A' || mode == 'C' || mode == 'P');
        }
    }

    /// <summary>How a queue stands for the guest APCB rule.</summary>
    public enum QueueBinding : byte
    {
        /// <summary>No queue device (not in the host's AP configuration, or the card is gone).</summary>
        Missing = 0,
        /// <summary>The device exists but no driver is bound.</summary>
        Unbound = 1,
        /// <summary>Bound to vfio_ap: usable by a guest.</summary>
        VfioAp = 2,
        /// <summary>Bound to a default (zcrypt) driver.</summary>
        OtherDriver = 3,
    }

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

    /// <summary>A vfio_ap mediated device: its matrix, and the guest matrix the kernel reports for it.</summary>
    public sealed class VfioApMdev
    {
        public string ComputerName { get; init; } = "";
        public Guid Uuid { get; init; }
        public ApMatrix Matrix { get; init; }
        public AdapterMask Adapters => Matrix.Adapters;
        public DomainMask Domains => Matrix.Domains;
        public DomainMask ControlDomains => Matrix.ControlDomains;
        /// <summary>The kernel's <c>guest_matrix</c> (APM × AQM), or null on kernels that do not report it.</summary>
        public ApMatrix? GuestMatrix { get; init; }
        /// <summary>The raw <c>guest_matrix</c> text, kept to compare with the prediction byte for byte.</summary>
        public string? GuestMatrixText { get; init; }
        /// <summary>True when the host kernel has the atomic <c>ap_config</c> attribute.</summary>
        public bool HasApConfig { get; init; }
        /// <summary>True when a KVM guest uses the mdev (its queues' vfio_ap status says "in use").</summary>
        public bool InUse { get; init; }
        /// <summary>The libvirt domain whose XML references this mdev; several names (comma separated, the active one first) when several definitions do; null when none does.</summary>
        public string? Guest { get; init; }
        /// <summary>Each domain referencing the mdev, the active one first.</summary>
        public IReadOnlyList<string> Guests { get; init; } = Array.Empty<string>();
        /// <summary>That domain's state as virsh words it (running, paused, shut off, …), or "not defined" when no domain references the mdev.</summary>
        public string GuestState { get; init; } = "not defined";
        /// <summary>True when a domain referencing the mdev starts with the host (libvirt's autostart link).</summary>
        public bool Autostart { get; init; }
        public IEnumerable<Apqn> Apqns => Matrix.Apqns();
        public int ApqnCount => Matrix.ApqnCount;
        public override string ToString() => Uuid.ToString("D");
    }
}
