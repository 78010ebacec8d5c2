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
}
