using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
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
}
