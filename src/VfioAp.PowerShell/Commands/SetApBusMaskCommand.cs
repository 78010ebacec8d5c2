using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Boot;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Arguments;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Set-ApBusMask: gives adapters or domains to vfio_ap (clears their apmask/aqmask bits) or back to the host's
    /// default drivers (sets them), with relative writes that name only the changed bits; or sets the masks from the
    /// kernel's own syntax. Refuses, as the kernel does with EBUSY, to give the host an APQN an mdev holds, and names
    /// the mdev and the APQNs. With -Persist the result is also written to chzdev's udev rule (the next boot's masks)
    /// in the same plan; with -PersistOnly only the rule changes, relative input applying to the persistent masks.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ApBusMask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = PersistLiveSet)]
    [OutputType(typeof(ApBusConfig))]
    public sealed class SetApBusMaskCommand : MaintenanceChangeCmdlet
    {
        private const string IdsSet = "Ids", MaskSet = "Mask", PersistLiveSet = "PersistLive";

        /// <summary>Adapters whose apmask bits change.</summary>
        [Parameter(ParameterSetName = IdsSet)]
        [ApIdTransformation]
        public ApId[]? Adapter { get; set; }

        /// <summary>Domains whose aqmask bits change.</summary>
        [Parameter(ParameterSetName = IdsSet)]
        [DomainIdTransformation]
        public DomainId[]? Domain { get; set; }

        /// <summary>VfioAp (clear the bits: pass-through) or Host (set them: the default zcrypt drivers).</summary>
        [Parameter(Mandatory = true, ParameterSetName = IdsSet)]
        public ApOwner Owner { get; set; }

        /// <summary>apmask in the kernel's syntax: absolute (0x…, up to 64 hex digits) or relative (+N, -N, +N-M, comma-separated).</summary>
        [Parameter(ParameterSetName = MaskSet)]
        [ValidateNotNullOrEmpty]
        public string? ApMask { get; set; }

        /// <summary>aqmask in the kernel's syntax.</summary>
        [Parameter(ParameterSetName = MaskSet)]
        [ValidateNotNullOrEmpty]
        public string? AqMask { get; set; }

        /// <summary>Also persist the result: chzdev's udev rule /etc/udev/rules.d/41-ap.rules with both masks, in the same plan. Alone: persist the live masks as they are.</summary>
        [Parameter(ParameterSetName = IdsSet)]
        [Parameter(ParameterSetName = MaskSet)]
        [Parameter(ParameterSetName = PersistLiveSet)]
        public SwitchParameter Persist { get; set; }

        /// <summary>Change only the udev rule (the next boot), not the live masks; relative input applies to the persistent masks.</summary>
        [Parameter(ParameterSetName = IdsSet)]
        [Parameter(ParameterSetName = MaskSet)]
        [Parameter(ParameterSetName = PersistLiveSet)]
        public SwitchParameter PersistOnly { get; set; }

        /// <summary>Write the bus configuration after the change (as Get-ApBusConfig shows it).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private bool Persists => Persist.IsPresent || PersistOnly.IsPresent;

        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs
                                                  | (Persists ? SnapshotParts.PersistentFiles : 0);

        protected override void BeginProcessing()
        {
            if (Persist.IsPresent && PersistOnly.IsPresent)
                Refuse(VfioApErrorId.InvalidValue, "-Persist changes the live masks and the udev rule, -PersistOnly only the rule: give one of them.", null);
            if (ParameterSetName == IdsSet && Adapter is null && Domain is null)
                Refuse(VfioApErrorId.NothingToChange, "Set-ApBusMask needs -Adapter or -Domain with -Owner, or -ApMask / -AqMask.", null);
            if (ParameterSetName == PersistLiveSet && !Persists)
                Refuse(VfioApErrorId.NothingToChange, "Set-ApBusMask needs -Adapter or -Domain with -Owner, -ApMask / -AqMask, or -Persist to persist the live masks as they are.", null);
            if (ParameterSetName == MaskSet && ApMask is null && AqMask is null)
                Refuse(VfioApErrorId.NothingToChange, "Set-ApBusMask -ApMask/-AqMask needs at least one of them.", null);
            // The kernel's syntax is checked before any host is read (a relative mask is applied to each host's own mask later).
            foreach (var (name, text) in new[] { ("ApMask", ApMask), ("AqMask", AqMask) })
                if (text != null && !Core.Model.ApMask.TryParseKernel(text, Core.Model.ApMask.Empty, out _, out var problem))
                    Refuse(VfioApErrorId.InvalidValue, $"-{name} '{text}' is not in the kernel's mask syntax: {problem} Write an absolute mask (0x followed by up to 64 hex digits, bit 0 first) or relative terms such as -5,-6 or +0x20-0x2f.", text);
        }

        private void Refuse(string errorId, string message, object? target) =>
            ThrowTerminatingError(new VfioApException(errorId, ErrorCategory.InvalidArgument, message,
                "See Get-Help Set-ApBusMask -Examples.").ToErrorRecord(target));

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            if (Persists && !CanPersist(snapshot, session)) return Array.Empty<HostChange>();
            return HostWide(snapshot, session, PlanFor(), $"apmask/aqmask of {session.ComputerName}",
                PassThru.IsPresent ? after => new object[] { after.Bus } : null,
                Persists ? BootWarnings(snapshot, session) : null);
        }

        /// <summary>
        /// The masks the change ends with, from the masks it applies to (the live ones, or the persistent ones with
        /// -PersistOnly): ids given to an owner, the kernel's syntax parsed against them, or them as they are.
        /// </summary>
        private Func<ApMask, ApMask, (ApMask ApMask, ApMask AqMask)> Target()
        {
            bool ids = ParameterSetName == IdsSet;
            var adapters = Core.Model.ApMask.Of((Adapter ?? Array.Empty<ApId>()).Select(a => (int)a));
            var domains = Core.Model.ApMask.Of((Domain ?? Array.Empty<DomainId>()).Select(d => (int)d));
            var owner = Owner;
            string? apMask = ApMask, aqMask = AqMask;
            return (ap, aq) =>
            {
                if (ids)
                    return owner == ApOwner.Host ? (ap | adapters, aq | domains) : (ap.Except(adapters), aq.Except(domains));
                return (apMask is null ? ap : Core.Model.ApMask.ParseKernel(apMask, ap), aqMask is null ? aq : Core.Model.ApMask.ParseKernel(aqMask, aq));
            };
        }

        /// <summary>
        /// The change as a pure function of a snapshot: relative masks apply to that host's masks (and, for -Persist,
        /// its rule's previous text is the file step's precondition), so a re-plan after a conflict starts from the fresh ones.
        /// </summary>
        private Func<HostSnapshot, Replanned> PlanFor()
        {
            var target = Target();
            bool persist = Persists, persistOnly = PersistOnly.IsPresent;
            return snapshot =>
            {
                IReadOnlyList<MatrixFinding> refusals = Array.Empty<MatrixFinding>();
                var bus = snapshot.Bus;
                if (!persist)
                {
                    var (ap, aq) = target(bus.ApMask.Mask, bus.AqMask.Mask);
                    var live = BusMaskPlanner.PlanMasks(snapshot, ap, aq, out refusals);
                    return new Replanned(live, refusals, live.Summary);
                }
                if (!PersistentMaskPlan.TryReadRule(snapshot, out var rule))
                    return Replanned.Gone($"/{UdevMaskRule.FilePath} on {snapshot.ComputerName} cannot be read");
                WritePlan plan;
                if (persistOnly)
                {
                    var (pap, paq) = PersistentMaskPlan.Current(snapshot, rule);
                    var (ap, aq) = target(pap, paq);
                    plan = PersistentMaskPlan.Plan(snapshot, ap, aq, rule);
                }
                else
                {
                    var (ap, aq) = target(bus.ApMask.Mask, bus.AqMask.Mask);
                    var live = BusMaskPlanner.PlanMasks(snapshot, ap, aq, out refusals);
                    var file = PersistentMaskPlan.Plan(snapshot, ap, aq, rule);
                    plan = live.IsEmpty ? file : file.IsEmpty ? live
                        : WritePlan.Concat($"Set and persist apmask and aqmask on {snapshot.ComputerName}", live, file);
                }
                return new Replanned(plan, refusals, plan.Summary);
            };
        }

        /// <summary>The rule has a place to go (the session reads a host root) and the present one could be read; else an error record.</summary>
        private bool CanPersist(HostSnapshot snapshot, ApSession session)
        {
            if (session.Reach.HostRoot is null)
            {
                WriteError(new VfioApException(VfioApErrorId.HostRootRequired, ErrorCategory.InvalidOperation,
                    $"Host '{session.ComputerName}': this session reads only a sysfs tree ({session.Sysfs.Root}), with no directory standing for the host's /, so /{UdevMaskRule.FilePath} has no place to go.",
                    "Open the session with -HostRoot <dir> (or a sysfs tree at <dir>/sys), or leave out -Persist/-PersistOnly.",
                    session.ComputerName).ToErrorRecord(session));
                return false;
            }
            if (PersistentMaskPlan.TryReadRule(snapshot, out _)) return true;
            WriteError(new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.ReadError,
                $"Host '{session.ComputerName}': /{UdevMaskRule.FilePath} exists but cannot be read, so it cannot be replaced with what it was planned from.",
                "Run as root or with -UseSudo.", session.ComputerName).ToErrorRecord(session));
            return false;
        }

        /// <summary>After the rule is written: the mdevctl auto definitions ap-check would refuse at the next boot under the masks persisted.</summary>
        private Func<PlanOutcome, IEnumerable<string>> BootWarnings(HostSnapshot snapshot, ApSession session)
        {
            string hostRoot = session.Reach.HostRoot ?? "/";
            return outcome =>
            {
                var after = outcome.After ?? snapshot;
                if (!after.Has(SnapshotParts.PersistentFiles) || !PersistentMaskPlan.TryReadRule(after, out var rule) || rule is null) return Array.Empty<string>();
                var (ap, aq) = PersistentMaskPlan.Current(after, rule);
                return PersistentMaskPlan.LeftToHost(BootStateFiles.FromSnapshot(after, hostRoot), ap, aq)
                    .Select(w => $"Host '{session.ComputerName}': {w}").ToList();
            };
        }
    }
}
