using System;
using System.Collections.Generic;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Shell glob expansion over a computed sysfs tree, as the remote shell expands the module's queries:
    /// <c>*</c> matches within one path segment and never a leading dot; a pattern without <c>*</c> yields its
    /// path only if it exists. Matches come segment by segment in name order, as <see cref="LocalSysfs"/> lists them.
    /// </summary>
    public static class SysfsGlob
    {
        public static IReadOnlyList<string> Expand(ISysfsTree tree, string pattern) => Expand(tree, pattern, verify: true);

        /// <summary>
        /// With <paramref name="verify"/> false, paths whose last segment is literal are returned unchecked, for a
        /// caller that will look each one up anyway (SimulatedSysfs), which saves a path walk per match.
        /// </summary>
        internal static IReadOnlyList<string> Expand(ISysfsTree tree, string pattern, bool verify)
        {
            if (tree is null) throw new ArgumentNullException(nameof(tree));
            if (pattern is null) throw new ArgumentNullException(nameof(pattern));
            var current = new List<string> { "" };
            bool lastWasGlob = false;
            foreach (var seg in pattern.Split('/'))
            {
                if (seg.Length == 0) continue;
                var next = new List<string>();
                bool glob = seg.IndexOf('*') >= 0;
                lastWasGlob = glob;
                foreach (var prefix in current)
                {
                    if (!glob)
                    {
                        next.Add(Join(prefix, seg));
                        continue;
                    }
                    var names = tree.List(prefix);
                    if (names is null) continue;
                    foreach (var name in names)
                        if (SysfsPattern.Matches(seg, name)) next.Add(Join(prefix, name));
                }
                current = next;
                if (current.Count == 0) break;
            }
            // Names that came from a listing exist; a literal last segment may not.
            if (lastWasGlob || !verify)
            {
                current.Remove("");
                return current;
            }
            var existing = new List<string>(current.Count);
            foreach (var path in current)
                if (path.Length > 0 && tree.Lookup(path) != null) existing.Add(path);
            return existing;
        }

        private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "/" + name;
    }
}
