using System;
using System.IO;
using System.Runtime.InteropServices;
using VfioAp.SimFs.Interop;

namespace VfioAp.SimFs
{
    /// <summary>
    /// Whether this machine can mount a FUSE file system at all, and if not, exactly why and what to install or change.
    /// Tests skip with this text; the executable prints it and exits.
    /// </summary>
    public static class FuseAvailability
    {
        private static readonly Lazy<string?> Reason = new Lazy<string?>(Probe);

        /// <summary>Null when FUSE can run here; otherwise what is missing and how to fix it.</summary>
        public static string? UnavailableReason => Reason.Value;

        /// <summary><c>fusermount3</c> from Debian's <c>fuse3</c> package: unprivileged mounts and unmounts go through it.</summary>
        public static string? FindFusermount()
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
            {
                if (dir.Length == 0) continue;
                var candidate = Path.Combine(dir, "fusermount3");
                if (File.Exists(candidate)) return candidate;
            }
            foreach (var candidate in new[] { "/usr/bin/fusermount3", "/bin/fusermount3" })
                if (File.Exists(candidate)) return candidate;
            return null;
        }

        public static bool IsRoot => LibC.GetEffectiveUserId() == 0;

        private static string? Probe()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                return $"FUSE mounts need Linux; this is {RuntimeInformation.OSDescription}.";
            if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
                return $"VfioAp.SimFs lays out struct stat for x86_64 only (checked against glibc's headers); this process is {RuntimeInformation.ProcessArchitecture}.";
            if (!File.Exists("/dev/fuse"))
                return "/dev/fuse does not exist: load the fuse kernel module (modprobe fuse) or, in a container, pass the device (--device /dev/fuse) and CAP_SYS_ADMIN.";
            try
            {
                using var device = new FileStream("/dev/fuse", FileMode.Open, FileAccess.ReadWrite);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException)
            {
                return $"/dev/fuse cannot be opened for reading and writing ({e.Message}): run as root or make the device mode 0666.";
            }
            if (!NativeLibrary.TryLoad(LibFuse.Library, out _))
                return $"{LibFuse.Library} cannot be loaded: install it with 'apt-get install -y fuse3 libfuse3-3'.";
            int version = LibFuse.Version();
            if (version < LibFuse.MinimumVersion)
                return $"libfuse {version / 100}.{version % 100} is too old: VfioAp.SimFs needs libfuse 3.12 or later (fuse_loop_mt with a loop config).";
            if (!IsRoot && FindFusermount() is null)
                return "fusermount3 is not on PATH and this process is not root, so it cannot mount: install it with 'apt-get install -y fuse3'.";
            return null;
        }
    }
}
