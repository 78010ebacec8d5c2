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
    /// Set-ApQueue: queue maintenance as the driver core and chzcrypt do it — bind a queue to the driver apmask/aqmask
    /// give it (-Bound), unbind it (-Bound:$false), reset it (-Reset), set zcrypt's online (-Online). One plan per
    /// host through the change engine; unbinding a queue a running guest holds takes the whole adapter from the guest
    /// (the kernel unplugs it), so that needs -Force.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "ApQueue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(ApQueue))]
    public sealed class SetApQueueCommand : MaintenanceChangeCmdlet
    {
        /// <summary>The queues, in the kernel's syntax (05.0035), or from Get-ApQueue.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ApqnTransformation]
        public Apqn[] Apqn { get; set; } = Array.Empty<Apqn>();

        /// <summary>Bind to the driver the masks give the queue; -Bound:$false unbinds it.</summary>
        [Parameter]
        public SwitchParameter Bound { get; set; }

        /// <summary>Reset the queue (its reset attribute): pending requests are flushed. Cannot be undone.</summary>
        [Parameter]
        public SwitchParameter Reset { get; set; }

        /// <summary>zcrypt's online (chzcrypt -e / -d); only queues of the host's zcrypt driver have it.</summary>
        [Parameter]
        public bool Online { get; set; }

        /// <summary>Write the queues after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs;

        private bool Given(string name) => MyInvocation.BoundParameters.ContainsKey(name);

        protected override void BeginProcessing()
        {
            if (!Given(nameof(Bound)) && !Reset.IsPresent && !Given(nameof(Online)))
                ThrowTerminatingError(new VfioApException(VfioApErrorId.NothingToChange, ErrorCategory.InvalidArgument,
                    "Set-ApQueue needs -Bound, -Bound:$false, -Reset or -Online.", "See Get-Help Set-ApQueue -Examples.").ToErrorRecord(null));
        }

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var apqns = Apqn.ToList();
            return HostWide(snapshot, session, PlanFor(), $"queues {string.Join(", ", apqns)} of {session.ComputerName}",
                PassThru.IsPresent ? after => apqns.Select(q => after.FindQueue(q)).Where(q => q != null).Cast<object>() : null);
        }

        /// <summary>The change as a pure function of a snapshot, so a re-plan after another writer's change starts from the fresh host.</summary>
        private Func<HostSnapshot, Replanned> PlanFor()
        {
            var apqns = Apqn.Distinct().ToList();
            bool? bound = Given(nameof(Bound)) ? Bound.IsPresent : (bool?)null;
            bool reset = Reset.IsPresent;
            bool? online = Given(nameof(Online)) ? Online : (bool?)null;
            return snapshot =>
            {
                var parts = new List<MaintenancePart>();
                foreach (var q in apqns)
                {
                    // Bound first: a queue is reset or set online by the driver it ends up with.
                    if (bound == true) parts.Add(DeviceMaintenancePlanner.Bind(snapshot, q));
                    if (bound == false) parts.Add(DeviceMaintenancePlanner.Unbind(snapshot, q));
                    if (reset) parts.Add(DeviceMaintenancePlanner.Reset(snapshot, q));
                    if (online is bool on) parts.Add(DeviceMaintenancePlanner.QueueOnline(snapshot, q, on));
                }
                var summary = $"{What(bound, reset, online)} {string.Join(", ", apqns)} on {snapshot.ComputerName}";
                var plan = MaintenancePart.Join(summary, parts, Parts, out var refusals);
                return new Replanned(plan, refusals, summary);
            };
        }

        private static string What(bool? bound, bool reset, bool? online)
        {
            var verbs = new List<string>();
            if (bound is bool b) verbs.Add(b ? "bind" : "unbind");
            if (reset) verbs.Add("reset");
            if (online is bool on) verbs.Add(on ? "set online" : "set offline");
            var text = string.Join(", ", verbs) + " queue";
            return char.ToUpperInvariant(text[0]) + text.Substring(1);
        }
    }
}
