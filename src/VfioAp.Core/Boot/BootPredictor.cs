using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// Predicts the next boot of a host from what it is now (its cards, AP configuration and queue devices stay) and
    /// its persistent state: the masks from the next command line and the udev rule (<see cref="BootMasks"/>), the queues
    /// bound by those masks alone (<see cref="BootQueueStates"/>), mdevctl's auto definitions started in its order
    /// with ap-check's checks (<see cref="MdevctlAutoStart"/>), each started mdev's APCB by the kernel's rule
    /// (<see cref="ApcbFilter"/>), and libvirt's autostart domains, which start when every mdev they reference is there.
    /// vfio_ap is assumed to load at boot as it is loaded now (the rule loads it; so may the distribution).
    /// </summary>
    public static class BootPredictor
    {
        public static BootPrediction Predict(HostSnapshot now, BootFiles files)
        {
            var masks = BootMasks.Resolve(files);
            var auto = MdevctlAutoStart.Run(files, masks.ApMask, masks.AqMask, now.Bus.MaxAdapterId, now.Bus.MaxDomainId);
            var queues = new BootQueueStates(now, masks.ApMask, masks.AqMask);
            var apcbs = new Dictionary<Guid, ApMatrix>();
            foreach (var e in auto.Started)
                apcbs[e.Uuid] = GuestPart(ApcbFilter.Predict(e.Matrix!.Value, now.HostConfig, queues).Guest);
            var started = new HashSet<string>(StringComparer.Ordinal);
            foreach (var g in now.Guests)
                if (g.Persistent && g.Autostart && g.Mdevs.Count > 0 && g.Mdevs.All(apcbs.ContainsKey)) started.Add(g.Name);

            var outcomes = new List<BootOutcome>();
            foreach (var g in now.Guests.OrderBy(g => g.Name, StringComparer.Ordinal))
                foreach (var uuid in g.Mdevs)
                    outcomes.Add(Outcome(now, masks, auto, apcbs, started, g, uuid));
            var warnings = masks.Notes.Concat(files.Warnings).ToList();
            if (auto.Fatal is not null) warnings.Add(auto.Fatal);
            return new BootPrediction(now.ComputerName, masks, auto, apcbs, started.OrderBy(n => n, StringComparer.Ordinal).ToList(), outcomes, warnings);
        }

        /// <summary>The APQN part of an APCB (what <c>guest_matrix</c> shows), so the kernel's text and a prediction compare.</summary>
        public static ApMatrix GuestPart(ApMatrix apcb) => new ApMatrix(apcb.Adapters, apcb.Domains, ApMask.Empty);

        private static BootOutcome Outcome(HostSnapshot now, BootMasks masks, MdevctlAutoStart auto, Dictionary<Guid, ApMatrix> apcbs,
                                           HashSet<string> started, LibvirtGuest g, Guid uuid)
        {
            var live = now.FindMdev(uuid);
            var nowApcb = live is null ? ApMatrix.Empty
                : GuestPart(live.GuestMatrix ?? ApcbFilter.Predict(live.Matrix, now.HostConfig, now).Guest);
            bool comesBack = apcbs.TryGetValue(uuid, out var atBoot);
            var entry = auto.Find(uuid);
            var matrixAtBoot = comesBack ? entry!.Matrix : null;
            bool running = g.IsActive;
            bool guestStarts = started.Contains(g.Name);
            var lost = nowApcb.Apqns().Where(q => !atBoot.Contains(q)).ToList();
            var gained = atBoot.Apqns().Where(q => !nowApcb.Contains(q)).ToList();
            var reasons = BootReasons.For(g, uuid, live, entry, auto, masks, guestStarts);
            bool sameMatrix = live is not null && matrixAtBoot == live.Matrix;
            bool survives = comesBack && sameMatrix && atBoot == nowApcb && (!running || guestStarts);
            if (!survives && reasons.Count == 0)
                reasons.Add($"the guest's APCB at boot differs from now: loses {Show(lost)}, gains {Show(gained)} (the queues are bound by the boot masks alone; a queue unbound by hand or a failed reset does not survive the reboot)");
            return new BootOutcome
            {
                ComputerName = now.ComputerName, Guest = g.Name, Mdev = uuid, Now = nowApcb, AtBoot = atBoot, Lost = lost, Gained = gained,
                Autostart = g.Autostart && g.Persistent, RunningNow = running, MdevComesBack = comesBack,
                MatrixNow = live?.Matrix ?? ApMatrix.Empty, MatrixAtBoot = matrixAtBoot, Reasons = reasons, Survives = survives,
            };
        }

        private static string Show(IReadOnlyList<Apqn> apqns) => apqns.Count == 0 ? "nothing" : ApCheckCallout.Show(apqns);
    }
}
