using System;
using System.Collections.Generic;
using System.Text;

namespace VfioAp.Core.Persistence
{
    /// <summary>What a shell on the host answered: exit code, standard output and standard error.</summary>
    public sealed class ShellCommandResult
    {
        public ShellCommandResult(int exitCode, string stdout, string stderr)
        {
            ExitCode = exitCode;
            Stdout = stdout;
            Stderr = stderr;
        }

        public int ExitCode { get; }
        public string Stdout { get; }
        public string Stderr { get; }
    }

    /// <summary>
    /// mdevctl's configuration directory on a host reached through a POSIX shell (over SSH, with sudo where the
    /// session needs it): every read is one script, whatever the number of mdevs (the write is the change plan's own
    /// one command). File names and contents cross as base64 (GNU coreutils), so no
    /// byte of a definition is interpreted by a shell on the way.
    /// </summary>
    public sealed class ShellMdevctlConfigFiles : IMdevctlConfigFiles
    {
        private readonly Func<string, ShellCommandResult> _run;

        /// <param name="hostName">The host, for messages.</param>
        /// <param name="root">mdevctl's root on that host (<c>/</c>): the directory is <c>&lt;root&gt;/etc/mdevctl.d</c>.</param>
        /// <param name="run">Runs a script with <c>/bin/sh</c> on the host and returns what it printed.</param>
        public ShellMdevctlConfigFiles(string hostName, string root, Func<string, ShellCommandResult> run)
        {
            HostName = hostName;
            ConfigDirectory = root.TrimEnd('/') + "/etc/mdevctl.d";
            _run = run;
        }

        public string HostName { get; }
        public string ConfigDirectory { get; }

        /// <summary>The read script: <c>NODIR</c>, or <c>DIR</c> then per file a line <c>F &lt;b64 parent&gt; &lt;b64 name&gt; C|E &lt;b64 content or error&gt;</c>.</summary>
        internal string ReadScript(string? parent)
        {
            var sb = new StringBuilder();
            sb.Append("d=").Append(PersistPlan.Quote(ConfigDirectory)).Append('\n');
            sb.Append("want=").Append(PersistPlan.Quote(parent ?? "")).Append('\n');
            sb.Append("""
                b64() { base64 | tr -d '\n'; }
                if [ ! -d "$d" ]; then echo NODIR; exit 0; fi
                echo DIR
                for p in "$d"/*/; do
                  [ -d "$p" ] || continue
                  pn=$(basename "$p")
                  [ "$pn" = scripts.d ] && continue
                  [ -n "$want" ] && [ "$pn" != "$want" ] && continue
                  for f in "$p"*; do
                    [ -f "$f" ] || continue
                    fn=$(basename "$f")
                    if [ -r "$f" ] && c=$(b64 < "$f"); then kind=C; else kind=E; c=$(printf 'cannot read %s' "$f" | b64); fi
                    printf 'F %s %s %s %s\n' "$(printf %s "$pn" | b64)" "$(printf %s "$fn" | b64)" "$kind" "$c"
                  done
                done

                """.Replace("\r", ""));
            return sb.ToString();
        }

        public MdevctlConfigListing ReadAll(string? parent = null)
        {
            var r = _run(ReadScript(parent));
            if (r.ExitCode != 0)
                throw new PersistenceException(ConfigDirectory, null, $"could not read mdevctl's directory on {HostName} (shell exit {r.ExitCode}): {r.Stderr.Trim()}");
            var lines = r.Stdout.Replace("\r", "").Split('\n');
            if (lines.Length > 0 && lines[0] == "NODIR") return new MdevctlConfigListing(false, Array.Empty<MdevctlConfigFile>());
            if (lines.Length == 0 || lines[0] != "DIR")
                throw new PersistenceException(ConfigDirectory, null, $"unexpected answer from {HostName} while listing mdevctl's directory: '{Head(r.Stdout)}'. Is /bin/sh a POSIX shell with base64 (GNU coreutils)?");
            var files = new List<MdevctlConfigFile>();
            for (int i = 1; i < lines.Length; i++)
            {
                if (lines[i].Length == 0) continue;
                var parts = lines[i].Split(' ');
                if (parts.Length < 4 || parts[0] != "F" || (parts[3] != "C" && parts[3] != "E"))
                    throw new PersistenceException(ConfigDirectory, null, $"unexpected line from {HostName} while listing mdevctl's directory: '{Head(lines[i])}'.");
                var parentName = Decode(parts[1]);
                var name = Decode(parts[2]);
                var body = parts.Length > 4 ? Decode(parts[4]) : "";
                var path = ConfigDirectory + "/" + parentName + "/" + name;
                files.Add(parts[3] == "C" ? new MdevctlConfigFile(parentName, name, path, body) : new MdevctlConfigFile(parentName, name, path, null, body));
            }
            return new MdevctlConfigListing(true, files);
        }

        private static string Decode(string b64) => new UTF8Encoding(false).GetString(Convert.FromBase64String(b64));

        private static string Head(string s) => s.Length > 200 ? s.Substring(0, 200) + "…" : s;
    }
}
