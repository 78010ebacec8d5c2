using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// What a kernel errno means for the attribute that returned it, and what the admin should do.
    /// The kernel logs the details (which mdev holds an APQN) only to dmesg; the snapshot taken before the write
    /// lets the module name them in the error itself.
    /// </summary>
    public static class KernelRefusal
    {
        public static string Explain(SysfsWrite write, Errno errno, HostSnapshot? before)
        {
            var attribute = SysfsLayout.LastSegment(write.Path);
            var value = write.Value.TrimEnd('\n');
            string meaning = (attribute, errno) switch
            {
                (_, Errno.EACCES) or (_, Errno.EPERM) => "permission denied: sysfs attributes can only be written by root. Run as root, or use a session with -UseSudo",
                (_, Errno.ENOENT) => "the attribute does not exist: the mdev may have been removed meanwhile, or the vfio_ap module is not loaded (modprobe vfio_ap)",
                ("assign_adapter", Errno.ENODEV) => $"adapter {value} is above the host's maximum adapter id{Max(before, true)}",
                ("assign_domain", Errno.ENODEV) or ("assign_control_domain", Errno.ENODEV) => $"domain {value} is above the host's maximum domain id{Max(before, false)}",
                ("unassign_adapter", Errno.ENODEV) => $"adapter {value} is above the host's maximum adapter id{Max(before, true)}",
                ("unassign_domain", Errno.ENODEV) or ("unassign_control_domain", Errno.ENODEV) => $"domain {value} is above the host's maximum domain id{Max(before, false)}",
                ("ap_config", Errno.ENODEV) => "a bit in the new matrix is above the host's maximum adapter or domain id",
                (_, Errno.EADDRINUSE) => "an APQN of the new matrix is already assigned to another mdev" + Holders(write, before) + ". Unassign it there first, or pick other adapters or domains",
                (_, Errno.EADDRNOTAVAIL) => "an APQN of the new matrix belongs to the host's default drivers (its adapter is set in apmask and its domain in aqmask). Give it to vfio_ap first with Set-ApBusMask",
                ("apmask", Errno.EBUSY) or ("aqmask", Errno.EBUSY) => "an mdev still holds APQNs that this change would give back to the host. Unassign them from the mdev first",
                ("remove", Errno.EBUSY) => "a KVM guest is using the mdev. Stop the guest (or detach the hostdev) first",
                ("create", Errno.EEXIST) => $"an mdev with UUID {value} already exists",
                ("create", Errno.EUSERS) or ("create", Errno.ENOSPC) => "no vfio_ap-passthrough instances are left (available_instances is 0). Remove an unused mdev first",
                ("bind", Errno.EBUSY) => $"device {value} is already bound to a driver",
                ("bind", Errno.ENODEV) => $"device {value} does not belong to this driver under the current apmask/aqmask",
                ("unbind", Errno.ENODEV) => $"device {value} is not bound to this driver",
                (_, Errno.EINVAL) => $"the kernel could not parse '{value}'",
                (_, Errno.ERANGE) => $"'{value}' is out of range",
                _ => ErrnoText.Describe(errno),
            };
            return meaning;
        }

        private static string Max(HostSnapshot? s, bool adapter) =>
            s is null ? "" : " " + (adapter ? s.Bus.MaxAdapterId : s.Bus.MaxDomainId) + (adapter ? " (ap_max_adapter_id)" : " (ap_max_domain_id)");

        /// <summary>Which mdevs hold APQNs the write would have added, judged from the snapshot taken before it.</summary>
        private static string Holders(SysfsWrite write, HostSnapshot? before)
        {
            if (before is null) return "";
            var dir = write.Path.Substring(0, write.Path.LastIndexOf('/'));
            if (!Guid.TryParseExact(SysfsLayout.LastSegment(dir), "D", out var self)) return "";
            var mdev = before.FindMdev(self);
            var matrix = mdev?.Matrix ?? ApMatrix.Empty;
            var attribute = SysfsLayout.LastSegment(write.Path);
            var value = write.Value.TrimEnd('\n');
            try
            {
                if (attribute == "assign_adapter" && KernelNumber.TryParse(value, out var a, out _) && a <= 255) matrix = matrix.WithAdapters(matrix.Adapters.With((int)a));
                else if (attribute == "assign_domain" && KernelNumber.TryParse(value, out var d, out _) && d <= 255) matrix = matrix.WithDomains(matrix.Domains.With((int)d));
                else if (attribute == "ap_config") matrix = SysfsFormat.ParseApConfig(value);
            }
            catch (FormatException) { return ""; }
            var clashes = matrix.Apqns()
                .Select(q => (Apqn: q, Holder: before.MdevHolding(q)))
                .Where(x => x.Holder.HasValue && x.Holder != self)
                .GroupBy(x => x.Holder!.Value)
                .Select(g => $"{string.Join(", ", g.Take(8).Select(x => x.Apqn))}{(g.Count() > 8 ? " …" : "")} held by mdev {g.Key:D}")
                .ToList();
            return clashes.Count == 0 ? "" : " (" + string.Join("; ", clashes) + ")";
        }
    }
}
