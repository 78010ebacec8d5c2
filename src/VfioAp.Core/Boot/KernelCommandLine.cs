using System;
using System.Collections.Generic;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// A kernel command line split as the kernel's <c>parse_args</c>/<c>next_arg</c> split it: at blanks outside double
    /// quotes; <c>name=value</c> at the first <c>=</c>; quotes around the value (or the whole argument) removed; a
    /// bare <c>--</c> ends the kernel's parameters (the rest goes to init). Names compare with <c>-</c> and <c>_</c>
    /// alike (<c>parameq</c>). A parameter given twice is set twice, so the last one wins (<c>param_set_charp</c>).
    /// </summary>
    public sealed class KernelCommandLine
    {
        public const string ApMaskParameter = "ap.apmask";
        public const string AqMaskParameter = "ap.aqmask";

        private readonly List<KeyValuePair<string, string?>> _args;

        private KernelCommandLine(string text, List<KeyValuePair<string, string?>> args)
        {
            Text = text;
            _args = args;
        }

        public string Text { get; }

        /// <summary>The kernel's parameters in order: name and value (null for a bare word).</summary>
        public IReadOnlyList<KeyValuePair<string, string?>> Arguments => _args;

        /// <summary>The value the kernel ends up with for a parameter (the last occurrence), or null when it is not given.</summary>
        public string? ValueOf(string name)
        {
            string? value = null;
            foreach (var a in _args)
                if (SameName(a.Key, name) && a.Value is not null) value = a.Value;
            return value;
        }

        public string? ValueOf(BusMaskKind kind) => ValueOf(kind == BusMaskKind.ApMask ? ApMaskParameter : AqMaskParameter);

        public static KernelCommandLine Parse(string text)
        {
            var args = new List<KeyValuePair<string, string?>>();
            int i = 0;
            var s = text.TrimEnd('\n', '\0');
            while (true)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
                if (i >= s.Length) break;
                int end = ArgumentEnd(s, i, out int equals);
                var (name, value) = Split(s, i, end, equals);
                i = end;
                if (name == "--" && value is null) break;
                args.Add(new KeyValuePair<string, string?>(name, value));
            }
            return new KernelCommandLine(text, args);
        }

        /// <summary>Where the argument starting at <paramref name="start"/> ends (a blank outside quotes), and its first '=' or -1.</summary>
        private static int ArgumentEnd(string s, int start, out int equals)
        {
            bool inQuote = false;
            equals = -1;
            int i = start;
            for (; i < s.Length; i++)
            {
                if (char.IsWhiteSpace(s[i]) && !inQuote) break;
                if (equals < 0 && s[i] == '=') equals = i;
                if (s[i] == '"') inQuote = !inQuote;
            }
            return i;
        }

        private static (string Name, string? Value) Split(string s, int start, int end, int equals)
        {
            bool quoted = s[start] == '"';
            int nameStart = quoted ? start + 1 : start;
            if (equals < 0)
            {
                int e = quoted && end - 1 > nameStart && s[end - 1] == '"' ? end - 1 : end;
                return (s.Substring(nameStart, e - nameStart), null);
            }
            var name = s.Substring(nameStart, equals - nameStart);
            int vStart = equals + 1, vEnd = end;
            if (vStart < vEnd && s[vStart] == '"')
            {
                vStart++;
                if (vEnd - 1 >= vStart && s[vEnd - 1] == '"') vEnd--;
            }
            else if (quoted && vEnd - 1 >= vStart && s[vEnd - 1] == '"') vEnd--;
            return (name, s.Substring(vStart, vEnd - vStart));
        }

        private static bool SameName(string a, string b) =>
            a.Length == b.Length && string.Equals(a.Replace('-', '_'), b.Replace('-', '_'), StringComparison.Ordinal);
    }
}
