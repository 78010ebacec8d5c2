using System;
using System.Collections.Generic;
using System.Linq;

namespace VfioAp.Core.Boot
{
    /// <summary>One file of a host's persistent state: its host-root relative path and text, or why it could not be read.</summary>
    public sealed class BootFile
    {
        public BootFile(string path, string? text, string? readError = null)
        {
            Path = path;
            Text = text;
            ReadError = readError;
        }

        public string Path { get; }
        public string? Text { get; }
        public string? ReadError { get; }
        public string Name => Path.Substring(Path.LastIndexOf('/') + 1);
    }

    /// <summary>
    /// The files a host brings its AP configuration up from at the next boot, as read (in the same batch as sysfs):
    /// the udev rule with the persistent masks, the running and the next kernel command line, and mdevctl's
    /// definitions. libvirt's autostart domains come with the snapshot's guests.
    /// </summary>
    public sealed class BootFiles
    {
        public const string CurrentCommandLineFile = "proc/cmdline";
        public const string MdevctlMatrixDirectory = "etc/mdevctl.d/matrix";

        public BootFiles(BootFile? udevRule = null, string? currentCommandLine = null, string? ziplConf = null,
                         IEnumerable<BootFile>? blsEntries = null, IEnumerable<BootFile>? mdevctlFiles = null, IEnumerable<string>? warnings = null)
        {
            UdevRule = udevRule;
            CurrentCommandLine = currentCommandLine;
            ZiplConf = ziplConf;
            BlsEntries = (blsEntries ?? Enumerable.Empty<BootFile>()).ToList();
            // mdevctl reads its directory in readdir order, which depends on the file system; file-name order stands for it.
            MdevctlFiles = (mdevctlFiles ?? Enumerable.Empty<BootFile>()).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            Warnings = (warnings ?? Enumerable.Empty<string>()).ToList();
        }

        /// <summary>etc/udev/rules.d/41-ap.rules, or null when the host has none.</summary>
        public BootFile? UdevRule { get; }
        /// <summary>proc/cmdline: what the running kernel was booted with.</summary>
        public string? CurrentCommandLine { get; }
        public string? ZiplConf { get; }
        public IReadOnlyList<BootFile> BlsEntries { get; }
        /// <summary>Files under etc/mdevctl.d/matrix, in file-name order.</summary>
        public IReadOnlyList<BootFile> MdevctlFiles { get; }
        /// <summary>Files that could not be read, each naming the file.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The same files with mdevctl's definitions taken from elsewhere (a directory standing for the host's mdevctl root).</summary>
        public BootFiles WithMdevctlFiles(IEnumerable<BootFile> mdevctlFiles) =>
            new BootFiles(UdevRule, CurrentCommandLine, ZiplConf, BlsEntries, mdevctlFiles, Warnings);

        /// <summary>The udev rule as libap reads it, or null when there is none (or it could not be read).</summary>
        public UdevMaskFile? ReadUdevRule() => UdevRule?.Text is string t ? UdevMaskFile.Read(t, "/" + UdevRule.Path) : null;

        /// <summary>The command line the next boot uses: the default zipl/BLS entry's, else the running kernel's.</summary>
        public (string? CommandLine, string? Source, IReadOnlyList<string> Warnings) NextCommandLine()
        {
            var zipl = ZiplConfiguration.Resolve(ZiplConf,
                BlsEntries.Where(e => e.Text is not null).Select(e => new KeyValuePair<string, string>(e.Path, e.Text!)));
            if (zipl.CommandLine is not null) return (zipl.CommandLine, zipl.Source, zipl.Warnings);
            return (CurrentCommandLine, CurrentCommandLine is null ? null : CurrentCommandLineFile, zipl.Warnings);
        }
    }
}
