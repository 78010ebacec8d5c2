using System;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// The kernel's <c>kstrtoul(buf, 0, …)</c>: <c>0x35</c> is hex, <c>035</c> is octal (29), <c>53</c> decimal,
    /// an optional leading <c>+</c> and one trailing newline are allowed, anything else is EINVAL, overflow ERANGE.
    /// Ids typed by users are read exactly as the kernel would read them, so the module never disagrees with sysfs.
    /// </summary>
    public static class KernelNumber
    {
        public static bool TryParse(string? text, out ulong value, out Errno error)
        {
            value = 0;
            error = Errno.EINVAL;
            if (text is null) return false;
            var s = text;
            if (s.EndsWith("\n", StringComparison.Ordinal)) s = s.Substring(0, s.Length - 1);
            int i = 0;
            if (i < s.Length && s[i] == '+') i++;
            int radix = 10;
            if (i < s.Length && s[i] == '0')
            {
                if (i + 2 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && IsHex(s[i + 2]))
                {
                    radix = 16;
                    i += 2;
                }
                else
                {
                    radix = 8;
                }
            }
            if (i >= s.Length) return false;
            ulong acc = 0;
            for (; i < s.Length; i++)
            {
                int d = Digit(s[i]);
                if (d < 0 || d >= radix) { error = Errno.EINVAL; return false; }
                if (acc > (ulong.MaxValue - (ulong)d) / (ulong)radix) { error = Errno.ERANGE; return false; }
                acc = acc * (ulong)radix + (ulong)d;
            }
            value = acc;
            error = Errno.None;
            return true;
        }

        /// <summary>The kernel's <c>simple_strtoul(s, &amp;end, 0)</c>: parses a prefix, never fails, reports how much it read.</summary>
        internal static ulong ParsePrefix(string s, int start, out int end)
        {
            int i = start;
            int radix = 10;
            if (i < s.Length && s[i] == '0')
            {
                if (i + 2 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && IsHex(s[i + 2])) { radix = 16; i += 2; }
                else radix = 8;
            }
            ulong acc = 0;
            while (i < s.Length)
            {
                int d = Digit(s[i]);
                if (d < 0 || d >= radix) break;
                unchecked { acc = acc * (ulong)radix + (ulong)d; }
                i++;
            }
            // For octal the leading 0 is itself a digit, so "0" alone reads as a number; "x" alone reads nothing.
            end = i;
            return acc;
        }

        internal static bool IsHex(char c) => Digit(c) is >= 0 and < 16;

        internal static int Digit(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }
}
