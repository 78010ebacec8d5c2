using System.Collections.Generic;
using System.Text;

namespace VfioAp.Core.Boot
{
    /// <summary>One <c>key op value</c> entry of a udev rule line, parsed as s390-tools' util_udev parses it.</summary>
    public sealed class UdevEntry
    {
        internal static readonly char[] Space = { ' ', '\t', '\r', '\v', '\f' };
        // util_udev tries the operators in this order, so "=" is found before "+=" only when the key ends at '='.
        private static readonly string[] Ops = { "==", "!=", "=", "+=", ":=" };

        public UdevEntry(string key, string op, string value)
        {
            Key = key;
            Op = op;
            Value = value;
        }

        public string Key { get; }
        public string Op { get; }
        public string Value { get; }

        /// <summary>The entries of a line split at commas outside quotes, or null when one of them is not an entry.</summary>
        public static List<UdevEntry>? ParseLine(string line)
        {
            var result = new List<UdevEntry>();
            foreach (var part in SplitUnquoted(line))
            {
                var e = Parse(part);
                if (e is null) return null;
                result.Add(e);
            }
            return result;
        }

        private static IEnumerable<string> SplitUnquoted(string line)
        {
            var sb = new StringBuilder();
            char quote = '\0';
            foreach (var c in line)
            {
                if (quote != '\0') { if (c == quote) quote = '\0'; sb.Append(c); continue; }
                if (c == '"' || c == '\'') { quote = c; sb.Append(c); continue; }
                if (c == ',') { yield return sb.ToString(); sb.Clear(); continue; }
                sb.Append(c);
            }
            yield return sb.ToString();
        }

        /// <summary>Key <c>\w+({[^}]*})?</c>, an operator, then the rest trimmed, with one pair of matching outer quotes removed.</summary>
        private static UdevEntry? Parse(string s)
        {
            int i = Skip(s, 0);
            int start = i;
            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
            if (i < s.Length && s[i] == '{')
            {
                while (i < s.Length && s[i] != '}') i++;
                if (i < s.Length) i++;
            }
            if (i == start) return null;
            var key = s.Substring(start, i - start);
            i = Skip(s, i);
            string? op = null;
            foreach (var o in Ops)
                if (string.CompareOrdinal(s, i, o, 0, o.Length) == 0) { op = o; break; }
            if (op is null) return null;
            var value = s.Substring(i + op.Length).Trim(Space);
            if (value.Length >= 2 && ((value[0] == '"' && value[value.Length - 1] == '"') || (value[0] == '\'' && value[value.Length - 1] == '\'')))
                value = value.Substring(1, value.Length - 2);
            return new UdevEntry(key, op, value);
        }

        private static int Skip(string s, int i)
        {
            while (i < s.Length && System.Array.IndexOf(Space, s[i]) >= 0) i++;
            return i;
        }
    }
}
