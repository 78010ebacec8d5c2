namespace VfioAp.Core.Rules
{
    /// <summary>Who an APQN is for, as apmask/aqmask decide (about_VfioAp_Kernel: OWNERSHIP AND BINDING).</summary>
    public enum ApOwner
    {
        /// <summary>Bits cleared: the APQNs are for vfio_ap (pass-through).</summary>
        VfioAp,
        /// <summary>Bits set: the APQNs go back to the host's default zcrypt drivers.</summary>
        Host,
    }
}
