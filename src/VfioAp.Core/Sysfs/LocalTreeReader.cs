using System;
using System.Collections.Generic;
using System.IO;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// One <see cref="ISysfs.ReadMany"/> batch on a tree of this machine, fast: every directory a glob passes through
    /// is listed once per batch (the card directories of a large host in parallel), a glob shared by several queries
    /// (<c>card*/*.*/online</c>, <c>card*/*.*/config</c> …) is expanded once, and the files are read on dedicated
    /// threads, one per core (<see cref="DedicatedThreads"/>), each with its own buffers (<see cref="TreeFileReader"/>).
    /// The answers, their order and their errnos are those of reading the paths one by one (<see cref="SingleFileRead"/>).
    /// </summary>
    internal sealed class LocalTreeReader
    {
        // A thread is worth starting for a few dozen files; a chunk keeps the shared counter out of the way.
        private const int MinReadsPerThread = 64, ReadChunk = 64, MinListingsPerThread = 8;

        private readonly string _root;
        private readonly string? _hostRoot;
        private readonly Dictionary<string, string[]> _listings = new Dictionary<string, string[]>(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _expanded = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        /// <summary>A reader for one batch; its listings live as long as it does.</summary>
        public LocalTreeReader(string root, string? hostRoot)
        {
            _root = root;
            _hostRoot = hostRoot;
        }

        public SysfsReadResult Read(IReadOnlyList<SysfsQuery> queries)
        {
            var reads = new List<TreeRead>();
            foreach (var query in queries)
            {
                string? baseDir = query.Area == SysfsArea.Host ? _hostRoot : _root;
                if (baseDir is null) continue;  // no host root: no libvirt files, no error
                Expand(baseDir, query, reads);
            }
            var entries = new SysfsEntry?[reads.Count];
            if (PosixFile.Available)
                DedicatedThreads.For(reads.Count, MinReadsPerThread, ReadChunk, () => new TreeFileReader(), (reader, i) => entries[i] = reader.Read(reads[i]));
            else
                for (int i = 0; i < reads.Count; i++) entries[i] = SingleFileRead.ReadOne(reads[i].Full, reads[i].Path, reads[i].Kind, reads[i].Area);
            var found = new List<SysfsEntry>(entries.Length);
            foreach (var e in entries)
                if (e != null) found.Add(e);
            return new SysfsReadResult(found);
        }

        /// <summary>The query's paths in the order a shell glob gives them: its glob part once per batch, then the literal rest.</summary>
        private void Expand(string baseDir, SysfsQuery query, List<TreeRead> reads)
        {
            var pattern = query.Pattern;
            int lastGlob = pattern.LastIndexOf('*');
            if (lastGlob < 0)
            {
                reads.Add(new TreeRead(baseDir, pattern, query.Kind, query.Area, listed: false));
                return;
            }
            int cut = pattern.IndexOf('/', lastGlob);
            var globPart = cut < 0 ? pattern : pattern.Substring(0, cut);
            var tail = cut < 0 ? null : pattern.Substring(cut);
            foreach (var match in Matches(baseDir, globPart))
                reads.Add(new TreeRead(baseDir, tail is null ? match : match + tail, query.Kind, query.Area, listed: tail is null));
        }

        private List<string> Matches(string baseDir, string globPart)
        {
            var key = baseDir + "\0" + globPart;
            if (_expanded.TryGetValue(key, out var known)) return known;
            var current = new List<string> { "" };
            foreach (var seg in globPart.Split('/'))
            {
                var next = new List<string>();
                bool glob = seg.IndexOf('*') >= 0;
                if (glob) ListAll(baseDir, current);
                foreach (var prefix in current)
                {
                    if (!glob)
                    {
                        next.Add(prefix.Length == 0 ? seg : prefix + "/" + seg);
                        continue;
                    }
                    foreach (var name in _listings[Key(baseDir, prefix)])
                        if (SysfsPattern.Matches(seg, name))
                            next.Add(prefix.Length == 0 ? name : prefix + "/" + name);
                }
                current = next;
                if (current.Count == 0) break;
            }
            _expanded[key] = current;
            return current;
        }

        /// <summary>Lists every directory not listed yet in this batch; many at once (the cards of a host) in parallel.</summary>
        private void ListAll(string baseDir, List<string> dirs)
        {
            var missing = new List<string>();
            foreach (var d in dirs)
                if (!_listings.ContainsKey(Key(baseDir, d))) missing.Add(d);
            var names = new string[missing.Count][];
            DedicatedThreads.For(missing.Count, MinListingsPerThread, 1, () => new NoState(), (_, i) => names[i] = List(baseDir, missing[i]));
            for (int i = 0; i < missing.Count; i++) _listings[Key(baseDir, missing[i])] = names[i];
        }

        private static string Key(string baseDir, string dir) => baseDir + "\0" + dir;

        private static string[] List(string baseDir, string dir)
        {
            var full = dir.Length == 0 ? baseDir : baseDir == "/" ? "/" + dir : baseDir + "/" + dir;
            try
            {
                var paths = Directory.Exists(full) ? Directory.GetFileSystemEntries(full) : Array.Empty<string>();
                var names = new string[paths.Length];
                for (int i = 0; i < paths.Length; i++) names[i] = Path.GetFileName(paths[i]);
                Array.Sort(names, StringComparer.Ordinal);
                return names;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
        }

        private sealed class NoState : IDisposable
        {
            public void Dispose() { }
        }
    }
}
