using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
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
