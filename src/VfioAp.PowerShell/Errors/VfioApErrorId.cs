using VfioAp.Core.Rules;

namespace VfioAp.PowerShell.Errors
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
        /// <summary>A change was made again from a fresh read five times and each time another writer changed what it depends on first.</summary>
        public const string ConcurrentChange = "VfioAp.ConcurrentChange";
        /// <summary>The host's AP configuration lock stayed held by another process for longer than -LockTimeout; nothing was written.</summary>
        public const string LockTimeout = "VfioAp.LockTimeout";
        /// <summary>The host's AP configuration lock file cannot be created (read-only or missing lock directory); nothing was written.</summary>
        public const string LockUnavailable = "VfioAp.LockUnavailable";
        /// <summary>Remove-VfioApMdev without -Force: a shut-off libvirt domain's definition still references the mdev.</summary>
        public const string MdevDefinedForGuest = "VfioAp.MdevDefinedForGuest";
        /// <summary>A change (unbind, config or online off, a bus mask) would take crypto from a running guest as a side effect and -Force was not given; nothing was written.</summary>
        public const string GuestWouldLoseCrypto = "VfioAp.GuestWouldLoseCrypto";
        /// <summary>New-ApSession got both -HostRoot and -SysfsRoot (the host root already says where sysfs is).</summary>
        public const string HostRootAndSysfsRoot = "VfioAp.HostRootAndSysfsRoot";
        /// <summary>The kernel has no guest_matrix, so prediction and kernel cannot be compared.</summary>
        public const string GuestMatrixNotReported = "VfioAp.GuestMatrixNotReported";

        /// <summary>A change cmdlet was given nothing to change (no ids, no masks).</summary>
        public const string NothingToChange = "VfioAp.NothingToChange";
        // The ids of the kernel's refusals are the Core's RefusalCode names (PlanFailure.ErrorId); these three are also
        // raised by the module itself, so they are spelled from those names, not written a second time.
        /// <summary>A write's round trip broke off (a lost connection) or the kernel answered an errno with no more specific id.</summary>
        public const string WriteFailed = Prefix + nameof(RefusalCode.WriteFailed);
        /// <summary>The rollback after a failed write could not restore the host.</summary>
        public const string RollbackFailed = Prefix + nameof(RefusalCode.RollbackFailed);
        /// <summary>A value the kernel would refuse with EINVAL, e.g. a bus mask not in the kernel's mask syntax.</summary>
        public const string InvalidValue = Prefix + nameof(RefusalCode.InvalidValue);

        /// <summary>Every id starts with it (PlanFailure.ErrorId too).</summary>
        public const string Prefix = "VfioAp.";
        /// <summary>New-ApSession -ComputerName was given with several -HostName values (one display name cannot name several hosts).</summary>
        public const string ComputerNameNeedsOneHost = "VfioAp.ComputerNameNeedsOneHost";
        /// <summary>New-ApSession -HostName got a name that is not a host name or address.</summary>
        public const string InvalidHostName = "VfioAp.InvalidHostName";

        /// <summary>A remote -SysfsRoot that is not an absolute path of plain characters.</summary>
        public const string InvalidSysfsRoot = "VfioAp.InvalidSysfsRoot";
        /// <summary>SSH: the host offered a key known_hosts does not have (give -AcceptNewHostKey once after checking its fingerprint).</summary>
        public const string SshHostKeyUnknown = "VfioAp.SshHostKeyUnknown";
        /// <summary>SSH: the host offered a different key than known_hosts records: possible man-in-the-middle.</summary>
        public const string SshHostKeyChanged = "VfioAp.SshHostKeyChanged";
        /// <summary>SSH: the host's key is marked @revoked in known_hosts.</summary>
        public const string SshHostKeyRevoked = "VfioAp.SshHostKeyRevoked";
        /// <summary>SSH: no connection (refused, unreachable, name not resolved, not an SSH server).</summary>
        public const string SshConnectFailed = "VfioAp.SshConnectFailed";
        /// <summary>SSH: the host did not answer in time (connect timeout or command timeout).</summary>
        public const string SshTimeout = "VfioAp.SshTimeout";
        /// <summary>SSH: the server refused the login (key not authorized, wrong password).</summary>
        public const string SshAuthenticationFailed = "VfioAp.SshAuthenticationFailed";
        /// <summary>SSH: -KeyFile cannot be read or opened (missing, encrypted without -KeyPassphrase, wrong passphrase).</summary>
        public const string SshKeyFileUnusable = "VfioAp.SshKeyFileUnusable";
        /// <summary>SSH: -UseSudo was refused (password needed or wrong, user not in sudoers, sudo missing).</summary>
        public const string SshSudoFailed = "VfioAp.SshSudoFailed";
        /// <summary>SSH: the connection broke during a command; it is reopened on next use.</summary>
        public const string SshConnectionLost = "VfioAp.SshConnectionLost";
        /// <summary>SSH: the remote shell did not run the module's script (not a POSIX login shell, no /bin/sh).</summary>
        public const string SshRemoteShellFailed = "VfioAp.SshRemoteShellFailed";
        /// <summary>SSH: the remote command's output broke its bounds or is not the module's protocol (a shell or forced command that prints something else); the message names the host, the byte offset and what was expected.</summary>
        public const string RemoteOutputInvalid = "VfioAp.RemoteOutputInvalid";
        /// <summary>SSH: a jump host (-JumpHost, ProxyJump) could not be reached, trusted or logged into, or could not reach the next hop; the message names the hop.</summary>
        public const string SshJumpFailed = "VfioAp.SshJumpFailed";
        /// <summary>SSH: the ssh_config file (-SshConfigFile, ~/.ssh/config or an Include) has a line ssh would refuse, or does not exist.</summary>
        public const string SshConfigInvalid = "VfioAp.SshConfigInvalid";
        /// <summary>SSH: the ssh_config sets StrictHostKeyChecking no/off for the host; this module never skips the host-key check.</summary>
        public const string SshHostKeyCheckingDisabled = "VfioAp.SshHostKeyCheckingDisabled";
        /// <summary>Restart-ApSimulation was given a session that is not a simulated host.</summary>
        public const string NotASimulation = "VfioAp.NotASimulation";
        /// <summary>A host file (chzdev's udev rule) was to be written, but the session reads no host root.</summary>
        public const string HostRootRequired = "VfioAp.HostRootRequired";
    }
}
