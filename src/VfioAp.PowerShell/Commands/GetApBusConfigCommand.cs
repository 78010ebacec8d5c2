using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>Get-ApBusConfig: apmask and aqmask, the host AP configuration and the maximum ids of each host.</summary>
    [Cmdlet(VerbsCommon.Get, "ApBusConfig")]
    [OutputType(typeof(ApBusConfig))]
    public sealed class GetApBusConfigCommand : ApSessionCmdlet
    {
        protected override SnapshotParts Parts => SnapshotParts.Bus;

        protected override HostQuery CreateQuery() => (snapshot, _) => new object[] { snapshot.Bus };
    }
}
