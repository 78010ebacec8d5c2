using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// Puts the module's prediction of an mdev's guest APCB beside the kernel's <c>guest_matrix</c> and explains every
    /// cut and every disagreement. Everything comes from one <see cref="HostSnapshot"/>; nothing is read here.
    /// </summary>
    public static class ApcbReport
    {
        public const string NotReportedNote =
            "guest_matrix is not reported by this kernel (it predates the vfio_ap dynamic-configuration rework); such a kernel gives the guest the matrix as assigned. Apqns shows what the current kernel rule would give.";

        public static Apcb Build(HostSnapshot snapshot, VfioApMdev mdev)
        {
            if (snapshot is null) throw new ArgumentNullException(nameof(snapshot));
            if (mdev is null) throw new ArgumentNullException(nameof(mdev));
            snapshot.Require(SnapshotParts.QueueBindings | SnapshotParts.Mdevs, "the guest APCB rule");

            var prediction = ApcbFilter.Predict(mdev.Matrix, snapshot.HostConfig, snapshot);
            var host = snapshot.ComputerName;
            var dropped = prediction.Dropped.Select(d => new ApcbDroppedEntry
            {
                ComputerName = host,
                Mdev = mdev.Uuid,
                Adapter = d.Adapter,
                Domain = d.Domain,
                ControlDomain = d.ControlDomain,
                Apqn = d.Apqn,
                Reason = d.Reason,
                Causes = d.Causes,
                Source = ApcbDropSource.Prediction,
                Message = d.Message,
            }).ToList();

            var guest = prediction.Guest;
            var predictedText = prediction.GuestMatrixText;
            var differences = new List<ApcbDifference>();
            bool reported = mdev.GuestMatrix.HasValue && mdev.GuestMatrixText is not null;
            if (reported)
            {
                var kernel = mdev.GuestMatrix!.Value;
                CompareAdapters(snapshot, mdev, guest, kernel, prediction, dropped, differences);
                CompareDomains(host, mdev, guest, kernel, differences);
            }

            return new Apcb
            {
                ComputerName = host,
                Mdev = mdev.Uuid,
                Guest = mdev.Guest,
                Matrix = mdev.Matrix,
                Adapters = guest.Adapters,
                Domains = guest.Domains,
                ControlDomains = guest.ControlDomains,
                Apqns = guest.Apqns().ToArray(),
                PredictedGuestMatrix = predictedText,
                KernelReported = reported,
                KernelApqns = reported ? mdev.GuestMatrix!.Value.Apqns().ToArray() : null,
                KernelAdapters = reported ? mdev.GuestMatrix!.Value.Adapters : (ApMask?)null,
                KernelDomains = reported ? mdev.GuestMatrix!.Value.Domains : (ApMask?)null,
                KernelGuestMatrix = reported ? mdev.GuestMatrixText : null,
                Matches = reported ? string.Equals(predictedText, mdev.GuestMatrixText, StringComparison.Ordinal) : (bool?)null,
                Dropped = dropped,
                Unusable = ApcbUsability.Find(guest, snapshot),
                Differences = differences,
                Note = reported ? null : NotReportedNote,
            };
        }

        private static void CompareAdapters(HostSnapshot snapshot, VfioApMdev mdev, ApMatrix guest, ApMatrix kernel,
                                            ApcbPrediction prediction, List<ApcbDroppedEntry> dropped, List<ApcbDifference> differences)
        {
            var host = snapshot.ComputerName;
            foreach (var a in guest.Adapters.Except(kernel.Adapters))
            {
                // The prediction kept the adapter, so every queue of it in the guest's domains is bound to vfio_ap in the
                // snapshot. What the kernel also checks and sysfs does not show is whether the queue's last reset succeeded.
                var id = new ApId(a);
                // The log is evidence only: the prediction stays what sysfs shows.
                var evidence = snapshot.KernelLog?.Where(l => l.Apqn.Adapter == id && mdev.Matrix.Domains.Contains(l.Apqn.Domain)).ToList()
                               ?? new List<KernelLogLine>();
                // The lines themselves are in Evidence; the message only says when the log could not be consulted.
                var logWords = evidence.Count == 0 && snapshot.KernelLogNote is string note ? $" ({note}.)" : "";
                var message =
                    $"The kernel dropped adapter {id} from the guest although all its queues in domains {guest.Domains} are bound to vfio_ap. " +
                    "The likely cause is a failed queue reset, which vfio_ap treats as unusable and which is not visible in sysfs: " +
                    "check the kernel log (dmesg) for vfio_ap reset errors on these queues, then reset them (unbind and bind again)." + logWords;
                dropped.Add(new ApcbDroppedEntry
                {
                    ComputerName = host,
                    Mdev = mdev.Uuid,
                    Adapter = id,
                    Reason = ApcbDropReason.QueueResetFailed,
                    Source = ApcbDropSource.Kernel,
                    Evidence = evidence,
                    Message = message,
                });
                differences.Add(new ApcbDifference
                {
                    ComputerName = host,
                    Mdev = mdev.Uuid,
                    Adapter = id,
                    InKernel = false,
                    InPrediction = true,
                    LikelyCause = ApcbDropReason.QueueResetFailed,
                    Evidence = evidence,
                    Message = message,
                });
            }

            foreach (var a in kernel.Adapters.Except(guest.Adapters))
            {
                var id = new ApId(a);
                var drop = prediction.Dropped.FirstOrDefault(d => d.Adapter == id);
                var why = drop is not null
                    ? $"the prediction drops it: {drop.Message}"
                    : "it is not in the mdev's matrix";
                differences.Add(new ApcbDifference
                {
                    ComputerName = host,
                    Mdev = mdev.Uuid,
                    Adapter = id,
                    InKernel = true,
                    InPrediction = false,
                    LikelyCause = drop?.Reason,
                    Message = $"The kernel gives adapter {id} to the guest but {why}. The host may have changed while it was read (a bind, unbind or configuration change): read it again.",
                });
            }
        }

        private static void CompareDomains(string host, VfioApMdev mdev, ApMatrix guest, ApMatrix kernel, List<ApcbDifference> differences)
        {
            foreach (var d in guest.Domains.Except(kernel.Domains))
            {
                var id = new DomainId(d);
                differences.Add(new ApcbDifference
                {
                    ComputerName = host,
                    Mdev = mdev.Uuid,
                    Domain = id,
                    InKernel = false,
                    InPrediction = true,
                    Message = $"The kernel cut domain {id} from the guest although it is in the mdev's matrix and in the host's AP configuration (ap_usage_domain_mask); the host AP configuration may have changed while it was read: read it again.",
                });
            }
            foreach (var d in kernel.Domains.Except(guest.Domains))
            {
                var id = new DomainId(d);
                bool inMatrix = mdev.Matrix.Domains.Contains(d);
                differences.Add(new ApcbDifference
                {
                    ComputerName = host,
                    Mdev = mdev.Uuid,
                    Domain = id,
                    InKernel = true,
                    InPrediction = false,
                    LikelyCause = inMatrix ? ApcbDropReason.DomainNotInHostConfig : (ApcbDropReason?)null,
                    Message = inMatrix
                        ? $"The kernel gives domain {id} to the guest but it is not in the host's AP configuration (ap_usage_domain_mask) as read; the configuration may have changed while it was read: read it again."
                        : $"The kernel gives domain {id} to the guest but it is not in the mdev's matrix.",
                });
            }
        }
    }
}
