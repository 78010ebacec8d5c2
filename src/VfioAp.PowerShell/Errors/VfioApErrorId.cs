namespace VfioAp.PowerShell
{
    /// <summary>
    /// The module's stable error ids. An ErrorRecord's FullyQualifiedErrorId is one of these followed by the cmdlet's
    /// type (<c>VfioAp.NoApBus,VfioAp.PowerShell.Commands.GetApQueueCommand</c>); scripts match on the part before the comma.
    /// </summary>
    public static class VfioApErrorId
    {
        /// <summary>The host has no <c>bus/ap</c>: not an IBM Z / LinuxONE Linux, or the wrong sysfs root.</summary>
        public const string NoApBus = "VfioAp.NoApBus";
        /// <summary>A host's sysfs could not be read or held text the kernel could not have written.</summary>
        public const string HostReadFailed = "VfioAp.HostReadFailed";
        /// <summary>-Simulation named neither a built-in scenario nor a file.</summary>
        public const string UnknownScenario = "VfioAp.UnknownScenario";
        /// <summary>-Simulation named a path that does not exist.</summary>
        public const string ScenarioFileNotFound = "VfioAp.ScenarioFileNotFound";
        /// <summary>A scenario file that is not valid JSON or describes a state the kernel would refuse.</summary>
        public const string ScenarioInvalid = "VfioAp.ScenarioInvalid";
        /// <summary>-SysfsRoot names a directory that does not exist.</summary>
        public const string SysfsRootNotFound = "VfioAp.SysfsRootNotFound";
        /// <summary>An adapter, domain, APQN or UUID argument the kernel would not accept.</summary>
        public const string InvalidId = "VfioAp.InvalidId";
        /// <summary>No session with that id or name.</summary>
        public const string SessionNotFound = "VfioAp.SessionNotFound";
        /// <summary>The session was removed (Remove-ApSession) and cannot be used any more.</summary>
        public const string SessionClosed = "VfioAp.SessionClosed";
        /// <summary>No mdev with that UUID on any of the sessions.</summary>
        public const string MdevNotFound = "VfioAp.MdevNotFound";
        /// <summary>The kernel has no guest_matrix, so prediction and kernel cannot be compared.</summary>
        public const string GuestMatrixNotReported = "VfioAp.GuestMatrixNotReported";
    }
}
