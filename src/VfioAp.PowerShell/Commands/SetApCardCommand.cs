using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Set-ApCard: card maintenance as chzcrypt does it — zcrypt's online (-Online, chzcrypt -e/-d) and the card's
    /// configuration (-Config, chzcrypt --config-on/--config-off) followed by the AP bus scan its queue devices need.
    /// A deconfigured card's queues stay in a guest's APCB but are unusable, so with a running guest holding the card
    /// that needs -Force.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ApCard", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApCard))]
    public sealed class SetApCardCommand : MaintenanceChangeCmdlet
    {
        /// <summary>The cards (adapter ids as the kernel reads them: 5, 0x05), or from Get-ApCard.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ApIdTransformation]
        public ApId[] Adapter { get; set; } = Array.Empty<ApId>();

        /// <summary>zcrypt's online of the card and its zcrypt queues (chzcrypt -e / -d).</summary>
        [Parameter]
        public bool Online { get; set; }

        /// <summary>Configure (SCLP) or deconfigure the card (chzcrypt --config-on / --config-off), then scan the bus.</summary>
        [Parameter]
        public bool Config { get; set; }

        /// <summary>Write the cards after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs;

        private bool Given(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected override void BeginProcessing()
        {
            if (!Given(nameof(Online)) && !Given(nameof(Config)))
                ThrowTerminatingError(new VfioApException(VfioApErrorId.NothingToChange, ErrorCategory.InvalidArgument,
                    "Set-ApCard needs -Online or -Config.", "See Get-Help Set-ApCard -Examples.").ToErrorRecord(null));
        }

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var ids = Adapter.ToList();
            return HostWide(snapshot, session, PlanFor(), $"cards {string.Join(", ", ids.Select(a => a.ToKernelName()))} of {session.ComputerName}",
                PassThru.IsPresent ? after => after.Cards.Where(c => ids.Contains(c.Id)).Cast<object>() : null);
        }

        /// <summary>The change as a pure function of a snapshot (re-planned from the fresh host after another writer's change).</summary>
        private Func<HostSnapshot, Replanned> PlanFor()
        {
            var ids = Adapter.Distinct().ToList();
            bool? online = Given(nameof(Online)) ? Online : (bool?)null;
            bool? config = Given(nameof(Config)) ? Config : (bool?)null;
            return snapshot =>
            {
                var parts = new List<MaintenancePart>();
                foreach (var a in ids)
                {
                    // Configure before setting online (a deconfigured card refuses online 1); offline before deconfiguring.
                    if (config == true) parts.Add(DeviceMaintenancePlanner.CardConfig(snapshot, a, true));
                    if (online is bool on) parts.Add(DeviceMaintenancePlanner.CardOnline(snapshot, a, on));
                    if (config == false) parts.Add(DeviceMaintenancePlanner.CardConfig(snapshot, a, false));
                }
                var verbs = new List<string>();
                if (config is bool c) verbs.Add(c ? "configure" : "deconfigure");
                if (online is bool o) verbs.Add(o ? "set online" : "set offline");
                var summary = $"{string.Join(" and ", verbs)} card {string.Join(", ", ids.Select(a => a.ToKernelName()))} on {snapshot.ComputerName}";
                summary = char.ToUpperInvariant(summary[0]) + summary.Substring(1);
                var plan = MaintenancePart.Join(summary, parts, Parts, out var refusals);
                return new Replanned(plan, refusals, summary);
            };
        }
    }
}
