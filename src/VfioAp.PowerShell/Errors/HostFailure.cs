using System;
using System.IO;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;

namespace VfioAp.PowerShell.Errors
{
    /// <summary>
    /// Turns whatever went wrong while reading one host into the module's exception with a stable id.
    /// One place, so every transport's failures read alike; a transport with its own exception types
    /// (SSH connection and host-key failures) adds its case here.
    /// </summary>
    internal static class HostFailure
    {
        /// <param name="error">What went wrong.</param>
        /// <param name="host">The host's name as the session shows it.</param>
        /// <param name="sysfsRoot">The session's sysfs root, when it is not /sys.</param>
        /// <param name="isSysfsRootSession">The session reads a tree given by -SysfsRoot (the advice differs).</param>
        /// <remarks>Takes the session's parts, not the session: errors sit below sessions.</remarks>
        public static VfioApException From(Exception error, string host, string? sysfsRoot, bool isSysfsRootSession)
        {
            switch (error)
            {
                case VfioApException v:
                    return v;
                case SshHostException ssh:
                    return FromSsh(ssh, host, sysfsRoot);
                case HostReadException h when IsMissingBus(h):
                    return new VfioApException(VfioApErrorId.NoApBus, ErrorCategory.ResourceUnavailable, h.Message,
                        isSysfsRootSession
                            ? $"Check that '{sysfsRoot}' is a sysfs root (it must contain bus/ap), e.g. a tree exported from a simulated host."
                            : "Run on an IBM Z or LinuxONE Linux whose kernel has the AP bus, or pass -Session: New-ApSession -Simulation seed for a simulated host, or a session to a remote host.",
                        host, h.Path, h.Error == Errno.None ? Errno.ENOENT : h.Error, h);
                case HostReadException h:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.ReadError,
                        h.Message + (h.Error != Errno.None ? $" (errno {(int)h.Error} {h.Error}: {ErrnoText.Describe(h.Error)})" : ""),
                        "Check that the host's AP bus and vfio_ap module are healthy (ls the path named above); if the tree is a copy, export it again.",
                        host, h.Path, h.Error, h);
                case UnauthorizedAccessException u:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.PermissionDenied,
                        $"Host '{host}': permission denied reading sysfs under {sysfsRoot ?? "/sys"}: {u.Message}",
                        "Run as a user who can read sysfs (root on most distributions).", host, sysfsRoot, Errno.EACCES, u);
                case IOException io:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.ReadError,
                        $"Host '{host}': reading sysfs under {sysfsRoot ?? "/sys"} failed: {io.Message}",
                        "Check the host and run the command again.", host, sysfsRoot, Errno.EIO, io);
                default:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.NotSpecified,
                        $"Host '{host}': reading the AP configuration failed: {error.GetType().Name}: {error.Message}",
                        "Run the command again with -Verbose; if it persists, report it with the exception ($Error[0].Exception.InnerException).",
                        host, sysfsRoot, Errno.None, error);
            }
        }

        /// <summary>An SSH failure (connect, host key, login, sudo, lost connection) as the module's error; its message already says what to do.</summary>
        public static VfioApException FromSsh(SshHostException e, string host, string? sysfsRoot)
        {
            var (id, category, action) = e.Failure switch
            {
                SshFailure.HostKeyUnknown => (VfioApErrorId.SshHostKeyUnknown, ErrorCategory.SecurityError,
                    "Check the fingerprint against the host's own key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on its console); if it matches, run New-ApSession again with -AcceptNewHostKey."),
                SshFailure.HostKeyChanged => (VfioApErrorId.SshHostKeyChanged, ErrorCategory.SecurityError,
                    "Do not connect until you know why the key changed. If the host was reinstalled, remove the old key with ssh-keygen -R and connect once with -AcceptNewHostKey."),
                SshFailure.HostKeyRevoked => (VfioApErrorId.SshHostKeyRevoked, ErrorCategory.SecurityError,
                    "The key is revoked in known_hosts: the host must get a new key."),
                SshFailure.ConnectFailed => (VfioApErrorId.SshConnectFailed, ErrorCategory.ConnectionError,
                    "Check the host name, -Port and that sshd runs on the host."),
                SshFailure.Timeout => (VfioApErrorId.SshTimeout, ErrorCategory.OperationTimeout,
                    "Check that the host is up and reachable; raise -ConnectTimeout or -CommandTimeout for slow links or very large hosts."),
                SshFailure.AuthenticationFailed => (VfioApErrorId.SshAuthenticationFailed, ErrorCategory.AuthenticationError,
                    "Check -UserName, -KeyFile (its public key must be in the user's authorized_keys), the keys in ssh-agent (ssh-add -l) or -Credential."),
                SshFailure.KeyFileUnusable => (VfioApErrorId.SshKeyFileUnusable, ErrorCategory.InvalidArgument,
                    "Give an OpenSSH private key file with -KeyFile, and its passphrase with -KeyPassphrase when it is encrypted."),
                SshFailure.SudoFailed => (VfioApErrorId.SshSudoFailed, ErrorCategory.PermissionDenied,
                    "Give the sudo password with -Credential, allow the user NOPASSWD sudo, or connect as root without -UseSudo."),
                SshFailure.ConnectionLost => (VfioApErrorId.SshConnectionLost, ErrorCategory.ConnectionError,
                    "Run the command again: the session reconnects. A plan that was cut off says which steps were applied; re-running it only writes what still differs."),
                SshFailure.JumpFailed => (VfioApErrorId.SshJumpFailed, e.HostKey != null ? ErrorCategory.SecurityError : ErrorCategory.ConnectionError,
                    "Check the jump host named above as you would the host itself (ssh -J or ProxyJump, its host key in known_hosts, your key on it), and that it can reach the next hop."),
                SshFailure.RemoteOutputInvalid => (VfioApErrorId.RemoteOutputInvalid, ErrorCategory.InvalidResult,
                    "Run the same command by hand (ssh host 'exec /bin/sh -c true') and look at what the host prints: a login shell, profile, ForceCommand or wrapper must not write to stdout, and /bin/sh must be a POSIX sh. Other hosts are not affected."),
                _ => (VfioApErrorId.SshRemoteShellFailed, ErrorCategory.InvalidResult,
                    "The user's login shell must be POSIX-like (sh, bash, dash, ksh, zsh) and /bin/sh must exist on the host."),
            };
            return new VfioApException(id, category, e.Message, action, host, sysfsRoot, Errno.None, e);
        }

        private static bool IsMissingBus(HostReadException h) =>
            h.Path.TrimEnd('/').EndsWith("/" + SysfsLayout.ApBus, StringComparison.Ordinal)
            && (h.Error == Errno.ENOENT || h.Error == Errno.None);
    }
}
