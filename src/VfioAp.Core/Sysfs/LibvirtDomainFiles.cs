using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Sysfs
{
    /// <summary>A domain as read from its files, before the snapshot adds what its mdevs give it.</summary>
    public sealed class LibvirtDomainRecord
    {
        public string Name { get; init; } = "";
        public Guid? Uuid { get; init; }
        public string State { get; init; } = GuestStates.ShutOff;
        public bool Persistent { get; init; }
        public bool Autostart { get; init; }
        public IReadOnlyList<Guid> Mdevs { get; init; } = Array.Empty<Guid>();
        public string? DefinitionFile { get; init; }
        public string? StatusFile { get; init; }
    }

    /// <summary>
    /// Where libvirt's QEMU driver keeps its domain files, relative to the host root, and how they are read: with
    /// System.Xml.Linq, taking only names, uuids, state and the vfio-ap hostdevs, so anything else a domain XML holds
    /// (other devices, metadata in other namespaces, libvirt's status-only elements) is ignored. No libvirtd or virsh
    /// is needed; a host without libvirt simply has no such files, which means no guests and no error.
    /// </summary>
    public static class LibvirtDomainFiles
    {
        public const string DefinitionDir = "etc/libvirt/qemu";
        public const string AutostartDir = "etc/libvirt/qemu/autostart";
        public const string StatusDir = "run/libvirt/qemu";

        /// <summary>The three globs added to a snapshot's one batch.</summary>
        public static IReadOnlyList<SysfsQuery> Queries { get; } = new[]
        {
            SysfsQuery.Host(DefinitionDir + "/*.xml"),
            SysfsQuery.Host(StatusDir + "/*.xml"),
            SysfsQuery.Host(AutostartDir + "/*.xml", SysfsQueryKind.Link),
        };

        /// <summary>
        /// Builds the domains from a batch's host entries. A file that cannot be read or parsed, a domain without a name,
        /// a vfio-ap hostdev without a usable UUID: each becomes one warning naming the file, and the rest is kept.
        /// </summary>
        public static IReadOnlyList<LibvirtDomainRecord> Read(SysfsReadResult r, string hostRoot, List<string> warnings)
        {
            var defs = new Dictionary<string, Parsed>(StringComparer.Ordinal);
            var live = new Dictionary<string, Parsed>(StringComparer.Ordinal);
            var autostart = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in r.HostEntries)
            {
                string? dir = DirOf(e.Path);
                string file = Join(hostRoot, e.Path);
                if (dir == AutostartDir)
                {
                    if (e.Kind == SysfsQueryKind.Link && e.Ok) autostart.Add(NameOfFile(e.Path));
                    continue;
                }
                bool isStatus = dir == StatusDir;
                if (dir != DefinitionDir && !isStatus) continue;
                if (!e.Ok || e.Value is null)
                {
                    warnings.Add($"libvirt domain file {file} could not be read ({ErrnoText.Describe(e.Error)}); its domain is not shown. Read it as root or with -UseSudo.");
                    continue;
                }
                var parsed = Parse(e.Value, file, isStatus, warnings);
                if (parsed is null) continue;
                (isStatus ? live : defs)[parsed.Name] = parsed with { Path = e.Path };
            }

            var result = new List<LibvirtDomainRecord>();
            foreach (var name in defs.Keys.Union(live.Keys).OrderBy(n => n, StringComparer.Ordinal))
            {
                defs.TryGetValue(name, out var def);
                live.TryGetValue(name, out var status);
                // A running domain's live XML is what QEMU was started with; the definition may have been edited since.
                var current = status ?? def!;
                result.Add(new LibvirtDomainRecord
                {
                    Name = name,
                    Uuid = current.Uuid ?? def?.Uuid,
                    State = status is null ? GuestStates.ShutOff : GuestStates.FromStatusFile(status.State),
                    Persistent = def != null,
                    Autostart = autostart.Contains(name) || (def?.Path is string p && autostart.Contains(NameOfFile(p))),
                    Mdevs = current.Mdevs,
                    DefinitionFile = def?.Path,
                    StatusFile = status?.Path,
                });
            }
            return result;
        }

        private sealed record Parsed(string Name, Guid? Uuid, string? State, IReadOnlyList<Guid> Mdevs, string? Path);

        private static Parsed? Parse(string text, string file, bool isStatus, List<string> warnings)
        {
            XElement root;
            try
            {
                root = XDocument.Parse(text, LoadOptions.SetLineInfo).Root!;
            }
            catch (XmlException ex)
            {
                warnings.Add($"libvirt domain file {file} is not well-formed XML ({ex.Message}); its domain is not shown.");
                return null;
            }
            string? state = null;
            var domain = root;
            if (root.Name.LocalName == "domstatus")
            {
                state = (string?)root.Attribute("state");
                domain = root.Element("domain")!;
                if (domain is null)
                {
                    warnings.Add($"libvirt status file {file} has no <domain> inside <domstatus>; its domain is not shown.");
                    return null;
                }
            }
            else if (root.Name.LocalName != "domain")
            {
                warnings.Add($"libvirt domain file {file} has root element <{root.Name.LocalName}>, not <domain>{(isStatus ? " or <domstatus>" : "")}; it is skipped.");
                return null;
            }
            var name = ((string?)domain.Element("name"))?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                warnings.Add($"libvirt domain file {file} has no <name>; its domain is not shown.");
                return null;
            }
            Guid? uuid = Guid.TryParseExact(((string?)domain.Element("uuid"))?.Trim() ?? "", "D", out var u) ? u : (Guid?)null;

            var mdevs = new List<Guid>();
            foreach (var h in domain.Element("devices")?.Elements("hostdev") ?? Enumerable.Empty<XElement>())
            {
                if ((string?)h.Attribute("type") != "mdev" || (string?)h.Attribute("model") != LibvirtHostdev.Model) continue;
                var address = h.Element("source")?.Element("address");
                var value = ((string?)address?.Attribute("uuid"))?.Trim();
                int? line = LibvirtXmlText.LineOf(address ?? h);
                string at = line.HasValue ? $" (line {line})" : "";
                if (string.IsNullOrEmpty(value))
                {
                    warnings.Add($"libvirt domain file {file}{at}: the vfio-ap hostdev of domain '{name}' names no mdev (<source><address uuid='…'/></source> missing); that hostdev is ignored.");
                    continue;
                }
                if (!Guid.TryParseExact(value, "D", out var mdev))
                {
                    warnings.Add($"libvirt domain file {file}{at}: domain '{name}' references mdev '{value}', which is not a UUID as libvirt's schema allows (32 hex digits as 8-4-4-4-12, no braces); that hostdev is ignored.");
                    continue;
                }
                if (value != value!.ToLowerInvariant())
                    warnings.Add($"libvirt domain file {file}{at}: domain '{name}' writes mdev {MdevUuid.Format(mdev)} in upper case; sysfs names mdevs in lower case, so write it that way (it is matched regardless).");
                if (!mdevs.Contains(mdev)) mdevs.Add(mdev);
            }
            return new Parsed(name!, uuid, state, mdevs, null);
        }

        private static string? DirOf(string path)
        {
            int i = path.LastIndexOf('/');
            return i < 0 ? null : path.Substring(0, i);
        }

        private static string NameOfFile(string path)
        {
            var f = SysfsLayout.LastSegment(path);
            return f.EndsWith(".xml", StringComparison.Ordinal) ? f.Substring(0, f.Length - 4) : f;
        }

        private static string Join(string root, string path) => root == "/" ? "/" + path : root.TrimEnd('/') + "/" + path;
    }
}
