using System;
using System.Collections.Generic;
using System.Linq;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// The command line the next IPL boots with, as zipl chooses it: the sections of <c>etc/zipl.conf</c> (each
    /// <c>parameters=</c>) and the BLS entries under <c>boot/loader/entries/*.conf</c> (each <c>title</c> and
    /// <c>options</c>), which zipl's <c>scan_bls</c> appends highest version first (file names in <c>strverscmp</c>
    /// order, read from the last). The default is the section <c>[defaultboot] default=</c> names; without one, the
    /// first BLS entry (zipl's BLS menu defaults to entry 1), else the first section of zipl.conf.
    /// What counts at IPL is what zipl last wrote to the boot record: an entry edited since zipl last ran is not it yet.
    /// </summary>
    public sealed class ZiplConfiguration
    {
        public const string ConfigFile = "etc/zipl.conf";
        public const string BlsDirectory = "boot/loader/entries";

        private ZiplConfiguration(string? commandLine, string? source, string? section, IReadOnlyList<string> warnings)
        {
            CommandLine = commandLine;
            Source = source;
            Section = section;
            Warnings = warnings;
        }

        /// <summary>The default entry's kernel parameters, or null when neither file names one.</summary>
        public string? CommandLine { get; }
        /// <summary>The file the parameters come from (host-root relative).</summary>
        public string? Source { get; }
        /// <summary>The section or BLS title chosen.</summary>
        public string? Section { get; }
        public IReadOnlyList<string> Warnings { get; }

        /// <param name="ziplConf">The text of etc/zipl.conf, or null.</param>
        /// <param name="blsEntries">BLS entry files: host-root relative path and text.</param>
        public static ZiplConfiguration Resolve(string? ziplConf, IEnumerable<KeyValuePair<string, string>> blsEntries)
        {
            var warnings = new List<string>();
            var sections = new List<(string Name, string? Parameters, string Source)>();
            string? defaultName = null;
            if (ziplConf is not null) ReadConf(ziplConf, sections, out defaultName);
            var bls = blsEntries.Where(e => e.Key.EndsWith(".conf", StringComparison.Ordinal))
                .OrderByDescending(e => FileName(e.Key), VersionComparer.Instance).ToList();
            var blsSections = new List<(string Name, string? Parameters, string Source)>();
            foreach (var e in bls)
            {
                var (title, options) = ReadBls(e.Value);
                if (title is null) { warnings.Add($"{e.Key}: no title line; zipl refuses the BLS entry (and zipl fails)."); continue; }
                blsSections.Add((title, options, e.Key));
            }
            var all = sections.Concat(blsSections).ToList();
            (string Name, string? Parameters, string Source)? chosen = null;
            if (defaultName is not null)
            {
                chosen = all.FirstOrDefault(s => s.Name == defaultName);
                if (chosen.Value.Name is null) { warnings.Add($"{ConfigFile}: default section '{defaultName}' does not exist."); chosen = null; }
            }
            chosen ??= blsSections.Count > 0 ? blsSections[0] : sections.Count > 0 ? sections[0] : ((string, string?, string)?)null;
            return chosen is { } c
                ? new ZiplConfiguration(c.Parameters ?? "", c.Source, c.Name, warnings)
                : new ZiplConfiguration(null, null, null, warnings);
        }

        private static void ReadConf(string text, List<(string, string?, string)> sections, out string? defaultName)
        {
            defaultName = null;
            string? current = null;
            string? parameters = null;
            bool isIpl = false;
            void Close()
            {
                if (current is not null && current != "defaultboot" && isIpl) sections.Add((current, parameters, ConfigFile));
            }
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                if (line[0] == '[' && line.EndsWith("]", StringComparison.Ordinal))
                {
                    Close();
                    current = line.Substring(1, line.Length - 2).Trim();
                    parameters = null;
                    isIpl = false;
                    continue;
                }
                if (line[0] == ':') { Close(); current = null; continue; }
                int eq = line.IndexOf('=');
                if (eq <= 0 || current is null) continue;
                var key = line.Substring(0, eq).Trim();
                var value = Unquote(line.Substring(eq + 1).Trim());
                if (current == "defaultboot" && key == "default") defaultName = value;
                else if (key == "image") isIpl = true;
                else if (key == "parameters") parameters = value;
            }
            Close();
        }

        private static (string? Title, string? Options) ReadBls(string text)
        {
            string? title = null, options = null;
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimStart(' ', '\t');
                if (line.Length == 0 || line[0] == '#') continue;
                int sp = line.IndexOfAny(new[] { ' ', '\t' });
                if (sp <= 0) continue;
                var key = line.Substring(0, sp);
                var value = line.Substring(sp).Trim(' ', '\t', '\r');
                if (key == "title") title = value;
                else if (key == "options") options = value;
            }
            return (title, options);
        }

        private static string Unquote(string v) =>
            v.Length >= 2 && v[0] == '"' && v[v.Length - 1] == '"' ? v.Substring(1, v.Length - 2) : v;

        private static string FileName(string path) => path.Substring(path.LastIndexOf('/') + 1);
    }
}
