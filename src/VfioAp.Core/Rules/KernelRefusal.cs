using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// The module's stable names for why a change was refused, whether the module saw it coming (a validator finding)
    /// or the kernel answered a write with an errno: a script catches <c>VfioAp.ApqnInUse</c> either way.
    /// </summary>
    public enum RefusalCode
    {
        None,
        /// <summary>EADDRINUSE: an APQN of the new matrix is in another mdev's matrix.</summary>
        ApqnInUse,
        /// <summary>EADDRNOTAVAIL: an APQN of the new matrix belongs to the default drivers (apmask and aqmask).</summary>
        ApqnOwnedByHost,
        /// <summary>ENODEV on a matrix attribute: an id above ap_max_adapter_id / ap_max_domain_id.</summary>
        IdAboveMaximum,
        /// <summary>EBUSY on apmask/aqmask: the change would give the host an APQN an mdev holds.</summary>
        ApqnHeldByMdev,
        /// <summary>EBUSY on remove: a guest uses the mdev.</summary>
        MdevInUse,
        /// <summary>EEXIST on create.</summary>
        MdevExists,
        /// <summary>EUSERS/ENOSPC on create: available_instances is 0.</summary>
        NoInstancesLeft,
        /// <summary>No /sys/devices/vfio_ap/matrix: the vfio_ap module is not loaded.</summary>
        VfioApNotLoaded,
        /// <summary>EACCES/EPERM: not root.</summary>
        PermissionDenied,
        /// <summary>ENOENT: the attribute does not exist (the mdev went away, or the kernel lacks it).</summary>
        AttributeNotFound,
        /// <summary>EINVAL/ERANGE: the kernel could not parse the value.</summary>
        InvalidValue,
        /// <summary>EBUSY on bind: the queue already has a driver.</summary>
        QueueAlreadyBound,
        /// <summary>ENODEV on bind: apmask/aqmask give the queue to the other kind of driver, or no such device.</summary>
        QueueDriverMismatch,
        /// <summary>ENODEV on unbind: the queue is not bound to that driver.</summary>
        QueueNotBound,
        /// <summary>Any other errno, or a transport failure.</summary>
        WriteFailed,
        /// <summary>Every write was accepted but the host read back is not as planned.</summary>
        VerificationFailed,
        /// <summary>The rollback after a failure could not bring the host back.</summary>
        RollbackFailed,
    }

    /// <summary>The error categories the module uses, named as PowerShell's <c>ErrorCategory</c> members (the Core has no PowerShell).</summary>
    public enum FailureCategory
    {
        NotSpecified,
        InvalidArgument,
        InvalidOperation,
        InvalidResult,
        LimitsExceeded,
        NotInstalled,
        ObjectNotFound,
        PermissionDenied,
        ResourceBusy,
        ResourceExists,
        ResourceUnavailable,
        WriteError,
    }

    /// <summary>A refused or failed change, in words for an ErrorRecord: what failed, on which host, which attribute and value, the errno, what was undone and what to do.</summary>
    public sealed class PlanFailure
    {
        internal PlanFailure(RefusalCode code, Errno errno, string host, string? path, string? value, string message, string recommendedAction,
                             PlanOutcome? outcome = null, MatrixFinding? finding = null)
        {
            Code = code;
            Category = KernelRefusal.CategoryOf(code);
            Errno = errno;
            Host = host;
            Path = path;
            Value = value;
            Message = message;
            RecommendedAction = recommendedAction;
            Outcome = outcome;
            Finding = finding;
        }

        public RefusalCode Code { get; }
        /// <summary><c>VfioAp.</c> and the code: the stable part of the ErrorRecord's FullyQualifiedErrorId.</summary>
        public string ErrorId => "VfioAp." + Code;
        public FailureCategory Category { get; }
        public Errno Errno { get; }
        public string Host { get; }
        /// <summary>The full path of the attribute written (or that would have been), when there is one.</summary>
        public string? Path { get; }
        /// <summary>The value written (or that would have been).</summary>
        public string? Value { get; }
        public string Message { get; }
        public string RecommendedAction { get; }
        /// <summary>The plan's outcome, when the failure happened while applying one.</summary>
        public PlanOutcome? Outcome { get; }
        /// <summary>The validator's finding, when the module refused before writing.</summary>
        public MatrixFinding? Finding { get; }
        public override string ToString() => $"{ErrorId}: {Message}";
    }

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
        /// the write the kernel would have refused (see <see cref="FirstRefusedWrite"/>), when known.
        /// </summary>
        public static PlanFailure FromFinding(MatrixFinding finding, string host, string what, string? path = null, string? value = null) =>
            new PlanFailure(finding.Refusal, finding.KernelErrno, host, path, value,
                $"Host '{host}': {what} refused before anything was written: {finding.Message}" +
                (path is null || value is null || finding.KernelErrno == Errno.None ? "" : $" (Writing '{value}' to {path} would fail with {finding.KernelErrno}.)"),
                finding.RecommendedAction ?? Advise(finding.Refusal, null, null), finding: finding);

        /// <summary>
        /// The first write of a matrix plan the kernel would refuse, and with which errno, judged from the snapshot: the
        /// plan's writes applied one by one to the mdev's matrix, each assign (or ap_config) checked as the kernel checks
        /// it (ids against the maxima, then default-driver ownership, then other mdevs). Null when none would be refused.
        /// </summary>
        public static (SysfsWrite Write, Errno Errno)? FirstRefusedWrite(HostSnapshot host, Guid mdev, WritePlan plan)
        {
            var matrix = host.FindMdev(mdev)?.Matrix ?? ApMatrix.Empty;
            foreach (var w in plan.Writes)
            {
                if (MdevOf(w.Path) != mdev) continue;
                var attribute = SysfsLayout.LastSegment(w.Path);
                var value = w.Value.TrimEnd('\n');
                if (attribute.StartsWith("assign_", StringComparison.Ordinal) || attribute.StartsWith("unassign_", StringComparison.Ordinal))
                {
                    bool adapter = attribute.EndsWith("_adapter", StringComparison.Ordinal);
                    if (KernelNumber.TryParse(value, out var id, out _) && id > (ulong)(adapter ? host.Bus.MaxAdapterId : host.Bus.MaxDomainId))
                        return (w, Errno.ENODEV);
                }
                matrix = Apply(matrix, attribute, value);
                if (attribute != "ap_config" && attribute != "assign_adapter" && attribute != "assign_domain") continue;
                var errors = MatrixValidator.Validate(host, mdev, matrix).Where(f => f.Severity == FindingSeverity.Error).ToList();
                // The kernel's order for an assign or ap_config: ownership, then sharing, then (ap_config only) the maxima.
                var first = errors.FirstOrDefault(f => f.KernelErrno == Errno.EADDRNOTAVAIL)
                            ?? errors.FirstOrDefault(f => f.KernelErrno == Errno.EADDRINUSE)
                            ?? errors.FirstOrDefault(f => f.KernelErrno == Errno.ENODEV);
                if (first != null) return (w, first.KernelErrno);
            }
            return null;
        }

        /// <summary>
        /// A failed plan in words: the failed write (host, attribute, value, errno and meaning), what had been applied,
        /// what the rollback undid or could not undo, and what to do. <paramref name="before"/> is the snapshot the plan was made from.
        /// </summary>
        public static PlanFailure Describe(PlanOutcome outcome, HostSnapshot? before)
        {
            if (outcome.Succeeded) throw new ArgumentException("The plan succeeded; there is no failure to describe.", nameof(outcome));
            var host = outcome.Host;
            var failed = outcome.FailedWrite;
            var state = outcome.AfterRun ?? before;
            RefusalCode code;
            string head, action;
            string? path = null, value = null;
            if (failed != null)
            {
                var attribute = SysfsLayout.LastSegment(failed.Path);
                var matrix = MatrixAtFailure(outcome, before);
                code = outcome.Error == Errno.None ? RefusalCode.WriteFailed : Classify(attribute, outcome.Error);
                path = Join(outcome.Root, failed.Path);
                value = failed.Value.TrimEnd('\n');
                var errno = outcome.Error == Errno.None
                    ? (outcome.Run.Message ?? "an unknown failure")
                    : $"{outcome.Error} ({ErrnoText.Describe(outcome.Error)}): {Explain(failed, outcome.Error, state, matrix)}";
                if (outcome.Error != Errno.None && outcome.Run.Message != null) errno += " (" + outcome.Run.Message + ")";
                head = $"Host '{host}': {outcome.Plan.Summary} failed at step {outcome.Run.FailedStep + 1} of {outcome.Plan.Steps.Count}: " +
                       $"writing '{value}' to {path} ({failed.Description}) was refused with {errno}.";
                action = Advise(code, failed, state, matrix);
            }
            else
            {
                code = RefusalCode.VerificationFailed;
                head = $"Host '{host}': {outcome.Plan.Summary}: all {outcome.Plan.Steps.Count} write(s) were accepted, but reading back shows {outcome.VerificationProblem}.";
                action = Advise(code, null, state);
            }

            var applied = outcome.AppliedWrites;
            string appliedText = applied.Count == 0 || failed is null ? "" : $" Applied before it: {Steps(applied)}.";
            string rollbackText;
            if (!outcome.RollbackRan)
                rollbackText = outcome.RestoreProblem is not null ? $" Now {outcome.RestoreProblem}." : applied.Count == 0 ? " Nothing was changed." : "";
            else if (outcome.RolledBack)
                rollbackText = $" Rolled back: {Steps(outcome.Rollback.Select(r => r.Write).ToList())}; the host is as it was before.";
            else if (!outcome.RollbackFailed)
                rollbackText = outcome.RestoreProblem is null ? "" : $" Now {outcome.RestoreProblem}.";
            else
            {
                var bad = outcome.Rollback.Where(r => !r.Applied).ToList();
                rollbackText = " The rollback did not restore the host: " +
                    (bad.Count > 0 ? $"undo {string.Join("; ", bad.Select(r => $"'{r.Write.Value}' to {Join(outcome.Root, r.Write.Path)} got {(r.Error == Errno.None ? r.Message : r.Error + " (" + ErrnoText.Describe(r.Error) + ")")}"))}. " : "") +
                    (outcome.RestoreProblem is null ? "" : $"Now {outcome.RestoreProblem}.");
                action += " " + Advise(RefusalCode.RollbackFailed, null, null);
            }
            return new PlanFailure(code, outcome.Error, host, path, value, head + appliedText + rollbackText, action, outcome);
        }

        private static string Steps(IReadOnlyList<SysfsWrite> writes) =>
            writes.Count <= 4 ? string.Join("; ", writes.Select(w => w.Description)) : string.Join("; ", writes.Take(3).Select(w => w.Description)) + $" and {writes.Count - 3} more";

        private static string Join(string root, string path) => root.TrimEnd('/') + "/" + path;

        private static string Max(HostSnapshot? s, bool adapter) =>
            s is null ? "" : " " + (adapter ? s.Bus.MaxAdapterId : s.Bus.MaxDomainId) + (adapter ? " (ap_max_adapter_id)" : " (ap_max_domain_id)");

        /// <summary>The mdev a write belongs to, from its path (devices/vfio_ap/matrix/&lt;uuid&gt;/attribute).</summary>
        private static Guid? MdevOf(string path)
        {
            var dir = path.Substring(0, Math.Max(0, path.LastIndexOf('/')));
            return Guid.TryParseExact(SysfsLayout.LastSegment(dir), "D", out var u) ? u : (Guid?)null;
        }

        /// <summary>
        /// The matrix the kernel checked when the write failed: the mdev's matrix before the plan, the applied writes
        /// of the plan on it, and the failed write itself (what the kernel validates before it clears the bit again).
        /// </summary>
        public static ApMatrix? MatrixAtFailure(PlanOutcome outcome, HostSnapshot? before)
        {
            var failed = outcome.FailedWrite;
            if (failed is null || MdevOf(failed.Path) is not Guid self) return null;
            var matrix = before?.FindMdev(self)?.Matrix ?? ApMatrix.Empty;
            foreach (var w in outcome.AppliedWrites.Concat(new[] { failed }))
                if (MdevOf(w.Path) == self) matrix = Apply(matrix, SysfsLayout.LastSegment(w.Path), w.Value.TrimEnd('\n'));
            return matrix;
        }

        private static ApMatrix Apply(ApMatrix m, string attribute, string value)
        {
            if (attribute == "ap_config")
            {
                try { return SysfsFormat.ParseApConfig(value); }
                catch (FormatException) { return m; }
            }
            if (!KernelNumber.TryParse(value, out var v, out _) || v > 255) return m;
            int id = (int)v;
            return attribute switch
            {
                "assign_adapter" => m.WithAdapters(m.Adapters.With(id)),
                "unassign_adapter" => m.WithAdapters(m.Adapters.Without(id)),
                "assign_domain" => m.WithDomains(m.Domains.With(id)),
                "unassign_domain" => m.WithDomains(m.Domains.Without(id)),
                "assign_control_domain" => m.WithControlDomains(m.ControlDomains.With(id)),
                "unassign_control_domain" => m.WithControlDomains(m.ControlDomains.Without(id)),
                _ => m,
            };
        }

        private static ApMatrix? Checked(SysfsWrite write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (matrixAtWrite.HasValue) return matrixAtWrite;
            if (host is null || MdevOf(write.Path) is not Guid self) return null;
            return Apply(host.FindMdev(self)?.Matrix ?? ApMatrix.Empty, SysfsLayout.LastSegment(write.Path), write.Value.TrimEnd('\n'));
        }

        private static List<Guid> HolderMdevs(SysfsWrite? write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (write is null || host is null || MdevOf(write.Path) is not Guid self || Checked(write, host, matrixAtWrite) is not ApMatrix m) return new List<Guid>();
            return host.Mdevs.Where(o => o.Uuid != self && m.Adapters.Overlaps(o.Adapters) && m.Domains.Overlaps(o.Domains)).Select(o => o.Uuid).ToList();
        }

        /// <summary>Which mdevs hold APQNs of the matrix the kernel checked, and which APQNs.</summary>
        private static string Holders(SysfsWrite write, HostSnapshot? host, ApMatrix? matrixAtWrite)
        {
            if (host is null || MdevOf(write.Path) is not Guid self || Checked(write, host, matrixAtWrite) is not ApMatrix m) return "";
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
