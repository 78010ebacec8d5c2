using System;
using System.Collections.Generic;
using System.Globalization;

namespace VfioAp.Ssh.Jump
{
    /// <summary>One hop of <c>ssh -J</c> / ProxyJump: <c>[user@]host[:port]</c> (an IPv6 address in brackets).</summary>
    public sealed class SshJumpHost
    {
        public SshJumpHost(string host, string? user, int? port)
        {
            Host = host;
            User = user;
            Port = port;
        }

        /// <summary>The host as written: an ssh_config alias or a name/address.</summary>
        public string Host { get; }
        public string? User { get; }
        public int? Port { get; }

        public override string ToString() =>
            (User is null ? "" : User + "@") + (Host.IndexOf(':') >= 0 ? "[" + Host + "]" : Host) + (Port is null ? "" : ":" + Port.Value.ToString(CultureInfo.InvariantCulture));

        /// <summary>Parses a comma-separated hop list as ssh -J takes it, first hop first; "none" gives an empty list.</summary>
        public static IReadOnlyList<SshJumpHost> ParseList(string spec)
        {
            var hops = new List<SshJumpHost>();
            if (string.IsNullOrWhiteSpace(spec) || string.Equals(spec.Trim(), "none", StringComparison.OrdinalIgnoreCase)) return hops;
            foreach (var raw in spec.Split(','))
            {
                var s = raw.Trim();
                if (s.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) s = s.Substring(6).TrimEnd('/');
                if (s.Length == 0) throw new FormatException($"Empty hop in the jump host list '{spec}'.");
                string? user = null;
                int at = s.LastIndexOf('@');
                if (at >= 0)
                {
                    user = s.Substring(0, at);
                    s = s.Substring(at + 1);
                    if (user.Length == 0) throw new FormatException($"Jump host '{raw.Trim()}' has an empty user name before '@'.");
                }
                string host = s;
                int? port = null;
                if (s.StartsWith("[", StringComparison.Ordinal))
                {
                    int close = s.IndexOf(']');
                    if (close < 0) throw new FormatException($"Jump host '{raw.Trim()}': missing ']'.");
                    host = s.Substring(1, close - 1);
                    var rest = s.Substring(close + 1);
                    if (rest.Length > 0)
                    {
                        if (rest[0] != ':') throw new FormatException($"Jump host '{raw.Trim()}': expected ':port' after ']'.");
                        port = ParsePort(rest.Substring(1), raw);
                    }
                }
                else
                {
                    int colon = s.IndexOf(':');
                    if (colon >= 0 && s.IndexOf(':', colon + 1) < 0)
                    {
                        host = s.Substring(0, colon);
                        port = ParsePort(s.Substring(colon + 1), raw);
                    }
                }
                if (host.Length == 0) throw new FormatException($"Jump host '{raw.Trim()}' has no host name.");
                foreach (char c in host)
                    if (char.IsWhiteSpace(c) || char.IsControl(c) || c == '/' || c == '\'' || c == '"')
                        throw new FormatException($"Jump host '{raw.Trim()}': '{host}' is not a host name.");
                hops.Add(new SshJumpHost(host, user, port));
            }
            return hops;
        }

        private static int ParsePort(string text, string raw)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
                throw new FormatException($"Jump host '{raw.Trim()}': bad port '{text}' (1 to 65535).");
            return p;
        }
    }
}
