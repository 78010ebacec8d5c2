using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;
namespace VfioAp.PowerShell.Commands
{
    /// <summary>What Import-VfioApMdev reads; Auto tells them apart by their first element or bracket.</summary>
    public enum MdevImportFormat
    {
        Auto,
        MdevctlJson,
        NodeDeviceXml,
        HostdevXml,
    }
}
