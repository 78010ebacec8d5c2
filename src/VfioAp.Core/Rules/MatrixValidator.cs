using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    public enum FindingSeverity
    {
        /// <summary>The kernel would refuse the matrix.</summary>
        Error,
        /// <summary>The kernel accepts it, but the guest will not get all of it.</summary>
        Warning,
    }

    public enum MatrixFindingCode
    {
        AdapterAboveMaximum,
        DomainAboveMaximum,
        ControlDomainAboveMaximum,
        ApqnOwnedByHost,
        ApqnInOtherMdev,
        AdapterNotInHostConfig,
        DomainNotInHostConfig,
        ControlDomainNotInHostConfig,
        AdapterDroppedFromGuest,
    }

    /// <summary>One thing to know about a proposed matrix before it is written.</summary>
    public sealed class MatrixFinding
    {
        internal MatrixFinding(FindingSeverity severity, MatrixFindingCode code, Errno kernelErrno, string message,
                               ApId? adapter = null, DomainId? domain = null, IReadOnlyList<Apqn>? apqns = null, Guid? otherMdev = null,
                               ApcbDropReason? dropReason = null)
        {
            Severity = severity;
            Code = code;
            KernelErrno = kernelErrno;
            Message = message;
            Adapter = adapter;
            Domain = domain;
            Apqns = apqns ?? Array.Empty<Apqn>();
            OtherMdev = otherMdev;
            DropReason = dropReason;
        }

        public FindingSeverity Severity { get; }
        public MatrixFindingCode Code { get; }
        /// <summary>The errno the kernel would answer the write with (None for warnings).</summary>
        public Errno KernelErrno { get; }
        public string Message { get; }
        public ApId? Adapter { get; }
        public DomainId? Domain { get; }
        public IReadOnlyList<Apqn> Apqns { get; }
        public Guid? OtherMdev { get; }
        public ApcbDropReason? DropReason { get; }
        public override string ToString() => $"{Severity}: {Message}";
    }

    /// <summary>
    /// Checks a proposed matrix against a host snapshot the way the kernel will (spec §5) and predicts what the guest
    /// loses (spec §6), so a change can be refused or explained before anything is written.
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
            foreach (var a in aboveA)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.AdapterAboveMaximum, Errno.ENODEV,
                    $"Adapter {a:x2} is above the host's maximum adapter id {bus.MaxAdapterId} (ap_max_adapter_id); the kernel refuses it with ENODEV.", adapter: new ApId(a)));
            foreach (var d in aboveD)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.DomainAboveMaximum, Errno.ENODEV,
                    $"Domain {d:x4} is above the host's maximum domain id {bus.MaxDomainId} (ap_max_domain_id); the kernel refuses it with ENODEV.", domain: new DomainId(d)));
            foreach (var d in aboveC)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ControlDomainAboveMaximum, Errno.ENODEV,
                    $"Control domain {d:x4} is above the host's maximum domain id {bus.MaxDomainId}; the kernel refuses it with ENODEV.", domain: new DomainId(d)));

            // The kernel checks default-driver ownership first (EADDRNOTAVAIL), then sharing with other mdevs (EADDRINUSE).
            var hostOwned = new List<Apqn>();
            var byOther = new Dictionary<Guid, List<Apqn>>();
            foreach (var a in proposed.Adapters)
                foreach (var d in proposed.Domains)
                {
                    var q = new Apqn(a, d);
                    if (bus.IsHostOwned(q)) hostOwned.Add(q);
                    var holder = host.MdevHolding(q);
                    if (holder.HasValue && holder != mdev)
                    {
                        if (!byOther.TryGetValue(holder.Value, out var list)) byOther[holder.Value] = list = new List<Apqn>();
                        list.Add(q);
                    }
                }
            if (hostOwned.Count > 0)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnOwnedByHost, Errno.EADDRNOTAVAIL,
                    $"{Count(hostOwned, "APQN")} {List(hostOwned)} belong{(hostOwned.Count == 1 ? "s" : "")} to the host's default drivers (apmask and aqmask both set); " +
                    "the kernel refuses with EADDRNOTAVAIL. Give them to vfio_ap first with Set-ApBusMask.", apqns: hostOwned));
            foreach (var kv in byOther)
                findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnInOtherMdev, Errno.EADDRINUSE,
                    $"{Count(kv.Value, "APQN")} {List(kv.Value)} {(kv.Value.Count == 1 ? "is" : "are")} already assigned to mdev {kv.Key:D}; the kernel refuses with EADDRINUSE. " +
                    "Unassign them from that mdev first, or choose other adapters or domains.", apqns: kv.Value, otherMdev: kv.Key));

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

        private static string Count(List<Apqn> q, string noun) => q.Count == 1 ? noun : $"{q.Count} {noun}s";

        private static string List(List<Apqn> q) =>
            q.Count <= 8 ? string.Join(", ", q) : string.Join(", ", q.Take(8)) + $" and {q.Count - 8} more";
    }
}
