using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Test-VfioApApcb: $true when the kernel's guest_matrix is what the module predicts — one answer per host, or
    /// one per mdev with -Mdev; -Detailed returns the differences instead. Made for Pester runbooks.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "VfioApApcb")]
    [OutputType(typeof(bool), typeof(ApcbDifference))]
    public sealed class TestVfioApApcbCommand : MdevFilteringCmdlet
    {
        private readonly MdevLookup _lookup = new MdevLookup();

        /// <summary>Return an ApcbDifference for each disagreement instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter Detailed { get; set; }

        protected override SnapshotParts Parts => GetVfioApApcbCommand.ApcbParts;

        protected override HostQuery CreateQuery()
        {
            var uuids = Mdev?.ToArray();
            var lookup = _lookup;
            bool detailed = Detailed.IsPresent;
            var guests = GuestFilterOrNull;
            return (snapshot, _) => Test(snapshot, lookup.Select(snapshot, uuids).Where(m => guests is null || guests.Matches(m.Guests)).ToList(), perMdev: uuids is not null, detailed);
        }

        private static IEnumerable<object> Test(HostSnapshot snapshot, List<VfioApMdev> mdevs, bool perMdev, bool detailed)
        {
            var results = new List<object>();
            bool all = true;
            foreach (var mdev in mdevs)
            {
                var apcb = ApcbReport.Build(snapshot, mdev);
                if (!apcb.KernelReported)
                {
                    // No guest_matrix: nothing to compare with. Saying $true would be a guess; say why instead.
                    results.Add(new VfioApException(VfioApErrorId.GuestMatrixNotReported, ErrorCategory.NotImplemented,
                        $"Host '{snapshot.ComputerName}', mdev {mdev.Uuid:D}: {ApcbReport.NotReportedNote}",
                        "Use Get-VfioApApcb to see the prediction; kernels with vfio_ap's dynamic configuration support (the rework that added guest_matrix and hot plug) report it.",
                        snapshot.ComputerName, SysfsLayout.MdevAttribute(mdev.Uuid, "guest_matrix"), Errno.ENOENT));
                    all = false;
                    continue;
                }
                if (detailed) results.AddRange(apcb.Differences);
                else if (perMdev) results.Add(Answer(apcb.Matches == true, mdev.Uuid));
                all &= apcb.Matches == true;
            }
            if (!detailed && !perMdev && !results.OfType<VfioApException>().Any())
                results.Add(Answer(all, null));
            return results;
        }

        /// <summary>A plain boolean for Pester and if, with the mdev noted (ComputerName and Session are added for every object).</summary>
        private static PSObject Answer(bool value, Guid? mdev)
        {
            var answer = new PSObject(value);
            if (mdev.HasValue) answer.Properties.Add(new PSNoteProperty("Mdev", mdev.Value));
            return answer;
        }

        protected override void EndOfHosts()
        {
            foreach (var error in _lookup.Missing(HostsRead)) WriteError(error);
        }
    }
}
