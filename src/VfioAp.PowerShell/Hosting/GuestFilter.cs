using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// -Guest: libvirt domain names with wildcards (<c>db*</c>). A value may be an object's Guest property bound from the
    /// pipeline, which lists several domains as "vm1, vm2"; it is split there. Null or empty means no filter, so piping an
    /// object whose mdev no domain references does not filter everything away.
    /// </summary>
    internal sealed class GuestFilter
    {
        private readonly List<WildcardPattern> _patterns;

        private GuestFilter(List<WildcardPattern> patterns) { _patterns = patterns; }

        public static GuestFilter? From(string[]? values)
        {
            if (values is null) return null;
            var patterns = values.Where(v => !string.IsNullOrEmpty(v))
                .SelectMany(v => v.Split(new[] { ", " }, StringSplitOptions.RemoveEmptyEntries))
                .Select(v => new WildcardPattern(v.Trim(), WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant))
                .ToList();
            return patterns.Count == 0 ? null : new GuestFilter(patterns);
        }

        public bool Matches(IEnumerable<string> names) => names.Any(n => _patterns.Any(p => p.IsMatch(n)));

        /// <summary>An object's Guest text (one name, or "vm1, vm2").</summary>
        public bool Matches(string? guest) =>
            guest is not null && Matches(guest.Split(new[] { ", " }, StringSplitOptions.RemoveEmptyEntries));

        public static string Key(string[]? values) => values is null ? "" : string.Join("\u0001", values);
    }
}
