using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Repair-VfioApApcb: gives guests back what the kernel keeps from their APCB where Linux can — binds the queues
    /// vfio_ap owns but nobody drives, unbinds and binds again a queue whose reset failed, configures a deconfigured
    /// card, and with -IncludeBusMask gives APQNs of the host's drivers to vfio_ap — as one plan per host through the
    /// change engine. What only the HMC or the hardware can change is reported with who can. One result object per
    /// cut: what was repaired, what not, and why.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Repair, "VfioApApcb", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ApcbRepairItem))]
    public sealed class RepairVfioApApcbCommand : ApChangeCmdlet
    {
        /// <summary>Only these mdevs (UUID in any form, or Get-VfioApApcb / Get-VfioApMdev objects from the pipeline).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[]? Mdev { get; set; }

        /// <summary>Only the mdevs of these libvirt domains (wildcards allowed; Get-VfioApGuest's objects bind from the pipeline).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyCollection]
        public string[]? Guest { get; set; }

        /// <summary>Also apply the apmask change that gives queues of the host's drivers to vfio_ap (it takes them from the host).</summary>
        [Parameter]
        public SwitchParameter IncludeBusMask { get; set; }

        // The kernel log holds the evidence of a failed reset (sysfs does not show it).
        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests | SnapshotParts.KernelLog;

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var planFor = PlanFor(out var itemsOf);
            var first = planFor(snapshot);
            var items = itemsOf(snapshot);
            if (items.Count == 0)
            {
                WriteVerbose($"Host '{session.ComputerName}': every selected guest gets its whole matrix; nothing to repair.");
                return Array.Empty<HostChange>();
            }
            foreach (var i in items.Where(i => i.Status != ApcbRepairStatus.Planned))
                WriteWarning($"Host '{session.ComputerName}', mdev {i.Mdev:D}{(i.Guest is null ? "" : $" (VM '{i.Guest}')")}: {i.Target} ({i.Reason}) is not repaired: {i.Action}" +
                             (i.Status == ApcbRepairStatus.NeedsBusMask ? " Repeat with -IncludeBusMask to apply it." : $" Who can: {i.By}."));
            return new[]
            {
                new HostChange(session, snapshot, first.Plan, $"guest APCBs of {session.ComputerName}", session,
                    output: outcome => Results(items, snapshot, outcome), replan: planFor),
            };
        }

        /// <summary>Each item with its status after the run, and what its guest gained: the kernel's guest_matrix read back against the one before.</summary>
        private static IEnumerable<object> Results(IReadOnlyList<ApcbRepairItem> items, HostSnapshot before, PlanOutcome? outcome)
        {
            bool done = outcome is { Succeeded: true };
            foreach (var i in items)
            {
                var status = i.Status != ApcbRepairStatus.Planned ? i.Status : done ? ApcbRepairStatus.Repaired : ApcbRepairStatus.Planned;
                yield return i.With(status, done ? Gained(before, outcome!.After, i.Mdev) : Array.Empty<Apqn>());
            }
        }

        private static IReadOnlyList<Apqn> Gained(HostSnapshot before, HostSnapshot? after, Guid mdev)
        {
            var was = before.FindMdev(mdev)?.GuestMatrix?.Apqns() ?? Enumerable.Empty<Apqn>();
            var now = after?.FindMdev(mdev)?.GuestMatrix?.Apqns() ?? Enumerable.Empty<Apqn>();
            return now.Except(was).ToList();
        }

        /// <summary>The repair as a pure function of a snapshot (re-planned from the fresh host after another writer's change), and its items.</summary>
        private Func<HostSnapshot, Replanned> PlanFor(out Func<HostSnapshot, IReadOnlyList<ApcbRepairItem>> itemsOf)
        {
            var uuids = Mdev is null ? null : new HashSet<Guid>(Mdev);
            var guests = GuestFilter.From(Guest);
            bool busMask = IncludeBusMask.IsPresent;
            var parts = Parts;
            IEnumerable<VfioApMdev> Selected(HostSnapshot s) =>
                s.Mdevs.Where(m => (uuids is null || uuids.Contains(m.Uuid)) && (guests is null || guests.Matches(m.Guests)));
            itemsOf = s => ApcbRepairPlanner.Plan(s, Selected(s), busMask).Items;
            return s =>
            {
                var (pieces, _) = ApcbRepairPlanner.Plan(s, Selected(s), busMask);
                var summary = $"Repair the guest APCBs of {s.ComputerName}";
                var plan = MaintenancePart.Join(summary, pieces, parts, out var refusals);
                return new Replanned(plan, refusals, summary);
            };
        }
    }
}
