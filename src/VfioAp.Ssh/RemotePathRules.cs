using System;

namespace VfioAp.Ssh
{
    /// <summary>
    /// What may be put into a remote script besides quoting: sysfs names are plain ASCII (<c>card05</c>, <c>05.0035</c>,
    /// UUIDs, <c>vfio_ap-passthrough</c>), written values are ids, masks and UUIDs. Anything else is refused before a
    /// connection is even used, so a bug or a hostile caller upstream cannot smuggle shell text through a path.
    /// </summary>
    public static class RemotePathRules
    {
        /// <summary>A relative sysfs path (or glob with <c>*</c> when <paramref name="allowGlob"/>): segments of [A-Za-z0-9_.:-], no '.' or '..' segment.</summary>
        public static void CheckRelative(string path, bool allowGlob)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A sysfs path is empty.", nameof(path));
            foreach (var segment in path.Split('/'))
            {
                if (segment.Length == 0 || segment == "." || segment == "..")
                    throw new ArgumentException($"The sysfs path '{Show(path)}' has an empty, '.' or '..' segment; only paths under the sysfs root are read or written.", nameof(path));
                foreach (var c in segment)
                {
                    if (IsNameChar(c) || (allowGlob && c == '*')) continue;
                    throw new ArgumentException($"The sysfs path '{Show(path)}' contains '{Show(c.ToString())}', which no sysfs name used by this module contains; refusing to send it to a remote shell.", nameof(path));
                }
            }
        }

        /// <summary>The remote sysfs root: an absolute path of the same plain characters (e.g. <c>/sys</c>, <c>/tmp/simfs-1</c>).</summary>
        public static string CheckRoot(string root)
        {
            if (string.IsNullOrEmpty(root) || root[0] != '/')
                throw new ArgumentException($"The remote sysfs root '{Show(root ?? "")}' must be an absolute path such as /sys.", nameof(root));
            foreach (var c in root)
            {
                if (IsNameChar(c) || c == '/' || c == '+' || c == '@' || c == ',' || c == '~') continue;
                throw new ArgumentException($"The remote sysfs root '{Show(root)}' contains '{Show(c.ToString())}'; use a path of letters, digits and . _ - : + @ , ~ only.", nameof(root));
            }
            var trimmed = root.TrimEnd('/');
            return trimmed.Length == 0 ? "/" : trimmed;
        }

        /// <summary>
        /// A file on the host that a plan writes or removes (mdevctl's definition, a udev rule): an absolute path of the
        /// same plain characters as a root, with no empty, '.' or '..' segment. Its content is never checked here: it
        /// reaches the shell only single-quoted (<see cref="PosixQuote"/>).
        /// </summary>
        public static void CheckHostFile(string path)
        {
            CheckRoot(path);
            foreach (var segment in path.Substring(1).Split('/'))
                if (segment.Length == 0 || segment == "." || segment == "..")
                    throw new ArgumentException($"The host file '{Show(path)}' has an empty, '.' or '..' segment.", nameof(path));
        }

        /// <summary>A value written to an attribute: ids (<c>0x35</c>), masks (<c>0x…</c>, <c>+5,-6</c>), <c>ap_config</c> triples, UUIDs, <c>05.0035</c>.</summary>
        public static void CheckValue(string value, string path)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if (value.Length == 0 || value.Length > 8192)
                throw new ArgumentException($"The value for {path} is {(value.Length == 0 ? "empty" : "longer than any sysfs attribute accepts")}.", nameof(value));
            foreach (var c in value)
            {
                if (IsNameChar(c) || c == ',' || c == '+') continue;
                throw new ArgumentException($"The value '{Show(value)}' for {path} contains '{Show(c.ToString())}'; sysfs values written by this module are ids, masks and UUIDs only.", nameof(value));
            }
        }

        private static bool IsNameChar(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' || c == ':';

        /// <summary>Makes control characters visible in messages instead of letting them break the message.</summary>
        internal static string Show(string s)
        {
            var sb = new System.Text.StringBuilder(s.Length);
            foreach (var c in s)
            {
                if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
