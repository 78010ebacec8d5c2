using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// Every attribute's text, byte for byte as the kernel prints it (about_VfioAp_Kernel: READ FORMATS), and strict parsers for that text.
    /// Parsers reject anything the kernel could not have printed, so a corrupted or foreign tree is reported, not guessed at.
    /// </summary>
    public static class SysfsFormat
    {
        /// <summary>
        /// <c>matrix</c> / <c>guest_matrix</c> (the kernel's <c>vfio_ap_mdev_matrix_show</c>): one <c>%02x.%04x</c> line per APQN;
        /// with only adapters, <c>%02x.</c> lines; with only domains, <c>.%04x</c> lines; with neither, empty.
        /// </summary>
        public static string FormatMatrix(ApMask adapters, ApMask domains) => MatrixText.FormatMatrix(adapters, domains);

        public static string FormatMatrix(ApMatrix matrix) => FormatMatrix(matrix.Adapters, matrix.Domains);

        /// <summary>Parses <c>matrix</c>/<c>guest_matrix</c> text into its adapter and domain masks, checking that it is a full cross product.</summary>
        public static ApMatrix ParseMatrix(string text, string source = "matrix")
        {
            var adapters = ApMask.Empty;
            var domains = ApMask.Empty;
            int lineNo = 0;
            int apqnLines = 0;
            foreach (var line in Lines(text))
            {
                lineNo++;
                int dot = line.IndexOf('.');
                if (dot < 0) throw Bad(source, lineNo, line, "expected aa.dddd, aa. or .dddd");
                var a = line.Substring(0, dot);
                var d = line.Substring(dot + 1);
                if (a.Length > 0)
                {
                    if (a.Length != 2 || !TryHex(a, out int av)) throw Bad(source, lineNo, line, "the adapter must be two hex digits");
                    adapters = adapters.With(av);
                }
                if (d.Length > 0)
                {
                    if (d.Length != 4 || !TryHex(d, out int dv) || dv > DomainId.Max) throw Bad(source, lineNo, line, "the domain must be four hex digits, at most 00ff");
                    domains = domains.With(dv);
                }
                if (a.Length == 0 && d.Length == 0) throw Bad(source, lineNo, line, "a line names neither adapter nor domain");
                if (a.Length > 0 && d.Length > 0) apqnLines++;
            }
            var result = new ApMatrix(adapters, domains, ApMask.Empty);
            // The kernel always prints the full cross product; anything else was not written by the kernel.
            if (apqnLines > 0 && apqnLines != result.ApqnCount)
                throw new FormatException($"{source}: {apqnLines} APQN lines do not form the {adapters.Count} x {domains.Count} cross product the kernel prints.");
            if (FormatMatrix(adapters, domains) != Normalize(text))
                throw new FormatException($"{source}: lines are not in the kernel's order (adapters ascending, domains ascending within each).");
            return result;
        }

        /// <summary><c>control_domains</c>: one <c>%04x</c> line per control domain.</summary>
        public static string FormatControlDomains(ApMask controlDomains)
        {
            var sb = new StringBuilder();
            foreach (var d in controlDomains) sb.Append(d.ToString("x4", CultureInfo.InvariantCulture)).Append('\n');
            return sb.ToString();
        }

        public static ApMask ParseControlDomains(string text, string source = "control_domains")
        {
            var m = ApMask.Empty;
            int lineNo = 0;
            foreach (var line in Lines(text))
            {
                lineNo++;
                if (line.Length != 4 || !TryHex(line, out int v) || v > DomainId.Max) throw Bad(source, lineNo, line, "expected four hex digits, at most 00ff");
                m = m.With(v);
            }
            return m;
        }

        /// <summary>apmask, aqmask and the <c>ap_*_mask</c> files: <c>0x</c> + 64 lowercase hex digits and a newline.</summary>
        public static string FormatMask(ApMask mask) => mask.ToKernelString() + "\n";

        /// <summary>Parses a mask as the kernel prints it; null for <c>not supported</c> (no QCI on this machine).</summary>
        public static ApMask? ParseMaskOrUnsupported(string text, string source)
        {
            var t = text.TrimEnd('\n');
            if (t == "not supported") return null;
            return ParseMask(text, source);
        }

        public static ApMask ParseMask(string text, string source) => MatrixText.ParseMask(text, source);

        /// <summary><c>ap_config</c> (newer kernels): <c>0x&lt;apm&gt;,0x&lt;aqm&gt;,0x&lt;adm&gt;\n</c>.</summary>
        public static string FormatApConfig(ApMatrix m) => MatrixText.FormatApConfig(m);

        public static ApMatrix ParseApConfig(string text, string source = "ap_config") => MatrixText.ParseApConfig(text, source);

        /// <summary><c>%d\n</c> attributes (hwtype, depth, ap_max_*_id).</summary>
        public static int ParseInt(string text, string source)
        {
            var t = text.TrimEnd('\n');
            if (!int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
                throw new FormatException($"{source}: '{Show(t)}' is not a decimal number.");
            return v;
        }

        public static string FormatInt(int value) => value.ToString(CultureInfo.InvariantCulture) + "\n";

        /// <summary><c>0</c>/<c>1</c> attributes (online, config, chkstop).</summary>
        public static bool ParseFlag(string text, string source)
        {
            // The kernel's two answers first, without trimming a copy: a large host has 200,000 of them.
            if (text == "1\n") return true;
            if (text == "0\n") return false;
            var t = text.TrimEnd('\n');
            if (t == "1") return true;
            if (t == "0") return false;
            throw new FormatException($"{source}: '{Show(t)}' is not 0 or 1.");
        }

        public static string FormatFlag(bool value) => value ? "1\n" : "0\n";

        /// <summary>The text of a one-line attribute without its newline.</summary>
        public static string Line(string text) => text.TrimEnd('\n');

        private static IEnumerable<string> Lines(string text)
        {
            if (text.Length == 0) yield break;
            if (!text.EndsWith("\n", StringComparison.Ordinal)) text += "\n";
            int start = 0;
            while (start < text.Length)
            {
                int nl = text.IndexOf('\n', start);
                yield return text.Substring(start, nl - start);
                start = nl + 1;
            }
        }

        private static string Normalize(string text) => text.Length == 0 || text.EndsWith("\n", StringComparison.Ordinal) ? text : text + "\n";

        private static bool TryHex(string s, out int value)
        {
            value = 0;
            foreach (var c in s)
            {
                int d = KernelNumber.Digit(c);
                if (d < 0 || char.IsUpper(c)) return false;
                value = value * 16 + d;
            }
            return true;
        }

        private static FormatException Bad(string source, int line, string text, string why) =>
            new FormatException($"{source} line {line}: '{Show(text)}' — {why}.");

        private static string Show(string s) => s.Replace("\n", "\\n");
    }
}
