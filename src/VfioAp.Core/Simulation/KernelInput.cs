using System;
using VfioAp.Core.Model;

namespace VfioAp.Core.Simulation
{
    /// <summary>How the kernel's store functions read their input (<c>sscanf</c>, <c>kstrtobool</c>, <c>sysfs_streq</c>, <c>guid_parse</c>).</summary>
    internal static class KernelInput
    {
        public static string WithoutNewline(string s) => s.EndsWith("\n", StringComparison.Ordinal) ? s.Substring(0, s.Length - 1) : s;

        /// <summary><c>sscanf(buf, "%d")</c> (or <c>"%i"</c> with <paramref name="autoBase"/>): leading blanks, a sign, digits; the rest is ignored.</summary>
        public static bool TryScanInt(string s, bool autoBase, out long value)
        {
            value = 0;
            int i = 0;
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            bool negative = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }
            int radix = 10;
            if (autoBase && i < s.Length && s[i] == '0')
            {
                if (i + 2 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && KernelNumber.IsHex(s[i + 2])) { radix = 16; i += 2; }
                else radix = 8;
            }
            int start = i;
            long acc = 0;
            while (i < s.Length)
            {
                int d = KernelNumber.Digit(s[i]);
                if (d < 0 || d >= radix) break;
                if (acc < int.MaxValue) acc = acc * radix + d;
                i++;
            }
            if (i == start) return false;
            value = negative ? -acc : acc;
            return true;
        }

        /// <summary><c>kstrtobool</c>: 1/y/Y/t/T/on are true, 0/n/N/f/F/off false.</summary>
        public static bool TryParseBool(string s, out bool value)
        {
            value = false;
            if (s.Length == 0) return false;
            switch (s[0])
            {
                case '1': case 'y': case 'Y': case 't': case 'T': value = true; return true;
                case '0': case 'n': case 'N': case 'f': case 'F': return true;
                case 'o': case 'O':
                    if (s.Length > 1 && (s[1] == 'n' || s[1] == 'N')) { value = true; return true; }
                    if (s.Length > 1 && (s[1] == 'f' || s[1] == 'F')) return true;
                    return false;
            }
            return false;
        }

        /// <summary><c>uuid_is_valid</c>: 8-4-4-4-12 hex digits, either case.</summary>
        public static bool TryParseUuid(string s, out Guid uuid)
        {
            uuid = default;
            if (s.Length != 36) return false;
            for (int i = 0; i < 36; i++)
            {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !KernelNumber.IsHex(s[i])) return false;
            }
            return Guid.TryParseExact(s, "D", out uuid);
        }
    }
}
