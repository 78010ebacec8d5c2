using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// An mdev's guest APCB: what the module predicts from the host's state (<c>Rules.ApcbFilter</c>) beside what the
    /// kernel reports in <c>guest_matrix</c>, with a reason for everything the guest does not get.
    /// Built by <c>Rules.ApcbReport.Build</c> from one snapshot.
    /// </summary>
    public sealed class Apcb
    {
        public string ComputerName { get; init; } = "";
        public Guid Mdev { get; init; }
        /// <summary>The libvirt domain(s) whose XML references the mdev (see <see cref="VfioApMdev.Guest"/>), or null.</summary>
        public string? Guest { get; init; }
        /// <summary>The mdev's matrix (what was assigned), the prediction's starting point.</summary>
        public ApMatrix Matrix { get; init; }
        /// <summary>Predicted guest adapters (APM).</summary>
        public AdapterMask Adapters { get; init; }
        /// <summary>Predicted guest usage domains (AQM).</summary>
        public DomainMask Domains { get; init; }
        /// <summary>Predicted guest control domains (ADM).</summary>
        public DomainMask ControlDomains { get; init; }
        /// <summary>Predicted APQNs in the kernel's order.</summary>
        public IReadOnlyList<Apqn> Apqns { get; init; } = Array.Empty<Apqn>();
        /// <summary>The predicted <c>guest_matrix</c> text, byte for byte as the kernel would print it.</summary>
        public string PredictedGuestMatrix { get; init; } = "";
        /// <summary>True when this kernel has <c>guest_matrix</c>.</summary>
        public bool KernelReported { get; init; }
        /// <summary>APQNs parsed from the kernel's <c>guest_matrix</c>; null where the kernel does not report it.</summary>
        public IReadOnlyList<Apqn>? KernelApqns { get; init; }
        public AdapterMask? KernelAdapters { get; init; }
        public DomainMask? KernelDomains { get; init; }
        /// <summary>The kernel's <c>guest_matrix</c> text, or null where the kernel does not report it.</summary>
        public string? KernelGuestMatrix { get; init; }
        /// <summary>True when the predicted <c>guest_matrix</c> text equals the kernel's; null when the kernel does not report it.</summary>
        public bool? Matches { get; init; }
        /// <summary>Everything of the matrix the guest does not get, each with its reason.</summary>
        public IReadOnlyList<ApcbDroppedEntry> Dropped { get; init; } = Array.Empty<ApcbDroppedEntry>();
        /// <summary>
        /// APQNs of the predicted APCB the guest holds but cannot use (deconfigured or checkstopped): vfio_ap passes such
        /// queues, so they are in the APCB and do not show as dropped.
        /// </summary>
        public IReadOnlyList<UnusableApqn> Unusable { get; init; } = Array.Empty<UnusableApqn>();
        /// <summary>Where prediction and kernel disagree (empty when they match or the kernel does not report).</summary>
        public IReadOnlyList<ApcbDifference> Differences { get; init; } = Array.Empty<ApcbDifference>();
        /// <summary>Words for a person about the comparison, e.g. "guest_matrix not reported by this kernel".</summary>
        public string? Note { get; init; }
        public override string ToString() => Mdev.ToString("D");
    }

    /// <summary>Who cut an entry: the module's prediction (with a known reason), or only the kernel (reason inferred).</summary>
    public enum ApcbDropSource
    {
        Prediction,
        Kernel,
    }

    /// <summary>An adapter, domain or control domain of the matrix the guest does not get.</summary>
    public sealed class ApcbDroppedEntry
    {
        public string ComputerName { get; init; } = "";
        public Guid Mdev { get; init; }
        public ApId? Adapter { get; init; }
        public DomainId? Domain { get; init; }
        public DomainId? ControlDomain { get; init; }
        /// <summary>For an adapter dropped because of its queues: the first APQN in the kernel's order that caused it.</summary>
        public Apqn? Apqn { get; init; }
        public ApcbDropReason Reason { get; init; }
        /// <summary>Every APQN of a dropped adapter that is not usable, in the kernel's order.</summary>
        public IReadOnlyList<ApqnCause> Causes { get; init; } = Array.Empty<ApqnCause>();
        public ApcbDropSource Source { get; init; }
        /// <summary>For a failed reset the kernel alone saw: its log lines about the adapter's queues (timestamp and text), oldest first.</summary>
        public IReadOnlyList<KernelLogLine> Evidence { get; init; } = Array.Empty<KernelLogLine>();
        public string Message { get; init; } = "";
        public override string ToString() => Message;
    }

    /// <summary>One disagreement between the prediction and the kernel's <c>guest_matrix</c>.</summary>
    public sealed class ApcbDifference
    {
        public string ComputerName { get; init; } = "";
        public Guid Mdev { get; init; }
        public ApId? Adapter { get; init; }
        public DomainId? Domain { get; init; }
        public bool InKernel { get; init; }
        public bool InPrediction { get; init; }
        /// <summary>The most likely reason, when the module can name one (e.g. a failed queue reset, invisible in sysfs).</summary>
        public ApcbDropReason? LikelyCause { get; init; }
        /// <summary>The kernel log's lines backing the likely cause (a failed reset of the adapter's queues), oldest first.</summary>
        public IReadOnlyList<KernelLogLine> Evidence { get; init; } = Array.Empty<KernelLogLine>();
        public string Message { get; init; } = "";
        public override string ToString() => Message;
    }
}
