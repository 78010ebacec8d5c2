using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// For every adapter, domain and control domain the kernel keeps from a guest (<see cref="ApcbFilter"/>) and every
    /// APQN it holds but cannot use (<see cref="ApcbUsability"/>), the repair the kernel allows: bind a queue vfio_ap
    /// owns but nobody drives; unbind and bind again a queue whose reset failed (vfio_ap resets a queue it lets go of,
    /// and the bind probes it afresh and filters the matrix again) or that another driver holds; configure a
    /// deconfigured card; give an APQN the host's drivers own to vfio_ap (a bus mask change, only when asked). What
    /// Linux cannot change — the LPAR's AP configuration, a missing queue, a checkstop — is named with who can.
    /// </summary>
    public static class ApcbRepairPlanner
    {
        public static (IReadOnlyList<MaintenancePart> Parts, IReadOnlyList<ApcbRepairItem> Items) Plan(
            HostSnapshot host, IEnumerable<VfioApMdev> mdevs, bool includeBusMask)
        {
            var items = new List<ApcbRepairItem>();
            var cardsToConfigure = new SortedSet<int>();
            var adaptersToVfio = new SortedSet<int>();
            var queueParts = new List<MaintenancePart>();
            var planned = new HashSet<Apqn>();
            foreach (var mdev in mdevs)
            {
                var guest = mdev.Guests.FirstOrDefault();
                ApcbRepairItem Item(string target, string reason, string action, string by, ApcbRepairStatus status) => new ApcbRepairItem
                {
                    ComputerName = host.ComputerName, Mdev = mdev.Uuid, Guest = guest, Target = target, Reason = reason, Action = action, By = by, Status = status,
                };
                var prediction = ApcbFilter.Predict(mdev.Matrix, host.HostConfig, host);
                foreach (var drop in prediction.Dropped)
                {
                    if (drop.Causes.Count == 0)
                    {
                        items.Add(Item(Name(drop), drop.Reason.ToString(), NotInConfigAction(drop), "the HMC", ApcbRepairStatus.NotRepairable));
                        continue;
                    }
                    foreach (var cause in drop.Causes)
                    {
                        var q = cause.Apqn;
                        switch (cause.Reason)
                        {
                            case ApcbDropReason.QueueMissing:
                                items.Add(Item(q.ToString(), cause.Reason.ToString(),
                                    $"Queue {q} has no device: the LPAR's AP configuration on the HMC must include domain {q.Domain.ToKernelName()} of adapter {q.Adapter.ToKernelName()}, or the card must be installed.",
                                    "the HMC or the hardware", ApcbRepairStatus.NotRepairable));
                                break;
                            case ApcbDropReason.QueueNotBound when !host.Bus.IsHostOwned(q):
                            case ApcbDropReason.QueueBoundToOtherDriver when !host.Bus.IsHostOwned(q):
                            case ApcbDropReason.QueueResetFailed:
                                if (!planned.Add(q)) break;
                                var part = cause.Reason == ApcbDropReason.QueueNotBound ? DeviceMaintenancePlanner.Bind(host, q) : DeviceMaintenancePlanner.Rebind(host, q);
                                queueParts.Add(part);
                                items.Add(Item(q.ToString(), cause.Reason.ToString(), RepairWords(cause.Reason, q, cause.Driver), "Linux", ApcbRepairStatus.Planned));
                                break;
                            default:
                                // Host-owned: only apmask/aqmask can give the queue to vfio_ap (the kernel re-probes it there).
                                if (includeBusMask) adaptersToVfio.Add(q.Adapter.Value);
                                items.Add(Item(q.ToString(), cause.Reason.ToString(),
                                    $"apmask/aqmask give {q} to the host's default drivers: Set-ApBusMask -Adapter 0x{q.Adapter.ToKernelName()} -Owner VfioAp gives the adapter to vfio_ap, which binds its queues.",
                                    "Set-ApBusMask", includeBusMask ? ApcbRepairStatus.Planned : ApcbRepairStatus.NeedsBusMask));
                                break;
                        }
                    }
                }
                foreach (var (target, apqns) in KernelDropped(host, mdev, prediction, planned))
                {
                    queueParts.AddRange(apqns.Select(q => DeviceMaintenancePlanner.Rebind(host, q)));
                    items.Add(Item(target, ApcbDropReason.QueueResetFailed.ToString(),
                        $"the kernel keeps {target} from the guest although its queues are bound to vfio_ap (a failed reset, which sysfs does not show): unbind and bind again {string.Join(", ", apqns)} (vfio_ap resets each and filters the matrix again)",
                        "Linux", ApcbRepairStatus.Planned));
                }
                foreach (var u in ApcbUsability.Find(prediction.Guest, host))
                {
                    if (u.Reason == UnusableReason.CardDeconfigured)
                    {
                        cardsToConfigure.Add(u.Apqn.Adapter.Value);
                        items.Add(Item(u.Apqn.ToString(), u.Reason.ToString(), $"configure card{u.Apqn.Adapter.ToKernelName()} (chzcrypt --config-on) and scan the bus", "Linux", ApcbRepairStatus.Planned));
                    }
                    else
                        items.Add(Item(u.Apqn.ToString(), u.Reason.ToString(), u.Message, u.Reason == UnusableReason.Checkstopped ? "the hardware" : "the HMC", ApcbRepairStatus.NotRepairable));
                }
            }
            var parts = new List<MaintenancePart>();
            foreach (var a in cardsToConfigure) parts.Add(DeviceMaintenancePlanner.CardConfig(host, new ApId(a), true));
            if (adaptersToVfio.Count > 0)
            {
                var masks = BusMaskPlanner.Plan(host, ApMask.Of(adaptersToVfio), ApMask.Empty, ApOwner.VfioAp, out _);
                parts.Add(new MaintenancePart(masks.Steps, masks.DependsOn, masks.Verify));
            }
            parts.AddRange(queueParts);
            return (parts, items);
        }

        /// <summary>
        /// Adapters the rule gives the guest but the kernel's guest_matrix lacks: the kernel filtered them out for a
        /// reason sysfs does not show (a failed reset without its kernel log line), with the queues to bind again.
        /// </summary>
        private static IEnumerable<(string Target, List<Apqn> Apqns)> KernelDropped(HostSnapshot host, VfioApMdev mdev, ApcbPrediction prediction, HashSet<Apqn> planned)
        {
            if (mdev.GuestMatrix is not ApMatrix kernel) yield break;
            foreach (var a in prediction.Guest.Adapters.Except(kernel.Adapters))
            {
                var apqns = prediction.Guest.Domains.Select(d => new Apqn(a, d))
                    .Where(q => host.FindQueue(q)?.Driver == SysfsLayout.VfioApDriver && planned.Add(q)).ToList();
                if (apqns.Count > 0) yield return ("adapter " + new ApId(a).ToKernelName(), apqns);
            }
        }

        private static string Name(ApcbDrop drop) =>
            drop.Adapter is ApId a ? "adapter " + a.ToKernelName()
            : drop.Domain is DomainId d ? "domain " + d.ToKernelName()
            : drop.ControlDomain is DomainId c ? "control domain " + c.ToKernelName() : drop.Reason.ToString();

        private static string NotInConfigAction(ApcbDrop drop) =>
            $"{Name(drop)} is not in the host's AP configuration: only the HMC (the LPAR's crypto configuration) can add it; Linux sees it at the next bus scan.";

        private static string RepairWords(ApcbDropReason reason, Apqn q, string? driver) => reason switch
        {
            ApcbDropReason.QueueNotBound => $"bind {q} to vfio_ap (the kernel filters the mdev's matrix again and plugs the adapter in)",
            ApcbDropReason.QueueResetFailed => $"unbind {q} from vfio_ap and bind it again (vfio_ap resets it and records a fresh reset, then filters the matrix again)",
            _ => $"unbind {q} from {driver ?? "its driver"} and bind it to vfio_ap",
        };
    }
}
