using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    public sealed class SysfsQuery
    {
        public SysfsQuery(string pattern, SysfsQueryKind kind = SysfsQueryKind.Content, SysfsArea area = SysfsArea.Sysfs)
        {
            if (string.IsNullOrEmpty(pattern) || pattern.StartsWith("/", StringComparison.Ordinal) || pattern.Contains(".."))
                throw new ArgumentException($"A sysfs query is a relative path without '..': '{pattern}'.", nameof(pattern));
            Pattern = pattern;
            Kind = kind;
            Area = area;
        }

        /// <summary>A query of a file under the host root (see <see cref="SysfsArea.Host"/>).</summary>
        public static SysfsQuery Host(string pattern, SysfsQueryKind kind = SysfsQueryKind.Content) => new SysfsQuery(pattern, kind, SysfsArea.Host);

        public string Pattern { get; }
        public SysfsQueryKind Kind { get; }
        public SysfsArea Area { get; }
        public bool IsGlob => Pattern.IndexOf('*') >= 0;
        public override string ToString() => (Area == SysfsArea.Host ? "host " : "") + Kind + " " + Pattern;
    }
}
