using System;
using System.Collections.Generic;
using System.Globalization;
using VfioAp.Core.Model;

namespace VfioAp.Ssh
{
    /// <summary>
    /// A remote shell can only tell us an errno as the C library's text ("cat: x: No such device"). This maps that text
    /// back to the number. The remote script runs with LC_ALL=C, so the texts are the untranslated ones; glibc's and
    /// musl's wordings (Alpine, BusyBox-based hosts) are both known, plus the shells' own words for a failed redirection.
    /// </summary>
    public static class StrerrorText
    {
        private static readonly Dictionary<string, int> ByText = Build();

        /// <summary>The errno for an error text, or false when the text is not a known strerror() wording.</summary>
        public static bool TryParse(string? text, out Errno errno)
        {
            errno = Errno.None;
            if (string.IsNullOrEmpty(text)) return false;
            var t = text!.Trim();
            if (ByText.TryGetValue(t, out int n))
            {
                errno = ErrnoText.FromNumber(n);
                return true;
            }
            // glibc prints errnos it has no text for (kernel-internal ones such as ENOTSUPP 524) as "Unknown error 524";
            // musl as "No error information".
            const string unknown = "Unknown error ";
            if (t.StartsWith(unknown, StringComparison.Ordinal) &&
                int.TryParse(t.Substring(unknown.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) && n > 0)
            {
                errno = ErrnoText.FromNumber(n);
                return true;
            }
            return false;
        }

        private static Dictionary<string, int> Build()
        {
            var d = new Dictionary<string, int>(StringComparer.Ordinal);
            void Add(int n, params string[] texts) { foreach (var t in texts) d[t] = n; }
            // asm-generic numbering (x86-64, s390x and aarch64 agree for all of these).
            Add(1, "Operation not permitted");
            // dash says "Directory nonexistent" when a redirection's directory is missing; BusyBox "nonexistent directory".
            Add(2, "No such file or directory", "Directory nonexistent", "nonexistent directory");
            Add(3, "No such process");
            Add(4, "Interrupted system call");
            Add(5, "Input/output error", "I/O error");
            Add(6, "No such device or address");
            Add(7, "Argument list too long");
            Add(9, "Bad file descriptor");
            Add(11, "Resource temporarily unavailable");
            Add(12, "Cannot allocate memory", "Out of memory");
            Add(13, "Permission denied");
            Add(14, "Bad address");
            Add(15, "Block device required");
            Add(16, "Device or resource busy", "Resource busy");
            Add(17, "File exists");
            Add(18, "Invalid cross-device link", "Cross-device link");
            Add(19, "No such device");
            Add(20, "Not a directory");
            Add(21, "Is a directory");
            Add(22, "Invalid argument");
            Add(23, "Too many open files in system");
            Add(24, "Too many open files", "No file descriptors available");
            Add(25, "Inappropriate ioctl for device", "Not a tty");
            Add(26, "Text file busy");
            Add(27, "File too large");
            Add(28, "No space left on device");
            Add(29, "Illegal seek", "Invalid seek");
            Add(30, "Read-only file system");
            Add(31, "Too many links");
            Add(32, "Broken pipe");
            Add(33, "Numerical argument out of domain", "Domain error");
            Add(34, "Numerical result out of range", "Result not representable");
            Add(35, "Resource deadlock avoided", "Resource deadlock would occur");
            Add(36, "File name too long", "Filename too long");
            Add(38, "Function not implemented");
            Add(39, "Directory not empty");
            Add(40, "Too many levels of symbolic links", "Symbolic link loop");
            Add(61, "No data available");
            Add(62, "Timer expired", "Device timeout");
            Add(71, "Protocol error");
            Add(74, "Bad message");
            Add(75, "Value too large for defined data type", "Value too large for data type");
            Add(87, "Too many users");
            Add(95, "Operation not supported", "Not supported");
            Add(98, "Address already in use", "Address in use");
            Add(99, "Cannot assign requested address", "Address not available");
            Add(103, "Software caused connection abort", "Connection aborted");
            Add(104, "Connection reset by peer");
            Add(105, "No buffer space available");
            Add(107, "Transport endpoint is not connected", "Socket not connected");
            Add(110, "Connection timed out", "Operation timed out");
            Add(111, "Connection refused");
            Add(125, "Operation canceled");
            return d;
        }
    }
}
