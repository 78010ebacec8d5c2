namespace VfioAp.PowerShell.Errors
{
    /// <summary>Stable error ids of Export-, Import- and Compare-VfioApMdev (the part before the comma of FullyQualifiedErrorId).</summary>
    public static class PersistenceErrorId
    {
        /// <summary>A definition (mdevctl JSON, libvirt XML) that cannot be read or is not a vfio_ap matrix; names the file and entry.</summary>
        public const string DefinitionInvalid = "VfioAp.DefinitionInvalid";
        /// <summary>mdevctl's configuration directory is missing on the host (mdevctl not installed).</summary>
        public const string MdevctlNotInstalled = "VfioAp.MdevctlNotInstalled";
        /// <summary>The session's host has no mdevctl root this module can reach (a simulated host without -MdevctlRoot).</summary>
        public const string MdevctlRootRequired = "VfioAp.MdevctlRootRequired";
        /// <summary>Writing definitions into mdevctl's directory failed.</summary>
        public const string PersistFailed = "VfioAp.PersistFailed";
        /// <summary>Writing an export file failed, or -NoClobber found one.</summary>
        public const string ExportFailed = "VfioAp.ExportFailed";
        /// <summary>An imported definition the kernel would refuse on this host; nothing was written for it.</summary>
        public const string ImportRefused = "VfioAp.ImportRefused";
    }
}
