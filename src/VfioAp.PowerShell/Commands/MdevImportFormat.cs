using VfioAp.PowerShell.Hosting;

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
