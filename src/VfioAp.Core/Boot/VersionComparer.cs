using System;
using System.Collections.Generic;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// File names in version order, as glibc's <c>strverscmp</c> orders zipl's BLS entries: runs of digits compare as
    /// numbers (<c>5.14.0-70</c> before <c>5.14.0-162</c>), everything else bytewise. glibc's special case for runs with
    /// leading zeros (compared as fractions) is not reproduced; kernel versions in entry names do not have them.
    /// </summary>
    public sealed class VersionComparer : IComparer<string>
    {
        public static VersionComparer Instance { get; } = new VersionComparer();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return x is null ? (y is null ? 0 : -1) : 1;
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsDigit(x[i]) && char.IsDigit(y[j]))
                {
                    int si = i, sj = j;
                    while (i < x.Length && char.IsDigit(x[i])) i++;
                    while (j < y.Length && char.IsDigit(y[j])) j++;
                    var a = x.Substring(si, i - si).TrimStart('0');
                    var b = y.Substring(sj, j - sj).TrimStart('0');
                    if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
                    int c = string.CompareOrdinal(a, b);
                    if (c != 0) return c;
                    continue;
                }
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++;
                j++;
            }
            return (x.Length - i).CompareTo(y.Length - j);
        }
    }
}
