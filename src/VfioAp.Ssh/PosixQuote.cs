using System;
using System.Text;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The one way a value reaches a remote POSIX shell: single quotes, inside which sh interprets nothing
    /// (no <c>$</c>, no backticks, no backslashes, no globbing, newlines are literal). A single quote itself
    /// cannot appear inside single quotes, so it is closed, escaped and reopened: <c>'\''</c>.
    /// </summary>
    public static class PosixQuote
    {
        /// <summary>Quotes <paramref name="value"/> as one shell word. NUL is refused: no argument of any program can carry it.</summary>
        public static string Quote(string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            if (value.IndexOf('\0') >= 0)
                throw new ArgumentException("A NUL character cannot be passed to a remote shell: a C string ends there, so the value would be silently cut.", nameof(value));
            var sb = new StringBuilder(value.Length + 2);
            sb.Append('\'');
            foreach (var c in value)
            {
                if (c == '\'') sb.Append("'\\''");
                else sb.Append(c);
            }
            sb.Append('\'');
            return sb.ToString();
        }

        /// <summary>
        /// A shell word that expands as a glob: each <c>*</c> stays bare (so sh expands it), everything between is quoted.
        /// <c>devices/ap/card*/*.*</c> becomes <c>'devices/ap/card'*'/'*'.'*</c>.
        /// </summary>
        public static string GlobWord(string pattern)
        {
            if (pattern is null) throw new ArgumentNullException(nameof(pattern));
            var sb = new StringBuilder(pattern.Length + 8);
            var pieces = pattern.Split('*');
            for (int i = 0; i < pieces.Length; i++)
            {
                if (i > 0) sb.Append('*');
                if (pieces[i].Length > 0) sb.Append(Quote(pieces[i]));
            }
            return sb.ToString();
        }
    }
}
