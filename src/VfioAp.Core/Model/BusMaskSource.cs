namespace VfioAp.Core.Model
{
    /// <summary>Where a mask the kernel starts with at the next boot comes from.</summary>
    public enum BusMaskSource
    {
        /// <summary>Neither the command line nor the udev rule sets it: <c>ap_perms_init</c> gives the host's drivers every APQN (all ones).</summary>
        KernelDefault,
        /// <summary><c>ap.apmask=</c> / <c>ap.aqmask=</c> on the kernel command line (the mask starts at zero, then the value is parsed into it).</summary>
        KernelCommandLine,
        /// <summary>chzdev's rule <c>/etc/udev/rules.d/41-ap.rules</c>, written into sysfs when the AP bus reports its bindings complete.</summary>
        UdevRule,
    }
}
