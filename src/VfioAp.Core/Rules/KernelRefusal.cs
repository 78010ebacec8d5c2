using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// What a kernel errno means for the attribute that returned it, and what the admin should do.
    /// The kernel logs the details (which mdev holds an APQN) only to dmesg; the host read back in the plan's own
    /// round trip (or the snapshot taken before it) lets the module name them in the error itself.
    /// </summary>
    public static class KernelRefusal
    {
        public static RefusalCode Classify(string attribute, Errno errno) => (attribute, errno) switch
        {
            (_, Errno.None) => RefusalCode.None,
            (_, Errno.EACCES) or (_, Errno.EPERM) => RefusalCode.PermissionDenied,
            (_, Errno.ENOENT) => RefusalCode.AttributeNotFound,
            (_, Errno.EADDRINUSE) => RefusalCode.ApqnInUse,
            (_, Errno.EADDRNOTAVAIL) => RefusalCode.ApqnOwnedByHost,
            ("bind", Errno.ENODEV) => RefusalCode.QueueDriverMismatch,
            ("unbind", Errno.ENODEV) => RefusalCode.QueueNotBound,
            (_, Errno.ENODEV) when IsMatrixAttribute(attribute) => RefusalCode.IdAboveMaximum,
            ("apmask", Errno.EBUSY) or ("aqmask", Errno.EBUSY) => RefusalCode.ApqnHeldByMdev,
            ("remove", Errno.EBUSY) => RefusalCode.MdevInUse,
            ("bind", Errno.EBUSY) => RefusalCode.QueueAlreadyBound,
            ("create", Errno.EEXIST) => RefusalCode.MdevExists,
            ("create", Errno.EUSERS) or ("create", Errno.ENOSPC) => RefusalCode.NoInstancesLeft,
            (_, Errno.EINVAL) or (_, Errno.ERANGE) => RefusalCode.InvalidValue,
            _ => RefusalCode.WriteFailed,
        };

        public static FailureCategory CategoryOf(RefusalCode code) => code switch
        {
            RefusalCode.ApqnInUse or RefusalCode.ApqnHeldByMdev or RefusalCode.MdevInUse or RefusalCode.QueueAlreadyBound => FailureCategory.ResourceBusy,
            RefusalCode.ApqnOwnedByHost => FailureCategory.ResourceUnavailable,
            RefusalCode.IdAboveMaximum or RefusalCode.InvalidValue => FailureCategory.InvalidArgument,
            RefusalCode.MdevExists => FailureCategory.ResourceExists,
            RefusalCode.NoInstancesLeft => FailureCategory.LimitsExceeded,
            RefusalCode.VfioApNotLoaded => FailureCategory.NotInstalled,
            RefusalCode.PermissionDenied => FailureCategory.PermissionDenied,
            RefusalCode.AttributeNotFound => FailureCategory.ObjectNotFound,
            RefusalCode.QueueDriverMismatch or RefusalCode.QueueNotBound => FailureCategory.InvalidOperation,
            RefusalCode.VerificationFailed => FailureCategory.InvalidResult,
            RefusalCode.WriteFailed or RefusalCode.RollbackFailed => FailureCategory.WriteError,
            _ => FailureCategory.NotSpecified,
        };

        private static bool IsMatrixAttribute(string attribute) =>
            attribute == "ap_config" || attribute.StartsWith("assign_", StringComparison.Ordinal) || attribute.StartsWith("unassign_", StringComparison.Ordinal);

        /// <summary>What the errno means for this write, naming what the host knows (holders, maxima); <paramref name="host"/> is the host as it was when the write failed, or before.</summary>
        public static string Explain(SysfsWrite write, Errno errno, HostSnapshot? host, ApMatrix? matrixAtWrite = null)
        {
            var attribute = SysfsLayout.LastSegment(write.Path);
            var value = write.Value.TrimEnd('\n');
            return (attribute, errno) switch
            {
                (_, Errno.EACCES) or (_, Errno.EPERM) => "permission denied: sysfs attributes can only be written by root",
                (_, Errno.ENOENT) => "the attribute does not exist: the mdev may have been removed meanwhile, or the vfio_ap module is not loaded",
                ("assign_adapter", Errno.ENODEV) or ("unassign_adapter", Errno.ENODEV) => $"adapter {value} is above the host's maximum adapter id{Max(host, true)}",
                ("assign_domain", Errno.ENODEV) or ("assign_control_domain", Errno.ENODEV)
                    or ("unassign_domain", Errno.ENODEV) or ("unassign_control_domain", Errno.ENODEV) => $"domain {value} is above the host's maximum domain id{Max(host, false)}",
                ("ap_config", Errno.ENODEV) => "a bit of the new matrix is above the host's maximum adapter or domain id" + Above(host, matrixAtWrite),
                (_, Errno.EADDRINUSE) => "an APQN of the new matrix is already assigned to another mdev" + Holders(write, host, matrixAtWrite),
                (_, Errno.EADDRNOTAVAIL) => "an APQN of the new matrix belongs to the host's default drivers (its adapter is set in apmask and its domain in aqmask)" + HostOwned(host, matrixAtWrite),
                ("apmask", Errno.EBUSY) or ("aqmask", Errno.EBUSY) => "an mdev still holds APQNs that this change would give back to the host's default drivers" + MaskHolders(write, host),
                ("remove", Errno.EBUSY) => "a KVM guest is using the mdev",
                ("create", Errno.EEXIST) => $"an mdev with UUID {value} already exists",
                ("create", Errno.EUSERS) or ("create", Errno.ENOSPC) => "no vfio_ap-passthrough instances are left (available_instances is 0)",
                ("bind", Errno.EBUSY) => $"device {value} is already bound to a driver",
                ("bind", Errno.ENODEV) => $"device {value} does not exist or apmask/aqmask give it to the other kind of driver",
                ("unbind", Errno.ENODEV) => $"device {value} is not bound to this driver",
                (_, Errno.EINVAL) => $"the kernel could not parse '{value}'",
                (_, Errno.ERANGE) => $"'{value}' is out of range",
                _ => "the kernel answered " + ErrnoText.Describe(errno),
            };
        }

        /// <summary>What to do about a refusal, in words a runbook can follow.</summary>
        public static string Advise(RefusalCode code, SysfsWrite? write, HostSnapshot? host, ApMatrix? matrixAtWrite = null)
        {
            switch (code)
            {
                case RefusalCode.PermissionDenied: return "Run as root on the host, or open the session with -UseSudo (New-ApSession -HostName … -UseSudo).";
                case RefusalCode.AttributeNotFound: return "Check that the vfio_ap module is loaded (modprobe vfio_ap) and that the mdev still exists (Get-VfioApMdev).";
                case RefusalCode.IdAboveMaximum: return "Use ids up to the host's maximum (Get-ApBusConfig shows MaxAdapterId and MaxDomainId).";
                case RefusalCode.ApqnInUse:
                    {
                        var holders = HolderMdevs(write, host, matrixAtWrite);
                        return holders.Count == 0
                            ? "Unassign the APQN from the mdev that holds it first (Get-ApQueue -Mdev shows which), or choose other adapters or domains."
                            : $"Unassign them from mdev {string.Join(", ", holders.Select(h => h.ToString("D")))} first (Set-VfioApMatrix -Mdev <uuid> -Remove …), or choose other adapters or domains.";
                    }
                case RefusalCode.ApqnOwnedByHost: return "Give the adapters or domains to vfio_ap first (Set-ApBusMask -Adapter … -Owner VfioAp, or -Domain … -Owner VfioAp).";
                case RefusalCode.ApqnHeldByMdev: return "Unassign those APQNs from the mdev first (Set-VfioApMatrix -Remove), or leave them with vfio_ap.";
                case RefusalCode.MdevInUse: return "Shut the guest down or detach its vfio-ap hostdev (virsh detach-device) first.";
                case RefusalCode.MdevExists: return "Choose another UUID, or change the existing mdev with Set-VfioApMatrix.";
                case RefusalCode.NoInstancesLeft: return "Remove an mdev that is no longer used (Remove-VfioApMdev) first.";
                case RefusalCode.VfioApNotLoaded: return "Load the vfio_ap module on the host (modprobe vfio_ap).";
                case RefusalCode.InvalidValue: return "This is a bug in the module if it wrote the value itself: report it with the command line.";
                case RefusalCode.QueueAlreadyBound: return "Unbind the queue from its driver first, or leave it where it is.";
                case RefusalCode.QueueDriverMismatch: return "Check apmask/aqmask (Get-ApBusConfig): they decide which driver a queue may bind to.";
                case RefusalCode.QueueNotBound: return "Check the queue's driver with Get-ApQueue.";
                case RefusalCode.VerificationFailed: return "Another session or person may have changed the host at the same time: read it again (Get-VfioApMdev) and retry.";
                case RefusalCode.RollbackFailed: return "Inspect the host (Get-VfioApMdev, Get-ApBusConfig) and restore it by hand from the steps listed in the error.";
                default: return "Check the host's kernel log (dmesg) for the reason, then retry.";
            }
        }

        /// <summary>
        /// A refusal the module found before writing anything. <paramref name="path"/> and <paramref name="value"/> are
        /// the write the kernel would have refused (see <see cref="PlanReplay.FirstRefusedWrite"/>), when known.
        /// </summary>
        public static PlanFailure FromFinding(MatrixFinding finding, string host, string what, string? path = null, string? value = null) =>
            new PlanFailure(finding.Refusal, finding.KernelErrno, host, path, value,
                $"Host '{host}': {what} refused before anything was written: {finding.Message}" +
                (path is null || value is null || finding.KernelErrno == Errno.None ? "" : $" (Writing '{value}' to {path} would fail with {finding.KernelErrno}.)"),
                finding.RecommendedAction ?? Advise(finding.Refusal, null, null), finding: finding);

        private static string Max(HostSnapshot? s, bool adapter) =>
            s is null ? "" : " " + (adapter ? s.Bus.MaxAdapterId : s.Bus.MaxDomainId) + (adapter ? " (ap_max_adapter_id)" : " (ap_max_domain_id)");

        private static ApMatrix? Checked(SysfsWrite write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (matrixAtWrite.HasValue) return matrixAtWrite;
            if (host is null || PlanReplay.MdevOf(write.Path) is not Guid self) return null;
            return PlanReplay.Apply(host.FindMdev(self)?.Matrix ?? ApMatrix.Empty, SysfsLayout.LastSegment(write.Path), write.Value.TrimEnd('\n'));
        }

        private static List<Guid> HolderMdevs(SysfsWrite? write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (write is null || host is null || PlanReplay.MdevOf(write.Path) is not Guid self || Checked(write, host, matrixAtWrite) is not ApMatrix m) return new List<Guid>();
            return host.Mdevs.Where(o => o.Uuid != self && m.Adapters.Overlaps(o.Adapters) && m.Domains.Overlaps(o.Domains)).Select(o => o.Uuid).ToList();
        }

        /// <summary>Which mdevs hold APQNs of the matrix the kernel checked, and which APQNs.</summary>
        private static string Holders(SysfsWrite write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (host is null || PlanReplay.MdevOf(write.Path) is not Guid self || Checked(write, host, matrixAtWrite) is not ApMatrix m) return "";
            var parts = new List<string>();
            foreach (var other in host.Mdevs)
            {
                if (other.Uuid == self) continue;
                var a = m.Adapters.Mask & other.Adapters;
                var d = m.Domains.Mask & other.Domains;
                if (a.IsEmpty || d.IsEmpty) continue;
                var apqns = a.SelectMany(x => d.Select(y => new Apqn(x, y))).ToList();
                parts.Add($"{ApqnList.Format(apqns)} held by mdev {other.Uuid:D}{MatrixValidator.GuestNote(other)}");
            }
            return parts.Count == 0 ? "" : " (" + string.Join("; ", parts) + ")";
        }

        private static string HostOwned(HostSnapshot? host, ApMatrix? m)
        {
            if (host is null || m is null) return "";
            var a = m.Value.Adapters.Mask & host.Bus.ApMask;
            var d = m.Value.Domains.Mask & host.Bus.AqMask;
            if (a.IsEmpty || d.IsEmpty) return "";
            var apqns = a.SelectMany(x => d.Select(y => new Apqn(x, y))).ToList();
            return $" ({ApqnList.Format(apqns)})";
        }

        private static string Above(HostSnapshot? host, ApMatrix? m)
        {
            if (host is null || m is null) return "";
            var parts = new List<string>();
            var a = m.Value.Adapters.Except(ApMask.Range(0, host.Bus.MaxAdapterId));
            var d = (m.Value.Domains.Mask | m.Value.ControlDomains).Except(ApMask.Range(0, host.Bus.MaxDomainId));
            if (!a.IsEmpty) parts.Add($"adapters {a} > {host.Bus.MaxAdapterId}");
            if (!d.IsEmpty) parts.Add($"domains {d} > {host.Bus.MaxDomainId}");
            return parts.Count == 0 ? "" : " (" + string.Join("; ", parts) + ")";
        }

        /// <summary>For a refused apmask/aqmask write: the newly host-owned APQNs that mdevs hold.</summary>
        private static string MaskHolders(SysfsWrite write, HostSnapshot? host)
        {
            if (host is null) return "";
            bool isApmask = SysfsLayout.LastSegment(write.Path) == "apmask";
            var current = isApmask ? host.Bus.ApMask.Mask : host.Bus.AqMask.Mask;
            if (!ApMask.TryParseKernel(write.Value.TrimEnd('\n'), current, out var updated, out _)) return "";
            var set = updated.Except(current);
            var parts = new List<string>();
            foreach (var m in host.Mdevs)
            {
                var a = isApmask ? m.Adapters.Mask & set : m.Adapters.Mask & host.Bus.ApMask;
                var d = isApmask ? m.Domains.Mask & host.Bus.AqMask : m.Domains.Mask & set;
                if (a.IsEmpty || d.IsEmpty) continue;
                var apqns = a.SelectMany(x => d.Select(y => new Apqn(x, y))).ToList();
                parts.Add($"mdev {m.Uuid:D} holds {ApqnList.Format(apqns)}");
            }
            return parts.Count == 0 ? "" : " (" + string.Join("; ", parts) + ")";
        }
    }
}
