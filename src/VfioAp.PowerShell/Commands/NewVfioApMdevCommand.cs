using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// New-VfioApMdev: creates a vfio_ap mediated device (vfio_ap-passthrough), optionally with its first matrix, all or
    /// nothing: if the kernel refuses any part, the mdev is removed again.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "VfioApMdev", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VfioApMdev))]
    public sealed class NewVfioApMdevCommand : ApChangeCmdlet, IDynamicParameters
    {
        private readonly MatrixIdParameters _matrix = new MatrixIdParameters();

        /// <summary>The new mdev's UUID; default: a new random one (per host).</summary>
        [Parameter(Position = 0)]
        public Guid Uuid { get; set; }




        /// <summary>The first matrix: -Adapter, -Domain, -ControlDomain (declared once, for Set- and Test-VfioApMatrix too).</summary>
        public object GetDynamicParameters() => _matrix;

        protected override SnapshotParts Parts => MatrixPlanner.VerifyParts | SnapshotParts.Guests;  // libvirt's files name the VM in refusals

        private protected override IEnumerable<HostChange> Plan(HostSnapshot snapshot, ApSession session)
        {
            var uuid = MyInvocation.BoundParameters.ContainsKey(nameof(Uuid)) ? Uuid : Guid.NewGuid();
            var initial = _matrix.ToMatrix();
            var what = $"Creating mdev {uuid:D}{(initial.IsEmpty ? "" : " with " + initial)}";
            // ap_config is a per-mdev attribute: whether the kernel has it is known from any existing mdev.
            bool apConfig = snapshot.Mdevs.Any(m => m.HasApConfig);
            var plan = MdevPlanner.PlanCreate(uuid, initial, apConfig);
            var errors = MatrixValidator.ValidateCreate(snapshot, uuid, initial).Where(f => f.Severity == FindingSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                WriteRefusals(errors, snapshot, what, uuid, session, plan);
                yield break;
            }
            foreach (var loss in MatrixValidator.NewGuestLosses(snapshot, ApMatrix.Empty, initial))
                WriteWarning($"Host '{snapshot.ComputerName}', mdev {uuid:D}: the guest will not get all of the matrix: {loss}");

            if (!initial.IsEmpty && !apConfig)
                WriteVerbose($"Host '{snapshot.ComputerName}': " + (snapshot.Mdevs.Count == 0
                    ? "no mdev exists yet to tell whether the kernel has ap_config, so the matrix is assigned id by id (all or nothing: a refusal removes the mdev again)."
                    : "the kernel has no ap_config, so the matrix is assigned id by id (all or nothing: a refusal removes the mdev again)."));
            yield return new HostChange(session, snapshot, plan, $"mdev {uuid:D} on {session.ComputerName}", uuid,
                output: _ => MdevOutput.Read(session, uuid),
                replan: fresh => new Replanned(MdevPlanner.PlanCreate(uuid, initial, fresh.Mdevs.Any(m => m.HasApConfig)),
                    MatrixValidator.ValidateCreate(fresh, uuid, initial).Where(f => f.Severity == FindingSeverity.Error).ToList(), what));
        }

    }
}
