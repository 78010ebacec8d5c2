using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The host files a boot starts from, read under the host root in the same batch as sysfs (so knowing them costs
    /// no extra round trip): the udev rule with the persistent masks, <c>proc/cmdline</c>, zipl's configuration and
    /// BLS entries (the next boot's command line), and mdevctl's vfio_ap definitions. A file that does not exist is
    /// simply absent; one that cannot be read is a warning naming it.
    /// </summary>
    public static class BootStateFiles
    {
        public static IReadOnlyList<SysfsQuery> Queries { get; } = new[]
        {
            SysfsQuery.Host(UdevMaskRule.FilePath),
            SysfsQuery.Host(BootFiles.CurrentCommandLineFile),
            SysfsQuery.Host(ZiplConfiguration.ConfigFile),
            SysfsQuery.Host(ZiplConfiguration.BlsDirectory + "/*.conf"),
            SysfsQuery.Host(BootFiles.MdevctlMatrixDirectory + "/*"),
        };

        /// <summary>One batch: the snapshot's queries and the boot files', and both built from its answers.</summary>
        public static (HostSnapshot Snapshot, BootFiles Files) Read(ISysfs sysfs, SnapshotParts parts)
        {
            var answers = sysfs.ReadMany(HostReader.QueriesFor(parts).Concat(Queries).ToList());
            var hostRoot = (sysfs as IHostRooted)?.HostRoot;
            var files = FromAnswers(answers, hostRoot ?? "/");
            // A bare sysfs tree has no host files to read: say so rather than predict from files that are merely unseen.
            if (hostRoot is null)
                files = new BootFiles(files.UdevRule, files.CurrentCommandLine, files.ZiplConf, files.BlsEntries, files.MdevctlFiles,
                    files.Warnings.Concat(new[] { $"this session reads no files outside sysfs (no host root), so no udev rule, command line or mdevctl definition can be read: the next boot is taken to start from the kernel's default masks with no mdev defined. Open it with -HostRoot to read them." }));
            return (HostReader.Build(sysfs, answers, parts), files);
        }

        public static BootFiles FromAnswers(SysfsReadResult r, string hostRoot)
        {
            var warnings = new List<string>();
            BootFile? File(SysfsEntry e)
            {
                if (e.Kind != SysfsQueryKind.Content) return null;
                if (e.Ok) return new BootFile(e.Path, e.Value ?? "");
                var where = hostRoot.TrimEnd('/') + "/" + e.Path;
                warnings.Add($"{where} could not be read ({ErrnoText.Describe(e.Error)}); the boot is predicted without it. Read it as root or with -UseSudo.");
                return new BootFile(e.Path, null, ErrnoText.Describe(e.Error));
            }
            BootFile? udev = null;
            string? cmdline = null, zipl = null;
            var bls = new List<BootFile>();
            var mdevctl = new List<BootFile>();
            foreach (var e in r.HostEntries)
            {
                if (e.Path == UdevMaskRule.FilePath) udev = File(e);
                else if (e.Path == BootFiles.CurrentCommandLineFile) cmdline = File(e)?.Text;
                else if (e.Path == ZiplConfiguration.ConfigFile) zipl = File(e)?.Text;
                else if (Under(e.Path, ZiplConfiguration.BlsDirectory) && File(e) is BootFile b) bls.Add(b);
                else if (Under(e.Path, BootFiles.MdevctlMatrixDirectory) && File(e) is BootFile m) mdevctl.Add(m);
            }
            return new BootFiles(udev, cmdline, zipl, bls, mdevctl, warnings);
        }

        /// <summary>The boot files of a batch by host-root path: their text, or null for one that could not be read.</summary>
        public static IReadOnlyDictionary<string, string?> TextsOf(SysfsReadResult r)
        {
            var texts = new SortedDictionary<string, string?>(StringComparer.Ordinal);
            foreach (var e in r.HostEntries)
                if (e.Kind == SysfsQueryKind.Content && IsBootFile(e.Path)) texts[e.Path] = e.Ok ? e.Value ?? "" : null;
            return texts;
        }

        /// <summary>The boot files a snapshot read with <see cref="SnapshotParts.PersistentFiles"/> holds.</summary>
        public static BootFiles FromSnapshot(HostSnapshot snapshot, string hostRoot)
        {
            snapshot.Require(SnapshotParts.PersistentFiles, "the host's boot files");
            var entries = snapshot.PersistentFiles.Select(kv => new SysfsEntry(kv.Key, SysfsQueryKind.Content, kv.Value,
                kv.Value is null ? Errno.EIO : Errno.None, SysfsArea.Host));
            return FromAnswers(new SysfsReadResult(entries), hostRoot);
        }

        private static bool IsBootFile(string path) =>
            path == UdevMaskRule.FilePath || path == BootFiles.CurrentCommandLineFile || path == ZiplConfiguration.ConfigFile
            || Under(path, ZiplConfiguration.BlsDirectory) || Under(path, BootFiles.MdevctlMatrixDirectory);

        private static bool Under(string path, string dir) =>
            path.StartsWith(dir + "/", StringComparison.Ordinal) && path.IndexOf('/', dir.Length + 1) < 0;
    }
}
