using System;
using System.IO;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.PowerShell
{
    /// <summary>
    /// Turns whatever went wrong while reading one host into the module's exception with a stable id.
    /// One place, so every transport's failures read alike; a transport with its own exception types
    /// (SSH connection and host-key failures) adds its case here.
    /// </summary>
    internal static class HostFailure
    {
        public static VfioApException From(Exception error, ApSession session)
        {
            var host = session.ComputerName;
            switch (error)
            {
                case VfioApException v:
                    return v;
                case HostReadException h when IsMissingBus(h):
                    return new VfioApException(VfioApErrorId.NoApBus, ErrorCategory.ResourceUnavailable, h.Message,
                        session.Kind == ApSessionKind.SysfsRoot
                            ? $"Check that '{session.SysfsRoot}' is a sysfs root (it must contain bus/ap), e.g. a tree exported from a simulated host."
                            : "Run on an IBM Z or LinuxONE Linux whose kernel has the AP bus, or pass -Session: New-ApSession -Simulation seed for a simulated host, or a session to a remote host.",
                        host, h.Path, h.Error == Errno.None ? Errno.ENOENT : h.Error, h);
                case HostReadException h:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.ReadError,
                        h.Message + (h.Error != Errno.None ? $" (errno {(int)h.Error} {h.Error}: {ErrnoText.Describe(h.Error)})" : ""),
                        "Check that the host's AP bus and vfio_ap module are healthy (ls the path named above); if the tree is a copy, export it again.",
                        host, h.Path, h.Error, h);
                case UnauthorizedAccessException u:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.PermissionDenied,
                        $"Host '{host}': permission denied reading sysfs under {session.SysfsRoot ?? "/sys"}: {u.Message}",
                        "Run as a user who can read sysfs (root on most distributions).", host, session.SysfsRoot, Errno.EACCES, u);
                case IOException io:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.ReadError,
                        $"Host '{host}': reading sysfs under {session.SysfsRoot ?? "/sys"} failed: {io.Message}",
                        "Check the host and run the command again.", host, session.SysfsRoot, Errno.EIO, io);
                default:
                    return new VfioApException(VfioApErrorId.HostReadFailed, ErrorCategory.NotSpecified,
                        $"Host '{host}': reading the AP configuration failed: {error.GetType().Name}: {error.Message}",
                        "Run the command again with -Verbose; if it persists, report it with the exception ($Error[0].Exception.InnerException).",
                        host, session.SysfsRoot, Errno.None, error);
            }
        }

        private static bool IsMissingBus(HostReadException h) =>
            h.Path.TrimEnd('/').EndsWith("/" + SysfsLayout.ApBus, StringComparison.Ordinal)
            && (h.Error == Errno.ENOENT || h.Error == Errno.None);
    }
}
