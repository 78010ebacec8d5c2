using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Set-VfioApMatrix: adds adapters, domains and control domains to an mdev's matrix (-Add, the default), removes
    /// them (-Remove) or replaces them (-Replace), with the fewest writes the host's kernel needs: one atomic ap_config
    /// write where the kernel has it, else unassigns then assigns. Refused before writing when the kernel would refuse;
    /// applied, verified and rolled back on failure in one round trip.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "VfioApMatrix", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = MatrixEditParameters.AddSet)]
    [OutputType(typeof(VfioApMdev))]
    public sealed class SetVfioApMatrixCommand : MdevChangeCmdlet, IDynamicParameters
    {
        private readonly MatrixEditParameters _matrix = new MatrixEditParameters();







        /// <summary>Also make the kernel filter the guest APCB anew where it keeps adapters out that its filter now admits.</summary>
        [Parameter]
        public SwitchParameter Refilter { get; set; }

        /// <summary>Write the changed mdev (as Get-VfioApMdev shows it) to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>-Adapter, -Domain, -ControlDomain and -Add/-Remove/-Replace (declared once, for Test-VfioApMatrix too).</summary>
        public object GetDynamicParameters() => _matrix;

        protected override SnapshotParts Parts => MatrixPlanner.VerifyParts | SnapshotParts.Guests;  // libvirt's files name the VM in refusals

        protected override void BeginProcessing()
        {
            if (_matrix.NoneGiven && !Refilter)
                ThrowTerminatingError(new VfioApException(VfioApErrorId.NothingToChange, ErrorCategory.InvalidArgument,
                    "Set-VfioApMatrix needs something to change: -Adapter, -Domain, -ControlDomain or -Refilter.",
                    "Give the ids to add (or -Remove, -Replace), e.g. Set-VfioApMatrix -Mdev <uuid> -Adapter 6.").ToErrorRecord(null));
        }

        private MatrixChange Change => _matrix.Change;

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var change = Change;
            ApMask? adapters = _matrix.Adapters;
            ApMask? domains = _matrix.Domains;
            ApMask? controls = _matrix.ControlDomains;
            bool refilter = Refilter.IsPresent, passThru = PassThru.IsPresent;
            var changes = new List<HostChange>();
            // The change as asked, applied to any matrix: what the plan verifies, and what a re-plan after a conflict starts from.
            Func<ApMatrix, ApMatrix> intent = m => MatrixPlanner.Desired(m, change, adapters, domains, controls);
            foreach (var mdev in Lookup.Select(snapshot, Mdev))
            {
                var first = PlanFor(snapshot, mdev, intent, refilter);
                if (first.Refusals.Count > 0)
                {
                    WriteRefusals(first.Refusals, snapshot, first.What, mdev.Uuid, session, first.Plan);
                    continue;
                }
                foreach (var loss in MatrixValidator.NewGuestLosses(snapshot, mdev.Matrix, intent(mdev.Matrix)))
                    WriteWarning($"Host '{snapshot.ComputerName}', mdev {mdev.Uuid:D}: the guest will not get all of the new matrix: {loss}");
                var uuid = mdev.Uuid;
                changes.Add(new HostChange(session, snapshot, first.Plan, $"mdev {uuid:D} on {session.ComputerName}", uuid,
                    output: _ => passThru ? MdevOutput.Read(session, uuid) : Array.Empty<object>(),
                    warnings: outcome => Unfiltered(outcome, uuid),
                    replan: fresh => fresh.FindMdev(uuid) is { } now
                        ? PlanFor(fresh, now, intent, refilter)
                        : Replanned.Gone($"mdev {uuid:D} was removed from {fresh.ComputerName}")));
            }
            return changes;
        }

        /// <summary>Checks and plans the change of one mdev from one snapshot; pure, so it can run again after a conflict.</summary>
        private static Replanned PlanFor(HostSnapshot snapshot, VfioApMdev mdev, Func<ApMatrix, ApMatrix> intent, bool refilter)
        {
            var desired = intent(mdev.Matrix);
            var what = $"Changing mdev {mdev.Uuid:D} to {desired}";
            var plan = MatrixPlanner.PlanChange(snapshot, mdev, desired, refilter, intent);
            var errors = MatrixValidator.Validate(snapshot, mdev.Uuid, desired).Where(f => f.Severity == FindingSeverity.Error).ToList();
            return new Replanned(plan, errors, what);
        }

        /// <summary>
        /// After unassigns only, the kernel clears bits and does not filter again: an adapter dropped for a queue of a
        /// removed domain stays out of the guest. Said, with the way out, when it happened and -Refilter was not given.
        /// </summary>
        private static IEnumerable<string> Unfiltered(PlanOutcome outcome, Guid uuid)
        {
            var after = outcome.After;
            var mdev = after?.FindMdev(uuid);
            if (after is null || mdev is null) yield break;
            var stale = MatrixPlanner.StaleAdapters(after, mdev);
            if (stale.IsEmpty) yield break;
            var fix = MatrixPlanner.PlanRefilter(after, mdev);
            yield return $"Host '{after.ComputerName}', mdev {uuid:D}: the kernel keeps adapter(s) {stale} out of the guest although all their queues are usable now: " +
                         "on unassign it clears bits and does not filter the matrix again. " +
                         (fix.IsEmpty
                             ? "No write can make this kernel filter again without changing the matrix (it has no ap_config and the matrix has no domain whose queue could be bound again); the next assign will."
                             : $"Set-VfioApMatrix -Mdev {uuid:D} -Refilter makes it filter again ({string.Join("; ", fix.Writes.Select(w => w.Description))}).");
        }
    }
}
