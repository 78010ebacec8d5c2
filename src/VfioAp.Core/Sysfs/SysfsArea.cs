using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>Where a query's path is rooted: in sysfs, or in the host's <c>/</c> (mdevctl's and libvirt's files, the kernel log).</summary>
    public enum SysfsArea
    {
        /// <summary>Relative to the sysfs root (<c>bus/ap/apmask</c>).</summary>
        Sysfs,
        /// <summary>
        /// Relative to the host root (<c>etc/libvirt/qemu/*.xml</c>): read in the same batch as sysfs, so knowing the
        /// guests costs no extra round trip. A transport without a host root answers nothing for these (no error).
        /// </summary>
        Host,
    }
}
