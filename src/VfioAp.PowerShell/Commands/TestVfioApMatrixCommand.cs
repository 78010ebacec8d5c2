using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Test-VfioApMatrix: checks a proposed matrix before anything is written, as Set-VfioApMatrix (for an existing mdev,
    /// with the same -Add/-Remove/-Replace) or New-VfioApMdev (without -Mdev) would: ids above the host's maximum, APQNs
    /// in another mdev (which), APQNs owned by the default drivers, and what the guest would lose and why. $true when the
    /// kernel would take it; -Detailed returns every finding.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "VfioApMatrix", DefaultParameterSetName = MatrixEditParameters.AddSet)]
    [OutputType(typeof(bool), typeof(MatrixFinding))]
    public sealed class TestVfioApMatrixCommand : ApSessionCmdlet, IDynamicParameters
    {
        private readonly MatrixEditParameters _matrix = new MatrixEditParameters();
        private readonly MdevLookup _lookup = new MdevLookup();

        /// <summary>The existing mdevs the matrix is for; without it, a new mdev.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[]? Mdev { get; set; }

        /// <summary>Return every finding (errors and what the guest would lose) instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        /// <summary>-Adapter, -Domain, -ControlDomain and -Add/-Remove/-Replace (declared once, for Set-VfioApMatrix too).</summary>
        public object GetDynamicParameters() => _matrix;

        protected override SnapshotParts Parts => MatrixPlanner.VerifyParts | SnapshotParts.Guests;  // libvirt's files name the VM in refusals

        protected override string QueryKey => MdevKey(Mdev);

        protected override HostQuery CreateQuery()
        {
            var change = _matrix.Change;
            ApMask? adapters = _matrix.Adapters;
            ApMask? domains = _matrix.Domains;
            ApMask? controls = _matrix.ControlDomains;
            var uuids = Mdev?.ToArray();
            var lookup = _lookup;
            bool detailed = Detailed.IsPresent;
            return (snapshot, _) =>
            {
                var results = new List<object>();
                if (uuids is null)
                {
                    var proposed = MatrixPlanner.Desired(ApMatrix.Empty, change, adapters, domains, controls);
                    Answer(results, MatrixValidator.Validate(snapshot, null, proposed), detailed, null);
                    return results;
                }
                foreach (var mdev in lookup.Select(snapshot, uuids))
                    Answer(results, MatrixValidator.Validate(snapshot, mdev.Uuid, MatrixPlanner.Desired(mdev.Matrix, change, adapters, domains, controls)), detailed, mdev.Uuid);
                return results;
            };
        }

        private static void Answer(List<object> results, IReadOnlyList<MatrixFinding> findings, bool detailed, Guid? mdev)
        {
            if (detailed)
            {
                foreach (var f in findings)
                {
                    var pso = PSObject.AsPSObject(f);
                    if (mdev.HasValue) pso.Properties.Add(new PSNoteProperty("Mdev", mdev.Value));
                    results.Add(pso);
                }
                return;
            }
            var answer = new PSObject(findings.All(f => f.Severity != FindingSeverity.Error));
            if (mdev.HasValue) answer.Properties.Add(new PSNoteProperty("Mdev", mdev.Value));
            results.Add(answer);
        }

        protected override void EndOfHosts()
        {
            foreach (var error in _lookup.Missing(HostsRead)) WriteError(error);
        }
    }
}
