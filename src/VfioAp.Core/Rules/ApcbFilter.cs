using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>An adapter, domain or control domain the guest does not get, with the reason.</summary>
    public sealed class ApcbDrop
    {
        internal ApcbDrop(ApId? adapter, DomainId? domain, DomainId? controlDomain, ApcbDropReason reason, IReadOnlyList<ApqnCause> causes, string message)
        {
            Adapter = adapter;
            Domain = domain;
            ControlDomain = controlDomain;
            Reason = reason;
            Causes = causes;
            Message = message;
        }

        public ApId? Adapter { get; }
        public DomainId? Domain { get; }
        public DomainId? ControlDomain { get; }
        /// <summary>The first cause in the kernel's order (for an adapter: the APQN at which the kernel's loop stopped).</summary>
        public ApcbDropReason Reason { get; }
        /// <summary>That first APQN, for an adapter dropped because of its queues.</summary>
        public Apqn? Apqn => Causes.Count > 0 ? Causes[0].Apqn : (Apqn?)null;
        /// <summary>Every APQN of the adapter that is not usable, in the kernel's order.</summary>
        public IReadOnlyList<ApqnCause> Causes { get; }
        public string Message { get; }
        public override string ToString() => Message;
    }

    /// <summary>The guest APCB predicted from a matrix, and every cut with its reason.</summary>
    public sealed class ApcbPrediction
    {
        internal ApcbPrediction(ApMatrix matrix, ApMatrix guest, IReadOnlyList<ApcbDrop> dropped, bool hostConfigReported)
        {
            Matrix = matrix;
            Guest = guest;
            Dropped = dropped;
            HostConfigReported = hostConfigReported;
        }

        /// <summary>The mdev's matrix the prediction started from.</summary>
        public ApMatrix Matrix { get; }
        /// <summary>The APCB: adapters, usage domains and control domains the guest gets.</summary>
        public ApMatrix Guest { get; }
        public IReadOnlyList<ApcbDrop> Dropped { get; }
        public bool HostConfigReported { get; }
        /// <summary>The predicted <c>guest_matrix</c> text, as the kernel would print it.</summary>
        public string GuestMatrixText => MatrixText.FormatMatrix(Guest.Adapters, Guest.Domains);
    }

    /// <summary>
    /// The kernel's rule for the guest APCB (<c>vfio_ap_mdev_filter_matrix</c> and <c>vfio_ap_mdev_filter_cdoms</c>):
    /// adapters and domains are first cut to the host AP configuration; then, because the architecture cannot
    /// give a guest a single APQN less, an adapter is dropped whole when any of its remaining APQNs is not a queue
    /// bound to vfio_ap (or its last reset failed). Control domains are only cut to the host configuration.
    /// </summary>
    public static class ApcbFilter
    {
        public static ApcbPrediction Predict(ApMatrix matrix, HostApConfig host, IQueueStates queues)
        {
            var drops = new List<ApcbDrop>();

            var apm = matrix.Adapters & host.Adapters;
            var aqm = matrix.Domains & host.Domains;
            var adm = matrix.ControlDomains & host.ControlDomains;

            const string NoQci = " The host reports no AP configuration (ap_*_mask say 'not supported': no QCI), so vfio_ap gives guests nothing.";
            var why = host.Reported ? "" : NoQci;
            foreach (var a in matrix.Adapters.Except(host.Adapters))
                drops.Add(new ApcbDrop(new ApId(a), null, null, ApcbDropReason.AdapterNotInHostConfig, Array.Empty<ApqnCause>(),
                    $"Adapter {a:x2} is not in the host's AP configuration (ap_adapter_mask), so the guest cannot get it.{why}"));
            foreach (var d in matrix.Domains.Except(host.Domains))
                drops.Add(new ApcbDrop(null, new DomainId(d), null, ApcbDropReason.DomainNotInHostConfig, Array.Empty<ApqnCause>(),
                    $"Domain {d:x4} is not in the host's AP configuration (ap_usage_domain_mask); the domain is cut, no adapter is dropped for it.{why}"));
            foreach (var d in matrix.ControlDomains.Except(host.ControlDomains))
                drops.Add(new ApcbDrop(null, null, new DomainId(d), ApcbDropReason.ControlDomainNotInHostConfig, Array.Empty<ApqnCause>(),
                    $"Control domain {d:x4} is not in the host's AP configuration (ap_control_domain_mask).{why}"));

            var kept = apm;
            foreach (var a in apm)
            {
                // Fast path: every domain of the row usable, one subset test on 256-bit masks.
                if (aqm.IsSubsetOf(queues.UsableDomains(new ApId(a)))) continue;
                List<ApqnCause>? causes = null;
                foreach (var d in aqm)
                {
                    var q = new Apqn(a, d);
                    var binding = queues.BindingOf(q);
                    ApcbDropReason? reason = binding switch
                    {
                        QueueBinding.Missing => ApcbDropReason.QueueMissing,
                        QueueBinding.Unbound => ApcbDropReason.QueueNotBound,
                        QueueBinding.OtherDriver => ApcbDropReason.QueueBoundToOtherDriver,
                        _ => queues.ResetFailed(q) ? ApcbDropReason.QueueResetFailed : (ApcbDropReason?)null,
                    };
                    if (reason is null) continue;
                    (causes ??= new List<ApqnCause>()).Add(new ApqnCause(q, reason.Value, binding == QueueBinding.OtherDriver ? queues.DriverOf(q) : null));
                }
                if (causes is null) continue;
                kept = kept.Without(a);
                drops.Add(new ApcbDrop(new ApId(a), null, null, causes[0].Reason, causes, DescribeAdapterDrop(a, causes)));
            }

            return new ApcbPrediction(matrix, new ApMatrix(kept, aqm, adm), drops, host.Reported);
        }

        private static string DescribeAdapterDrop(int adapter, List<ApqnCause> causes)
        {
            var first = causes[0];
            string why = first.Reason switch
            {
                ApcbDropReason.QueueMissing => $"queue {first.Apqn} does not exist",
                ApcbDropReason.QueueNotBound => $"queue {first.Apqn} is not bound to any driver",
                ApcbDropReason.QueueBoundToOtherDriver => $"queue {first.Apqn} is bound to {first.Driver ?? "another driver"}, not vfio_ap",
                _ => $"the last reset of queue {first.Apqn} failed",
            };
            var more = causes.Count > 1 ? $" (also: {string.Join(", ", causes.Skip(1).Select(c => c.ToString()))})" : "";
            return $"Adapter {adapter:x2} is dropped from the guest: {why}{more}; the architecture cannot withhold a single APQN, so the whole adapter goes.";
        }
    }
}
