namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Which optional vfio_ap attributes the simulated kernel has. Kernels before the dynamic-configuration rework
    /// (Linux 6.0) have no <c>guest_matrix</c>; kernels before 6.10 have no <c>ap_config</c>.
    /// Only the attributes differ: the simulator keeps the current kernel's assign semantics for both
    /// (legacy kernels also refused to assign APQNs whose queues were not bound; that is not modelled).
    /// </summary>
    public sealed record KernelFeatures
    {
        /// <summary>The mdev's read-write <c>ap_config</c> attribute (atomic matrix replacement).</summary>
        public bool ApConfig { get; init; } = true;

        /// <summary>The mdev's <c>guest_matrix</c> attribute (the shadow APCB).</summary>
        public bool GuestMatrix { get; init; } = true;

        /// <summary>A current kernel: both attributes.</summary>
        public static KernelFeatures Current { get; } = new KernelFeatures();

        /// <summary>An older kernel: neither <c>ap_config</c> nor <c>guest_matrix</c>.</summary>
        public static KernelFeatures Legacy { get; } = new KernelFeatures { ApConfig = false, GuestMatrix = false };
    }
}
