using System;
using System.Globalization;
using System.Text;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// The kernel's text for a matrix and its masks (the <c>matrix</c>/<c>guest_matrix</c> lines, <c>ap_config</c> and
    /// 256-bit masks), byte for byte as vfio_ap prints them (about_VfioAp_Kernel: READ FORMATS). It lives with the model
    /// because the rules speak it too (a guest matrix shown as the kernel would print it, an ap_config write planned);
    /// <c>Sysfs.SysfsFormat</c> uses it for the attributes it reads.
    /// </summary>
    public static class MatrixText
    {
        /// <summary>
        /// <c>matrix</c> / <c>guest_matrix</c> (the kernel's <c>vfio_ap_mdev_matrix_show</c>): one <c>%02x.%04x</c> line per APQN;
        /// with only adapters, <c>%02x.</c> lines; with only domains, <c>.%04x</c> lines; with neither, empty.
        /// </summary>
        public static string FormatMatrix(ApMask adapters, ApMask domains)
        {
            var sb = new StringBuilder();
            bool hasA = !adapters.IsEmpty, hasD = !domains.IsEmpty;
            if (hasA && hasD)
            {
                foreach (var a in adapters)
                    foreach (var d in domains)
                        sb.Append(a.ToString("x2", CultureInfo.InvariantCulture)).Append('.').Append(d.ToString("x4", CultureInfo.InvariantCulture)).Append('\n');
            }
            else if (hasA)
            {
                foreach (var a in adapters) sb.Append(a.ToString("x2", CultureInfo.InvariantCulture)).Append(".\n");
            }
            else if (hasD)
            {
                foreach (var d in domains) sb.Append('.').Append(d.ToString("x4", CultureInfo.InvariantCulture)).Append('\n');
            }
            return sb.ToString();
        }

        /// <summary><c>ap_config</c> (newer kernels): <c>0x&lt;apm&gt;,0x&lt;aqm&gt;,0x&lt;adm&gt;\n</c>.</summary>
        public static string FormatApConfig(ApMatrix m) =>
            m.Adapters.ToKernelString() + "," + m.Domains.ToKernelString() + "," + m.ControlDomains.ToKernelString() + "\n";

        public static ApMatrix ParseApConfig(string text, string source = "ap_config")
        {
            var parts = text.TrimEnd('\n').Split(',');
            if (parts.Length != 3) throw new FormatException($"{source}: expected three masks separated by commas, found {parts.Length} part(s).");
            return new ApMatrix(ParseMask(parts[0], source + " (APM)"), ParseMask(parts[1], source + " (AQM)"), ParseMask(parts[2], source + " (ADM)"));
        }

        /// <summary>A mask as the kernel prints it (apmask, aqmask, the <c>ap_*_mask</c> files, each part of ap_config): <c>0x</c> and 64 hex digits.</summary>
        public static ApMask ParseMask(string text, string source)
        {
            var t = text.TrimEnd('\n');
            if (t.Length != 66 || !t.StartsWith("0x", StringComparison.Ordinal))
                throw new FormatException($"{source}: '{Show(t)}' is not 0x followed by 64 hex digits.");
            if (!ApMask.TryParseAbsolute(t, out var m, out var problem)) throw new FormatException($"{source}: {problem}");
            return m;
        }

        private static string Show(string s) => s.Replace("\n", "\\n");
    }
}
