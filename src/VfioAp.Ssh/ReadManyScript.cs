using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Turns a batch of <see cref="SysfsQuery"/> into one POSIX sh script that expands every glob under the remote root and
    /// prints one record per match (format in <see cref="ReadManyOutputParser"/>).
    /// <para>
    /// Cost model (a 256 × 256 host has 65,536 queue directories, ~300,000 files): a fork costs ~1 ms, a builtin a few
    /// microseconds. So files are read with <c>while IFS= read -r</c> (a builtin; no process per file); a process is
    /// started only to learn the errno of a file that failed (<c>cat</c> prints strerror). Queries that read several
    /// attributes of the same directories are grouped, so the directory glob is expanded once and each attribute
    /// costs one <c>test -e</c> and one open. Symlinks are the exception: sh has no builtin for readlink, so they are
    /// resolved in batches of 256 per <c>readlink</c> process (GNU readlink takes many operands; BusyBox's takes one,
    /// and then each link of a failed batch is resolved on its own).
    /// </para>
    /// </summary>
    public static class ReadManyScript
    {
        /// <summary>How many symlinks one readlink process resolves.</summary>
        public const int LinkBatch = 256;

        /// <summary>Every remote script starts so: C locale (strerror texts in English, bytewise glob order), no stdin (a
        /// sudo password left unread must never reach a command), stderr silenced (each error is captured where it happens).</summary>
        internal const string Prologue =
@"export LC_ALL=C
exec 0</dev/null 2>/dev/null
NL='
'
SP=' 	
'
printf 'V1\n'
";

        // g: enter a matched directory (D record). c: read one attribute of it with builtins only. It opens the file
        // without testing for it first (on a FUSE or a busy sysfs every stat is a round trip to the file system); only
        // when the open fails does it look whether the file exists at all (a missing attribute is no record) and, if so,
        // learn the errno from cat's message (chk: "cat: x: No such device"). An empty file is read again by cat, since
        // the read builtin cannot tell an empty file from a failed read(2).
        // s: one file matched by a glob in its last segment.
        // k1/lc/lk: symlinks, batched (see the class comment).
        internal const string Functions =
@"g() { case $1 in *""$NL""*) return 1;; esac; d=$1; printf 'D%s\n' ""$1""; }
x() { [ -e ""$1"" ] || [ -L ""$1"" ]; }
chk() { e=$(cat -- ""$1"" 2>&1 >/dev/null) || printf '!%s\n' ""${e##*: }""; }
c() {
  l=; n=
  if { printf 'C%s\n' ""$1""; while IFS= read -r l; do n=1; printf '|%s\n' ""$l""; done; } <""$d/$1""; then
    if [ -n ""$l"" ]; then printf '~%s\n' ""$l""; elif [ -z ""$n"" ]; then chk ""$d/$1""; fi
  elif x ""$d/$1""; then printf 'C%s\n' ""$1""; chk ""$d/$1""; fi
}
s() {
  case $1 in *""$NL""*) return 0;; */*) g ""${1%/*}"" && c ""${1##*/}"";; *) d=.; printf 'D\n'; c ""$1"";; esac
}
k1() {
  x ""$1"" || return 0
  case $1 in *""$NL""*) return 0;; esac
  if [ -L ""$1"" ]; then
    if t=$(readlink -- ""$1""); then
      case $t in *""$NL""*) printf 'X%s\n!%s\n' ""$1"" 'link target has a line break';; *) printf 'L1\n%s\n%s\n' ""$1"" ""$t"";; esac
    else printf 'X%s\n!%s\n' ""$1"" 'Input/output error'; fi
  fi
}
lc() {
  case ""$*"" in *""$NL""*) return 1;; esac
  o=$(readlink -- ""$@"") || return 1
  n=$#; IFS=$NL; p=""$*""; set -f; set -- $o; set +f; IFS=$SP
  [ $# -eq $n ] || return 1
  printf 'L%s\n%s\n%s\n' ""$n"" ""$p"" ""$o""
}
lk() { lc ""$@"" || for f in ""$@""; do k1 ""$f""; done; }
";

        /// <summary>The whole script for <paramref name="queries"/> under <paramref name="root"/> (already checked by <see cref="RemotePathRules.CheckRoot"/>).</summary>
        public static string Build(string root, IReadOnlyList<SysfsQuery> queries)
        {
            if (queries is null) throw new ArgumentNullException(nameof(queries));
            var sb = new StringBuilder(4096);
            sb.Append(Prologue);
            // R: the root is missing or not a directory; nothing else can be read.
            sb.Append("cd -- ").Append(PosixQuote.Quote(root)).Append(" || { printf 'R\\nZ\\n'; exit 0; }\n");
            AppendReads(sb, queries);
            sb.Append("printf 'Z\\n'\n");
            return sb.ToString();
        }

        /// <summary>The functions and loops that read <paramref name="queries"/> (after a plan, too: see <see cref="PlanScript"/>).</summary>
        internal static void AppendReads(StringBuilder sb, IReadOnlyList<SysfsQuery> queries)
        {
            // Group by directory pattern, in first-seen order, so the output follows the caller's order of queries.
            var groups = new List<(string Dir, bool Self, List<string> Members)>();
            var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var loose = new List<string>();
            var links = new List<string>();
            var seenLoose = new HashSet<string>(StringComparer.Ordinal);
            var seenLinks = new HashSet<string>(StringComparer.Ordinal);

            (string Dir, bool Self, List<string> Members) GroupOf(string dir)
            {
                if (!groupIndex.TryGetValue(dir, out int i))
                {
                    i = groups.Count;
                    groupIndex[dir] = i;
                    groups.Add((dir, false, new List<string>()));
                }
                return groups[i];
            }

            foreach (var q in queries)
            {
                RemotePathRules.CheckRelative(q.Pattern, allowGlob: true);
                switch (q.Kind)
                {
                    case SysfsQueryKind.Exists:
                        var g = GroupOf(q.Pattern);
                        groups[groupIndex[q.Pattern]] = (g.Dir, true, g.Members);
                        break;
                    case SysfsQueryKind.Link:
                        if (seenLinks.Add(q.Pattern)) links.Add(q.Pattern);
                        break;
                    default:
                        int slash = q.Pattern.LastIndexOf('/');
                        string last = q.Pattern.Substring(slash + 1);
                        if (slash < 0 || last.IndexOf('*') >= 0)
                        {
                            if (seenLoose.Add(q.Pattern)) loose.Add(q.Pattern);
                        }
                        else
                        {
                            var members = GroupOf(q.Pattern.Substring(0, slash)).Members;
                            if (!members.Contains(last)) members.Add(last);
                        }
                        break;
                }
            }

            sb.Append(Functions);
            foreach (var (dir, self, members) in groups)
            {
                // A glob's matches exist (the shell just read them from their directory); only the pattern itself, which
                // the shell leaves when nothing matched, and a literal path need the existence test.
                sb.Append("for f in ").Append(PosixQuote.GlobWord(dir)).Append("; do [ \"$f\" != ").Append(PosixQuote.Quote(dir))
                  .Append(" ] || x \"$f\" || continue; g \"$f\" && {");
                if (self) sb.Append(" printf 'E\\n';");
                foreach (var m in members) sb.Append(" c ").Append(PosixQuote.Quote(m)).Append(';');
                if (!self && members.Count == 0) sb.Append(" :;");
                sb.Append(" }; done\n");
            }
            foreach (var p in loose)
                sb.Append("for f in ").Append(PosixQuote.GlobWord(p)).Append("; do s \"$f\"; done\n");
            if (links.Count > 0)
            {
                sb.Append("set --");
                foreach (var p in links) sb.Append(' ').Append(PosixQuote.GlobWord(p));
                sb.Append('\n');
                sb.Append("while [ $# -ge ").Append(LinkBatch.ToString(CultureInfo.InvariantCulture)).Append(" ]; do lk");
                for (int i = 1; i <= LinkBatch; i++) sb.Append(" \"${").Append(i.ToString(CultureInfo.InvariantCulture)).Append("}\"");
                sb.Append("; shift ").Append(LinkBatch.ToString(CultureInfo.InvariantCulture)).Append("; done\n");
                sb.Append("[ $# -eq 0 ] || lk \"$@\"\n");
            }
        }
    }
}
