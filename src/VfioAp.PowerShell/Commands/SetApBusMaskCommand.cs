using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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
    /// the mdev and the APQNs.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ApBusMask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdsSet)]
    [OutputType(typeof(ApBusConfig))]
    public sealed class SetApBusMaskCommand : MaintenanceChangeCmdlet
    {
        private const string IdsSet = "Ids", MaskSet = "Mask";

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

        /// <summary>Write the bus configuration after the change (as Get-ApBusConfig shows it).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == IdsSet && Adapter is null && Domain is null)
                Refuse(VfioApErrorId.NothingToChange, "Set-ApBusMask needs -Adapter or -Domain with -Owner, or -ApMask / -AqMask.", null);
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
            var planFor = PlanFor();
            var first = planFor(snapshot);
            if (first.Refusals.Count > 0)
            {
                WriteRefusals(first.Refusals, snapshot, first.Plan.Summary, session, session, first.Plan);
                return Array.Empty<HostChange>();
            }
            bool passThru = PassThru.IsPresent;
            return new[]
            {
                new HostChange(session, snapshot, first.Plan, $"apmask/aqmask of {session.ComputerName}", session,
                    output: outcome => passThru ? new object[] { (outcome?.After ?? snapshot).Bus } : Array.Empty<object>(),
                    replan: planFor),
            };
        }

        /// <summary>The change as a pure function of a snapshot: relative masks apply to that host's masks, so a re-plan after a conflict starts from the fresh ones.</summary>
        private Func<HostSnapshot, Replanned> PlanFor()
        {
            bool ids = ParameterSetName == IdsSet;
            var adapters = Core.Model.ApMask.Of((Adapter ?? Array.Empty<ApId>()).Select(a => (int)a));
            var domains = Core.Model.ApMask.Of((Domain ?? Array.Empty<DomainId>()).Select(d => (int)d));
            var owner = Owner;
            string? apMask = ApMask, aqMask = AqMask;
            return snapshot =>
            {
                IReadOnlyList<MatrixFinding> refusals;
                WritePlan plan;
                var bus = snapshot.Bus;
                if (ids)
                {
                    plan = BusMaskPlanner.Plan(snapshot, adapters, domains, owner, out refusals);
                }
                else
                {
                    var apm = apMask is null ? bus.ApMask.Mask : Core.Model.ApMask.ParseKernel(apMask, bus.ApMask);
                    var aqm = aqMask is null ? bus.AqMask.Mask : Core.Model.ApMask.ParseKernel(aqMask, bus.AqMask);
                    plan = BusMaskPlanner.PlanMasks(snapshot, apm, aqm, out refusals);
                }
                return new Replanned(plan, refusals, plan.Summary);
            };
        }
    }
}
