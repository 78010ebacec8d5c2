using System;
using System.Text;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// A persisted mdev definition (mdevctl JSON, libvirt XML) that cannot be used: it names the file (or the string's
    /// origin), the entry inside it, the line where the format has lines, and what to do about it.
    /// </summary>
    public sealed class PersistenceException : Exception
    {
        public PersistenceException(string source, string? entry, string problem, int? line = null, int? position = null, Exception? inner = null,
                                    bool mdevctlMissing = false)
            : base(Compose(source, entry, problem, line, position), inner)
        {
            MdevctlMissing = mdevctlMissing;
            Source = source;
            Entry = entry;
            Problem = problem;
            Line = line;
            Position = position;
        }

        /// <summary>The file the definition came from, or a description of a string (<c>pipeline input 2</c>).</summary>
        public new string Source { get; }
        /// <summary>The entry inside it: <c>attrs[3] (assign_domain)</c>, <c>mdev_type</c>, <c>&lt;capability&gt;/&lt;uuid&gt;</c>; null when the whole input is at fault.</summary>
        public string? Entry { get; }
        /// <summary>The problem alone, without source and entry.</summary>
        public string Problem { get; }
        public int? Line { get; }
        /// <summary>True when the host has no mdevctl configuration directory at all (mdevctl not installed).</summary>
        public bool MdevctlMissing { get; }
        public int? Position { get; }

        private static string Compose(string source, string? entry, string problem, int? line, int? position)
        {
            var sb = new StringBuilder(source);
            if (line is int l && l > 0)
            {
                sb.Append(", line ").Append(l);
                if (position is int p && p > 0) sb.Append(", position ").Append(p);
            }
            if (!string.IsNullOrEmpty(entry)) sb.Append(", ").Append(entry);
            sb.Append(": ").Append(problem);
            return sb.ToString();
        }
    }
}
