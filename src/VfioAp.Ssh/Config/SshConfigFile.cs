using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace VfioAp.Ssh.Config
{
    /// <summary>
    /// Reads OpenSSH client configuration files the way ssh does (ssh_config(5)) for the keywords this module uses:
    /// keywords in any case (host patterns case-sensitive, as ssh matches them), <c>Keyword value</c> or <c>Keyword=value</c>, double- or single-quoted arguments, Host
    /// patterns with <c>*</c>, <c>?</c> and <c>!</c> (a negated match excludes the block), the first value obtained for a
    /// keyword wins (IdentityFile accumulates), Include with globs (relative paths under ~/.ssh for the user's file and
    /// under /etc/ssh for the system file), and the tokens %% %d %u %h %r %p %n %l and a leading ~ in file names.
    /// Match blocks are not evaluated: they are skipped, with one warning naming their line. Keywords this module has
    /// no use for are ignored.
    /// </summary>
    public static class SshConfigFile
    {
        /// <summary>The system-wide file ssh reads after the user's own.</summary>
        public const string SystemPath = "/etc/ssh/ssh_config";
        private const int MaxIncludeDepth = 16;

        /// <summary>~/.ssh/config of <paramref name="context"/>.</summary>
        public static string DefaultUserPath(SshConfigContext context) => Path.Combine(context.Home, ".ssh", "config");

        /// <summary>
        /// What the files say for <paramref name="alias"/>: <paramref name="files"/> in order (ssh: the user's file, then
        /// the system file), missing files skipped. Throws <see cref="SshConfigException"/> for a line ssh would refuse.
        /// </summary>
        public static SshHostConfig Resolve(string alias, SshConfigContext context, params string[] files)
        {
            if (string.IsNullOrWhiteSpace(alias)) throw new ArgumentException("A host alias is required.", nameof(alias));
            var raw = new RawValues();
            var result = new SshHostConfig(alias.Trim());
            foreach (var file in files)
            {
                if (string.IsNullOrEmpty(file) || !File.Exists(file)) continue;
                bool active = true;
                var includeBase = string.Equals(Path.GetFullPath(file), SystemPath, StringComparison.Ordinal)
                    ? Path.GetDirectoryName(SystemPath)!
                    : Path.Combine(context.Home, ".ssh");
                ReadFile(file, result, raw, context, includeBase, ref active, neverMatch: false, depth: 0);
            }
            Finish(result, raw, context);
            return result;
        }

        /// <summary>Keyword values as written, before tokens are expanded (that needs the final host, user and port).</summary>
        private sealed class RawValues
        {
            public string? HostName, User, StrictHostKeyChecking, ProxyJump, IdentityAgent;
            public (string File, int Line, string Value)? Port, ConnectTimeout, ServerAliveInterval, IdentitiesOnly;
            public List<string>? KnownHosts;
            public readonly List<string> IdentityFiles = new List<string>();
        }

        private static void ReadFile(string file, SshHostConfig result, RawValues raw, SshConfigContext context, string includeBase,
                                     ref bool active, bool neverMatch, int depth)
        {
            result._filesRead.Add(file);
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new SshConfigException(file, 0, "cannot be read: " + e.Message);
            }
            for (int i = 0; i < lines.Length; i++)
            {
                int lineNo = i + 1;
                var (keyword, args) = SplitLine(lines[i], file, lineNo);
                if (keyword is null) continue;
                switch (keyword)
                {
                    case "host":
                        active = !neverMatch && HostMatches(result.Alias, args);
                        if (active && args.Any(p => p != "*")) result.MatchedHostBlock = true;
                        continue;
                    case "match":
                        // Match needs criteria evaluation (exec, canonical, final passes) this reader does not do; its
                        // block is skipped entirely rather than applied half-understood.
                        active = false;
                        result._warnings.Add($"{file}:{lineNo}: 'Match {string.Join(" ", args)}' is not supported here; the settings of this Match block were skipped.");
                        continue;
                    case "include":
                        if (args.Count == 0) throw new SshConfigException(file, lineNo, "Include needs at least one file.");
                        if (depth >= MaxIncludeDepth) throw new SshConfigException(file, lineNo, $"Include nested deeper than {MaxIncludeDepth} levels (a loop?).");
                        bool outer = active;
                        foreach (var pattern in args)
                        {
                            foreach (var included in Glob(ExpandTilde(pattern, context), includeBase))
                            {
                                // As ssh: the included file starts in the including block's state, and an Include inside
                                // a block that does not apply can never turn a block on.
                                bool inner = outer;
                                ReadFile(included, result, raw, context, includeBase, ref inner, neverMatch || !outer, depth + 1);
                            }
                        }
                        active = outer;
                        continue;
                }
                if (!active) continue;
                Apply(keyword, args, file, lineNo, raw);
            }
        }

        private static void Apply(string keyword, List<string> args, string file, int line, RawValues raw)
        {
            string One()
            {
                if (args.Count == 0) throw new SshConfigException(file, line, $"'{keyword}' needs a value.");
                return args[0];
            }
            switch (keyword)
            {
                case "hostname": raw.HostName ??= One(); break;
                case "user": raw.User ??= One(); break;
                case "port": raw.Port ??= (file, line, One()); break;
                case "identityfile": raw.IdentityFiles.Add(One()); break;
                case "identitiesonly": raw.IdentitiesOnly ??= (file, line, One()); break;
                case "userknownhostsfile": if (raw.KnownHosts is null) { One(); raw.KnownHosts = args.ToList(); } break;
                case "stricthostkeychecking": raw.StrictHostKeyChecking ??= One().ToLowerInvariant(); break;
                case "proxyjump": raw.ProxyJump ??= One(); break;
                case "connecttimeout": raw.ConnectTimeout ??= (file, line, One()); break;
                case "serveraliveinterval": raw.ServerAliveInterval ??= (file, line, One()); break;
                case "identityagent": raw.IdentityAgent ??= One(); break;
            }
        }

        private static void Finish(SshHostConfig r, RawValues raw, SshConfigContext context)
        {
            r.HostName = raw.HostName is null ? null : ExpandTokens(raw.HostName, context, r.Alias, r.Alias, "", 22, onlyHost: true);
            if (raw.Port is { } p)
            {
                if (!int.TryParse(p.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
                    throw new SshConfigException(p.File, p.Line, $"Bad Port '{p.Value}': give a number from 1 to 65535.");
                r.Port = port;
            }
            r.User = raw.User;
            if (raw.IdentitiesOnly is { } io) r.IdentitiesOnly = YesNo(io, "IdentitiesOnly");
            if (raw.StrictHostKeyChecking is { } s)
            {
                if (s != "yes" && s != "ask" && s != "accept-new" && s != "no" && s != "off")
                    throw new SshConfigException("ssh_config", 0, $"StrictHostKeyChecking '{s}' is not one of yes, ask, accept-new, no, off.");
                r.StrictHostKeyChecking = s;
            }
            r.ProxyJump = raw.ProxyJump;
            r.IdentityAgent = raw.IdentityAgent;
            if (raw.ConnectTimeout is { } ct) r.ConnectTimeout = Seconds(ct, "ConnectTimeout");
            if (raw.ServerAliveInterval is { } sa) r.ServerAliveInterval = Seconds(sa, "ServerAliveInterval");

            // Tokens are expanded last, with the values the connection will really use (explicit parameters included).
            var host = r.EffectiveHostName;
            var user = context.UserOverride ?? r.User ?? context.LocalUser;
            var portUsed = context.PortOverride ?? r.Port ?? 22;
            foreach (var f in raw.IdentityFiles)
                r._identityFiles.Add(ExpandTokens(ExpandTilde(f, context), context, host, r.Alias, user, portUsed, onlyHost: false));
            if (raw.KnownHosts != null)
                r.UserKnownHostsFiles = raw.KnownHosts.Select(f => ExpandTokens(ExpandTilde(f, context), context, host, r.Alias, user, portUsed, onlyHost: false)).ToList();
        }

        private static bool YesNo((string File, int Line, string Value) v, string keyword) => v.Value.ToLowerInvariant() switch
        {
            "yes" or "true" => true,
            "no" or "false" => false,
            _ => throw new SshConfigException(v.File, v.Line, $"{keyword} '{v.Value}' is neither yes nor no."),
        };

        /// <summary>ssh_config time values: plain seconds, or a sequence like 1m30s (s, m, h, d, w).</summary>
        private static TimeSpan Seconds((string File, int Line, string Value) v, string keyword)
        {
            var m = Regex.Match(v.Value, @"^(?:(\d+)([smhdwSMHDW]?))+$");
            if (!m.Success) throw new SshConfigException(v.File, v.Line, $"Bad {keyword} '{v.Value}': give seconds, e.g. 30 or 1m30s.");
            long total = 0;
            for (int i = 0; i < m.Groups[1].Captures.Count; i++)
            {
                long n = long.Parse(m.Groups[1].Captures[i].Value, CultureInfo.InvariantCulture);
                total += n * (m.Groups[2].Captures[i].Value.ToLowerInvariant() switch { "m" => 60, "h" => 3600, "d" => 86400, "w" => 604800, _ => 1 });
            }
            return TimeSpan.FromSeconds(total);
        }

        /// <summary>
        /// Splits one line into its lower-cased keyword and arguments: <c>Keyword value</c> or <c>Keyword=value</c>;
        /// arguments in double or single quotes keep their spaces; an unquoted # starting a word ends the line.
        /// (null, empty) for blank and comment lines.
        /// </summary>
        internal static (string? Keyword, List<string> Args) SplitLine(string line, string file, int lineNo)
        {
            var args = new List<string>();
            int i = 0;
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i == line.Length || line[i] == '#') return (null, args);
            int start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] != '=') i++;
            var keyword = line.Substring(start, i - start).ToLowerInvariant();
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i < line.Length && line[i] == '=') i++;
            while (i < line.Length)
            {
                while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
                if (i == line.Length || line[i] == '#') break;
                var word = new StringBuilder();
                while (i < line.Length && !char.IsWhiteSpace(line[i]))
                {
                    char c = line[i];
                    if (c == '"' || c == '\'')
                    {
                        int close = line.IndexOf(c, i + 1);
                        if (close < 0) throw new SshConfigException(file, lineNo, "unterminated quote.");
                        word.Append(line, i + 1, close - i - 1);
                        i = close + 1;
                    }
                    else if (c == '\\' && i + 1 < line.Length)
                    {
                        word.Append(line[i + 1]);
                        i += 2;
                    }
                    else
                    {
                        word.Append(c);
                        i++;
                    }
                }
                args.Add(word.ToString());
            }
            return (keyword, args);
        }

        /// <summary>
        /// A Host line applies when no negated pattern matches and at least one plain pattern does. Case matters, as in
        /// ssh: `ssh -G DB1.LAB` does not take the settings of `Host *.lab`.
        /// </summary>
        internal static bool HostMatches(string alias, IReadOnlyList<string> patterns)
        {
            bool any = false;
            foreach (var p in patterns)
            {
                if (p.StartsWith("!", StringComparison.Ordinal))
                {
                    if (Wildcard(alias, p.Substring(1))) return false;
                }
                else if (Wildcard(alias, p))
                {
                    any = true;
                }
            }
            return any;
        }

        internal static bool Wildcard(string text, string pattern) => WildcardExact(text, pattern);

        private static string ExpandTilde(string path, SshConfigContext context)
        {
            if (path == "~") return context.Home;
            if (path.StartsWith("~/", StringComparison.Ordinal)) return Path.Combine(context.Home, path.Substring(2));
            return path;
        }

        /// <summary>%% %d %u %h %r %p %n %l; HostName takes only %h (the alias) and %%.</summary>
        internal static string ExpandTokens(string value, SshConfigContext context, string host, string alias, string remoteUser, int port, bool onlyHost)
        {
            if (value.IndexOf('%') < 0) return value;
            var sb = new StringBuilder(value.Length + 16);
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] != '%') { sb.Append(value[i]); continue; }
                if (i + 1 == value.Length) throw new SshConfigException("ssh_config", 0, $"'{value}' ends with a lone %.");
                char t = value[++i];
                string? s = t switch
                {
                    '%' => "%",
                    'h' => onlyHost ? alias : host,
                    'd' when !onlyHost => context.Home,
                    'u' when !onlyHost => context.LocalUser,
                    'r' when !onlyHost => remoteUser,
                    'p' when !onlyHost => port.ToString(CultureInfo.InvariantCulture),
                    'n' when !onlyHost => alias,
                    'l' when !onlyHost => Environment.MachineName,
                    _ => null,
                };
                if (s is null) throw new SshConfigException("ssh_config", 0, $"unknown token %{t} in '{value}'.");
                sb.Append(s);
            }
            return sb.ToString();
        }

        /// <summary>Include's file names: absolute or under <paramref name="baseDir"/>; * and ? in the last parts, sorted as glob(3) does.</summary>
        private static IEnumerable<string> Glob(string pattern, string baseDir)
        {
            var full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(baseDir, pattern);
            if (full.IndexOfAny(new[] { '*', '?' }) < 0) return File.Exists(full) ? new[] { full } : Array.Empty<string>();
            var parts = full.Split('/');
            IEnumerable<string> current = new[] { "/" };
            for (int i = 1; i < parts.Length; i++)
            {
                var part = parts[i];
                bool last = i == parts.Length - 1;
                if (part.Length == 0) continue;
                if (part.IndexOfAny(new[] { '*', '?' }) < 0)
                {
                    current = current.Select(d => Path.Combine(d, part)).Where(p => last ? File.Exists(p) : Directory.Exists(p)).ToList();
                    continue;
                }
                current = current.SelectMany(d =>
                {
                    try
                    {
                        var entries = last ? Directory.GetFiles(d) : Directory.GetDirectories(d);
                        return entries.Where(e => !Path.GetFileName(e).StartsWith(".", StringComparison.Ordinal) || part.StartsWith(".", StringComparison.Ordinal))
                                      .Where(e => WildcardExact(Path.GetFileName(e), part));
                    }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        return Enumerable.Empty<string>();
                    }
                }).OrderBy(e => e, StringComparer.Ordinal).ToList();
            }
            return current;
        }

        /// <summary>File names match case-sensitively, unlike host names.</summary>
        private static bool WildcardExact(string text, string pattern) =>
            Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }
}
