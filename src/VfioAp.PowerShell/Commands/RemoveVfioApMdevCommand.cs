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
    /// Remove-VfioApMdev: removes vfio_ap mediated devices. Refused before writing while a guest uses the mdev (current
    /// kernels would block the write until the guest lets go; older ones refuse with EBUSY).
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "VfioApMdev", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveVfioApMdevCommand : MdevChangeCmdlet
    {

        /// <summary>Remove an mdev that a shut-off libvirt domain's definition still references (that VM will not start until the mdev is back).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        // Queue details say whether a guest uses the mdev (its queues' vfio_ap status "in use"); libvirt's files say which VM.
        protected override SnapshotParts Parts => MdevOutput.Parts;

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var changes = new List<HostChange>();
            foreach (var mdev in Lookup.Select(snapshot, Mdev))
            {
                var findings = MatrixValidator.ValidateRemove(snapshot, mdev);
                var refusals = findings.Where(f => f.Severity == FindingSeverity.Error).ToList();
                var plan = MdevPlanner.PlanRemove(mdev);
                var path = session.Sysfs.Root.TrimEnd('/') + "/" + SysfsLayout.MdevAttribute(mdev.Uuid, "remove");
                foreach (var r in refusals) WriteRefusal(r, snapshot, $"Removing mdev {mdev.Uuid:D}", mdev.Uuid, path, "1");
                if (refusals.Count > 0) continue;
                var defined = findings.Where(f => f.Code == MatrixFindingCode.MdevDefinedForGuest).ToList();
                foreach (var w in defined) WriteWarning($"Host '{session.ComputerName}': {w.Message}");
                if (defined.Count > 0 && !Force.IsPresent)
                {
                    WriteError(new VfioApException(VfioApErrorId.MdevDefinedForGuest, ErrorCategory.ResourceBusy,
                        $"Host '{session.ComputerName}': mdev {mdev.Uuid:D} was not removed: {defined[0].Message}",
                        defined[0].RecommendedAction ?? "Add -Force to remove it anyway.", session.ComputerName, path).ToErrorRecord(mdev.Uuid));
                    continue;
                }
                var uuid = mdev.Uuid;
                changes.Add(new HostChange(session, snapshot, plan, $"mdev {uuid:D} on {session.ComputerName}", uuid,
                    replan: fresh => fresh.FindMdev(uuid) is { } now
                        ? new Replanned(MdevPlanner.PlanRemove(now), MatrixValidator.ValidateRemove(fresh, now), $"Removing mdev {uuid:D}")
                        // Someone else removed it meanwhile: what was asked is done.
                        : new Replanned(WritePlan.Nothing($"mdev {uuid:D} is already gone; nothing to write"), Array.Empty<MatrixFinding>(), $"Removing mdev {uuid:D}")));
            }
            return changes;
        }
    }
}
