using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    public enum FindingSeverity
    {
        /// <summary>The kernel would refuse the change.</summary>
        Error,
        /// <summary>The kernel accepts it, but the guest will not get all of it.</summary>
        Warning,
    }

    public enum MatrixFindingCode
    {
        AdapterAboveMaximum,
        DomainAboveMaximum,
        ControlDomainAboveMaximum,
        /// <summary>apmask and aqmask give the APQN to the default drivers: EADDRNOTAVAIL.</summary>
        ApqnOwnedByHost,
        /// <summary>Another mdev's matrix has the APQN: EADDRINUSE.</summary>
        ApqnInOtherMdev,
        /// <summary>A bus mask change would give an mdev's APQN back to the host: EBUSY.</summary>
        ApqnHeldByMdev,
        AdapterNotInHostConfig,
        DomainNotInHostConfig,
        ControlDomainNotInHostConfig,
        /// <summary>A queue of the adapter is missing, unbound, bound elsewhere or failed its reset: the guest loses the adapter.</summary>
        AdapterDroppedFromGuest,
        /// <summary>create: an mdev with that UUID exists (EEXIST).</summary>
        MdevExists,
        /// <summary>create: available_instances is 0.</summary>
        NoInstancesLeft,
        /// <summary>The vfio_ap module is not loaded: there is no matrix device to create mdevs on.</summary>
        VfioApNotLoaded,
        /// <summary>remove: a KVM guest uses the mdev.</summary>
        MdevInUse,
        /// <summary>A shut-off libvirt domain's definition references the mdev (warning: the VM would not start without it).</summary>
        MdevDefinedForGuest,
        /// <summary>bind, reset, online: no such queue device (ENODEV on bind).</summary>
        QueueMissing,
        /// <summary>bind: the queue is bound to another driver (EBUSY).</summary>
        QueueAlreadyBound,
        /// <summary>online: the attribute belongs to zcrypt's queue driver; a queue bound elsewhere has none (ENOENT).</summary>
        AttributeMissing,
    }

    /// <summary>One thing to know about a proposed change before it is written.</summary>
    public sealed class MatrixFinding
    {
        internal MatrixFinding(FindingSeverity severity, MatrixFindingCode code, Errno kernelErrno, string message,
                               ApId? adapter = null, DomainId? domain = null, IReadOnlyList<Apqn>? apqns = null, Guid? otherMdev = null,
                               ApcbDropReason? dropReason = null, string? action = null, string? attribute = null)
        {
            Attribute = attribute;
            Severity = severity;
            Code = code;
            KernelErrno = kernelErrno;
            Message = message;
            Adapter = adapter;
            Domain = domain;
            Apqns = apqns ?? Array.Empty<Apqn>();
            OtherMdev = otherMdev;
            DropReason = dropReason;
            RecommendedAction = action;
        }

        public FindingSeverity Severity { get; }
        public MatrixFindingCode Code { get; }
        /// <summary>The errno the kernel would answer the write with (None for warnings).</summary>
        public Errno KernelErrno { get; }
        /// <summary>The module's stable refusal for an error, the same as when the kernel itself refuses (None for warnings).</summary>
        public RefusalCode Refusal => Severity == FindingSeverity.Warning ? RefusalCode.None : Code switch
        {
            MatrixFindingCode.AdapterAboveMaximum or MatrixFindingCode.DomainAboveMaximum or MatrixFindingCode.ControlDomainAboveMaximum => RefusalCode.IdAboveMaximum,
            MatrixFindingCode.ApqnOwnedByHost => RefusalCode.ApqnOwnedByHost,
            MatrixFindingCode.ApqnInOtherMdev => RefusalCode.ApqnInUse,
            MatrixFindingCode.ApqnHeldByMdev => RefusalCode.ApqnHeldByMdev,
            MatrixFindingCode.MdevExists => RefusalCode.MdevExists,
            MatrixFindingCode.NoInstancesLeft => RefusalCode.NoInstancesLeft,
            MatrixFindingCode.VfioApNotLoaded => RefusalCode.VfioApNotLoaded,
            MatrixFindingCode.MdevInUse => RefusalCode.MdevInUse,
            MatrixFindingCode.QueueMissing => RefusalCode.QueueDriverMismatch,
            MatrixFindingCode.QueueAlreadyBound => RefusalCode.QueueAlreadyBound,
            MatrixFindingCode.AttributeMissing => RefusalCode.AttributeNotFound,
            _ => RefusalCode.WriteFailed,
        };
        public string Message { get; }
        /// <summary>What to do about it; null for warnings that need nothing.</summary>
        public string? RecommendedAction { get; }
        public ApId? Adapter { get; }
        public DomainId? Domain { get; }
        public IReadOnlyList<Apqn> Apqns { get; }
        public Guid? OtherMdev { get; }
        public ApcbDropReason? DropReason { get; }
        /// <summary>For a bus mask refusal: the attribute whose write the kernel would refuse (apmask or aqmask).</summary>
        public string? Attribute { get; }
        public override string ToString() => $"{Severity}: {Message}";
    }

    /// <summary>
    /// Checks a proposed change against a host snapshot the way the kernel will (about_VfioAp_Kernel: REFUSALS AND
    /// ERRNOS) and predicts what the guest loses (about_VfioAp_Apcb: THE RULE), so a change can be refused or explained
    /// before anything is written.
    /// </summary>
    public static class MatrixValidator
    {
        /// <param name="host">The host as read just now.</param>
        /// <param name="mdev">The mdev the matrix is for (its own current APQNs are no conflict), or null for a new one.</param>
        /// <param name="proposed">The whole matrix the mdev would have.</param>
        public static IReadOnlyList<MatrixFinding> Validate(HostSnapshot host, Guid? mdev, ApMatrix proposed)
        {
            var findings = new List<MatrixFinding>();
            var bus = host.Bus;

            var aboveA = proposed.Adapters.Except(ApMask.Range(0, Math.Min(bus.MaxAdapterId, 255)));
            var aboveD = proposed.Domains.Except(ApMask.Range(0, Math.Min(bus.MaxDomainId, 255)));
            var aboveC = proposed.ControlDomains.Except(ApMask.Range(0, Math.Min(bus.MaxDomainId, 255)));
            const string maxAction = "Use ids up to the host's maximum (Get-ApBusConfig shows MaxAdapterId and MaxDomainId); a host without extended addressing (APXA) has 63 adapters and 16 domains.";
            foreach (var a in aboveA)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.AdapterAboveMaximum, Errno.ENODEV,
                    $"Adapter {a:x2} is above the host's maximum adapter id {bus.MaxAdapterId:x2} (ap_max_adapter_id); the kernel refuses it with ENODEV.",
                    adapter: new ApId(a), action: maxAction));
            foreach (var d in aboveD)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.DomainAboveMaximum, Errno.ENODEV,
                    $"Domain {d:x4} is above the host's maximum domain id {bus.MaxDomainId:x4} (ap_max_domain_id); the kernel refuses it with ENODEV.",
                    domain: new DomainId(d), action: maxAction));
            foreach (var d in aboveC)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ControlDomainAboveMaximum, Errno.ENODEV,
                    $"Control domain {d:x4} is above the host's maximum domain id {bus.MaxDomainId:x4} (ap_max_domain_id); the kernel refuses it with ENODEV.",
                    domain: new DomainId(d), action: maxAction));

            // The kernel checks default-driver ownership first (EADDRNOTAVAIL), then sharing with other mdevs (EADDRINUSE).
            // Both are whole-mask tests: only the adapters and domains that meet a host-owned or foreign APQN are walked.
            var hostOwned = new List<Apqn>();
            var ownedA = proposed.Adapters.Mask & bus.ApMask;
            var ownedD = proposed.Domains.Mask & bus.AqMask;
            if (!ownedA.IsEmpty && !ownedD.IsEmpty)
                foreach (var a in ownedA)
                    foreach (var d in ownedD)
                        hostOwned.Add(new Apqn(a, d));
            if (hostOwned.Count > 0)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnOwnedByHost, Errno.EADDRNOTAVAIL,
                    $"{Count(hostOwned, "APQN")} {ApqnList.Format(hostOwned)} belong{(hostOwned.Count == 1 ? "s" : "")} to the host's default drivers (apmask and aqmask both set); " +
                    "the kernel refuses with EADDRNOTAVAIL.", apqns: hostOwned,
                    action: $"Give them to vfio_ap first: Set-ApBusMask -Adapter {Args(ownedA, 2)} -Owner VfioAp (or -Domain {Args(ownedD, 4)} -Owner VfioAp)."));

            foreach (var other in host.Mdevs)
            {
                if (other.Uuid == mdev) continue;
                var a = proposed.Adapters.Mask & other.Matrix.Adapters;
                var d = proposed.Domains.Mask & other.Matrix.Domains;
                if (a.IsEmpty || d.IsEmpty) continue;
                var shared = a.SelectMany(x => d.Select(y => new Apqn(x, y))).ToList();
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnInOtherMdev, Errno.EADDRINUSE,
                    $"{Count(shared, "APQN")} {ApqnList.Format(shared)} {(shared.Count == 1 ? "is" : "are")} already assigned to mdev {other.Uuid:D}{GuestNote(other)}; the kernel refuses with EADDRINUSE.",
                    apqns: shared, otherMdev: other.Uuid,
                    action: $"Unassign them from mdev {other.Uuid:D} first (Set-VfioApMatrix -Mdev {other.Uuid:D} -Remove -Adapter {Args(a, 2)} or -Domain {Args(d, 4)}), or choose other adapters or domains."));
            }

            // What the guest would get: the kernel's filter on the proposed matrix with today's queues.
            var prediction = ApcbFilter.Predict(proposed, host.HostConfig, host);
            foreach (var drop in prediction.Dropped)
            {
                var code = drop.Reason switch
                {
                    ApcbDropReason.AdapterNotInHostConfig => MatrixFindingCode.AdapterNotInHostConfig,
                    ApcbDropReason.DomainNotInHostConfig => MatrixFindingCode.DomainNotInHostConfig,
                    ApcbDropReason.ControlDomainNotInHostConfig => MatrixFindingCode.ControlDomainNotInHostConfig,
                    _ => MatrixFindingCode.AdapterDroppedFromGuest,
                };
                findings.Add(new MatrixFinding(FindingSeverity.Warning, code, Errno.None, drop.Message,
                    adapter: drop.Adapter, domain: drop.Domain ?? drop.ControlDomain,
                    apqns: drop.Causes.Select(c => c.Apqn).ToList(), dropReason: drop.Reason));
            }
            return findings;
        }

        /// <summary>What the kernel would refuse about creating mdev <paramref name="uuid"/> with <paramref name="initial"/>, and what the guest would lose.</summary>
        public static IReadOnlyList<MatrixFinding> ValidateCreate(HostSnapshot host, Guid uuid, ApMatrix initial)
        {
            var findings = new List<MatrixFinding>();
            if (!host.VfioApLoaded || host.AvailableInstances is null)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.VfioApNotLoaded, Errno.ENOENT,
                    $"Host '{host.ComputerName}' has no vfio_ap matrix device (/sys/devices/vfio_ap/matrix): the vfio_ap module is not loaded.",
                    action: "Load it on the host (modprobe vfio_ap), then run the command again."));
            if (host.FindMdev(uuid) != null)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.MdevExists, Errno.EEXIST,
                    $"An mdev with UUID {uuid:D} already exists on '{host.ComputerName}'; the kernel refuses create with EEXIST.",
                    otherMdev: uuid, action: "Choose another UUID (or none: New-VfioApMdev makes one), or change the existing mdev with Set-VfioApMatrix."));
            else if (host.AvailableInstances == 0)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.NoInstancesLeft, Errno.EUSERS,
                    $"vfio_ap-passthrough has no instances left on '{host.ComputerName}' (available_instances is 0).",
                    action: "Remove an mdev that is no longer used (Remove-VfioApMdev) first."));
            findings.AddRange(Validate(host, null, initial));
            return findings;
        }

        /// <summary>
        /// What stands against removing an mdev: a running guest (the kernel refuses with EBUSY, or on current kernels waits
        /// for the guest to let go). A running libvirt domain whose XML references the mdev counts even when no queue says
        /// "in use" (an mdev without bound queues, or a guest between open and first use). A shut-off definition that
        /// references it is a warning: that VM would no longer start.
        /// </summary>
        public static IReadOnlyList<MatrixFinding> ValidateRemove(HostSnapshot host, VfioApMdev mdev)
        {
            var findings = new List<MatrixFinding>();
            var guests = host.GuestsOf(mdev.Uuid).ToList();
            var active = guests.Where(g => g.IsActive).ToList();
            if (mdev.InUse || active.Count > 0)
            {
                string who = active.Count > 0
                    ? $"{(active.Count == 1 ? "VM" : "VMs")} {string.Join(", ", active.Select(g => $"'{g.Name}' ({g.State})"))} {(active.Count == 1 ? "uses" : "use")} mdev {mdev.Uuid:D} on '{host.ComputerName}'" +
                      (mdev.InUse ? " (its queues' vfio_ap status is 'in use')" : " (its libvirt XML references it, although no queue says 'in use')")
                    : $"A KVM guest is using mdev {mdev.Uuid:D} on '{host.ComputerName}' (its queues' vfio_ap status is 'in use')";
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.MdevInUse, Errno.EBUSY,
                    who + ": older kernels refuse remove with EBUSY, current ones block the write until the guest lets the device go.",
                    otherMdev: mdev.Uuid,
                    action: active.Count > 0
                        ? $"Shut {string.Join(", ", active.Select(g => g.Name))} down (virsh shutdown {active[0].Name}) or detach its vfio-ap hostdev (virsh detach-device) first."
                        : "Shut the guest down or detach its vfio-ap hostdev (virsh detach-device) first."));
            }
            foreach (var g in guests.Where(g => !g.IsActive))
                findings.Add(new MatrixFinding(FindingSeverity.Warning, MatrixFindingCode.MdevDefinedForGuest, Errno.None,
                    $"The definition of VM '{g.Name}' ({g.State}) on '{host.ComputerName}' references mdev {mdev.Uuid:D}; without the mdev that VM will not start.",
                    otherMdev: mdev.Uuid,
                    action: $"Remove the hostdev from the definition (virsh edit {g.Name}) or re-create the mdev before starting it; add -Force to remove it anyway."));
            return findings;
        }

        /// <summary>" of VM 'vm1' (running)" for an mdev a libvirt domain references, so a refusal names the VM, not only a UUID.</summary>
        internal static string GuestNote(VfioApMdev m) => m.Guest is null ? "" : $" of VM{(m.Guests.Count > 1 ? "s" : "")} '{m.Guest}' ({m.GuestState})";

        /// <summary>
        /// What the guest would newly lose if the matrix went from <paramref name="current"/> to <paramref name="desired"/>
        /// (losses that exist already are not repeated), in a few sentences: ids outside the host configuration as one
        /// list per kind, adapters dropped for their queues one by one (at most <paramref name="maxAdapters"/>).
        /// </summary>
        public static IReadOnlyList<string> NewGuestLosses(HostSnapshot host, ApMatrix current, ApMatrix desired, int maxAdapters = 5)
        {
            var before = ApcbFilter.Predict(current, host.HostConfig, host).Dropped;
            var known = new HashSet<string>(before.Select(d => d.Message), StringComparer.Ordinal);
            var fresh = ApcbFilter.Predict(desired, host.HostConfig, host).Dropped.Where(d => !known.Contains(d.Message)).ToList();
            var lines = new List<string>();
            void Cut(ApcbDropReason reason, string what, string attribute, Func<ApcbDrop, int?> id)
            {
                var ids = ApMask.Of(fresh.Where(d => d.Reason == reason).Select(id).Where(i => i.HasValue).Select(i => i!.Value));
                if (!ids.IsEmpty)
                    lines.Add($"{what}{(ids.Count == 1 ? "" : "s")} {ids} {(ids.Count == 1 ? "is" : "are")} not in the host's AP configuration ({attribute}), so the guest cannot get {(ids.Count == 1 ? "it" : "them")} until the machine configures {(ids.Count == 1 ? "it" : "them")}.");
            }
            Cut(ApcbDropReason.AdapterNotInHostConfig, "Adapter", "ap_adapter_mask", d => d.Adapter?.Value);
            Cut(ApcbDropReason.DomainNotInHostConfig, "Domain", "ap_usage_domain_mask", d => d.Domain?.Value);
            Cut(ApcbDropReason.ControlDomainNotInHostConfig, "Control domain", "ap_control_domain_mask", d => d.ControlDomain?.Value);
            var dropped = fresh.Where(d => d.Causes.Count > 0).ToList();
            lines.AddRange(dropped.Take(maxAdapters).Select(d => d.Message));
            if (dropped.Count > maxAdapters)
                lines.Add($"{dropped.Count - maxAdapters} more adapter(s) would be dropped for their queues: {ApMask.Of(dropped.Skip(maxAdapters).Select(d => (int)d.Adapter!.Value.Value))} (Test-VfioApMatrix -Detailed lists them all).");
            return lines;
        }

        private static string Count(List<Apqn> q, string noun) => q.Count == 1 ? noun : $"{q.Count} {noun}s";

        /// <summary>Ids as a command argument: 0x hex, which the module and the kernel read alike ('08' would be bad octal).</summary>
        private static string Args(ApMask m, int digits) => string.Join(",", m.Select(i => "0x" + i.ToString("x" + digits)));
    }
}
