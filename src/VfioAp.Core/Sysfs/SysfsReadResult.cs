using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    public sealed class SysfsReadResult
    {
        private readonly Dictionary<string, SysfsEntry> _byPath;

        public SysfsReadResult(IEnumerable<SysfsEntry> entries)
        {
            _byPath = new Dictionary<string, SysfsEntry>(StringComparer.Ordinal);
            var list = new List<SysfsEntry>();
            var host = new List<SysfsEntry>();
            foreach (var e in entries)
            {
                if (e.Area == SysfsArea.Host)
                {
                    host.Add(e);
                    _byPath[HostKey + e.Path] = e;
                    continue;
                }
                list.Add(e);
                _byPath[e.Path] = e;
            }
            Entries = list;
            HostEntries = host;
        }

        // Host paths live beside sysfs paths in one table; NUL can be in no path, so the two never collide.
        private const string HostKey = "\0host:";

        /// <summary>The sysfs entries.</summary>
        public IReadOnlyList<SysfsEntry> Entries { get; }

        /// <summary>The entries read under the host root (<see cref="SysfsArea.Host"/>), in the order read.</summary>
        public IReadOnlyList<SysfsEntry> HostEntries { get; }

        /// <summary>The host-root entry for an exact path, or null.</summary>
        public SysfsEntry? HostEntry(string path) => _byPath.TryGetValue(HostKey + path, out var e) ? e : null;

        /// <summary>The entry for an exact path, or null when no query matched it (the file does not exist).</summary>
        public SysfsEntry? this[string path] => _byPath.TryGetValue(path, out var e) ? e : null;

        /// <summary>Content of a path that must have been read, or null when it does not exist or could not be read.</summary>
        public string? ContentOf(string path) => _byPath.TryGetValue(path, out var e) && e.Ok ? e.Value : null;
    }
}
