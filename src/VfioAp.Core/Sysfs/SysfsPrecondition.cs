using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// One file a plan was computed from and its content then (null: it did not exist). Under the host's lock, before
    /// the first write, the file is read again; if it differs, someone changed the host since the plan was made.
    /// </summary>
    public sealed class SysfsPrecondition
    {
        public SysfsPrecondition(string path, string? expected, bool underHostRoot = false)
        {
            UnderHostRoot = underHostRoot && !path.StartsWith("/", StringComparison.Ordinal);
            if (string.IsNullOrEmpty(path) || path.Contains("..") || path.IndexOf('*') >= 0)
                throw new ArgumentException($"A precondition names one path without '..' or '*': '{path}'.", nameof(path));
            Path = path;
            Expected = expected;
        }

        /// <summary>Relative: a sysfs attribute under the sysfs root. Absolute: a file on the host (a plan's file step).</summary>
        public string Path { get; }
        /// <summary>Whether <see cref="Path"/> is an absolute file path (a plan's file step) rather than a sysfs attribute.</summary>
        public bool IsHostFile => Path.StartsWith("/", StringComparison.Ordinal);
        /// <summary>A file relative to the host's <c>/</c> (a file step under the host root), resolved by the transport as a host-root read is.</summary>
        public bool UnderHostRoot { get; }
        /// <summary>The content the plan saw; null when the file did not exist.</summary>
        public string? Expected { get; }

        /// <summary>Whether the content read now (null: absent) is what the plan saw.</summary>
        public bool Holds(string? now) => string.Equals(Expected, now, StringComparison.Ordinal);

        /// <summary>
        /// The preconditions of a plan: each path a plan depends on (a <c>*</c> matches within one segment) with the
        /// content <paramref name="read"/> gave it; an exact path the read did not find must still be absent.
        /// </summary>
        public static IReadOnlyList<SysfsPrecondition> From(IEnumerable<string> dependsOn, SysfsReadResult read)
        {
            var list = new List<SysfsPrecondition>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pattern in dependsOn)
            {
                if (pattern.IndexOf('*') < 0)
                {
                    // A file the read could not read (EACCES) cannot be compared; one it did not find must stay absent.
                    var found = read[pattern];
                    if (found is { Ok: false }) continue;
                    if (seen.Add(pattern)) list.Add(new SysfsPrecondition(pattern, found is { Kind: SysfsQueryKind.Content } e ? e.Value : null));
                    continue;
                }
                var segments = pattern.Split('/');
                foreach (var e in read.Entries)
                {
                    if (e.Kind != SysfsQueryKind.Content || !e.Ok) continue;
                    var parts = e.Path.Split('/');
                    if (parts.Length != segments.Length) continue;
                    bool match = true;
                    for (int i = 0; i < parts.Length && match; i++) match = SysfsPattern.Matches(segments[i], parts[i]);
                    if (match && seen.Add(e.Path)) list.Add(new SysfsPrecondition(e.Path, e.Value));
                }
            }
            return list;
        }

        public override string ToString() => (UnderHostRoot ? "/" : "") + Path + (Expected is null ? " (absent)" : "");
    }
}
