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
        public static string Build(string root, IReadOnlyList<SysfsQuery> queries) => Build(root, queries, ReadTools.Detect);

        /// <summary>
        /// The script, reading with the host's tools where it has them (<see cref="ReadTools.Detect"/>, the default) or
        /// with shell builtins only (<see cref="ReadTools.BuiltinsOnly"/>: what every host runs when it lacks the tools;
        /// tests compare the two).
        /// </summary>
        public static string Build(string root, IReadOnlyList<SysfsQuery> queries, ReadTools tools)
        {
            if (queries is null) throw new ArgumentNullException(nameof(queries));
            var sb = new StringBuilder(4096);
            sb.Append(Prologue);
            // R: the root is missing or not a directory; nothing else can be read.
            sb.Append("cd -- ").Append(PosixQuote.Quote(root)).Append(" || { printf 'R\\nZ\\n'; exit 0; }\n");
            var batch = ReadBatch.Of(queries);
            sb.Append(Functions);
            if (tools == ReadTools.Detect) sb.Append(DetectTools); else sb.Append("G=; K=\n");
            sb.Append("printf 'T%s%s\\n' \"${G:+g}\" \"${K:+k}\"\n");
            sb.Append("if [ -n \"$G\" ]; then\nexec 3>&1\n");
            foreach (var group in batch.Groups) AppendGroupWithTools(sb, group);
            // ':' keeps each branch a command list even for a batch without groups (sh refuses an empty else).
            sb.Append(":\nelse\n:\n");
            foreach (var group in batch.Groups) AppendGroupLoop(sb, group);
            sb.Append("fi\n");
            AppendLooseLoops(sb, batch.Loose);
            if (batch.Links.Count > 0)
            {
                AppendLinkSet(sb, batch.Links);
                sb.Append("if [ -n \"$K\" ]; then\n");
                AppendLinksWithFind(sb);
                sb.Append("else\n");
                AppendLinkBatches(sb);
                sb.Append("fi\n");
            }
            sb.Append("printf 'Z\\n'\n");
            return sb.ToString();
        }

        /// <summary>
        /// Finds out, inside the same command, whether the host has the tools that read many files in one process:
        /// GNU grep's <c>-z</c> (a file without NUL is one record, so its content comes back byte for byte, trailing
        /// newline or not), <c>--null</c> (the file name ends with a NUL, so any name is framed), and GNU find's
        /// <c>-printf</c> (every symlink's target from one process). BusyBox grep has no <c>--null</c>, so a
        /// BusyBox-only host reads with builtins, as before. Costs two forks.
        /// </summary>
        private const string DetectTools =
@"G=; K=
if command -v xargs >/dev/null 2>&1; then
  [ ""$(printf 'a' | grep -zaH --null -e '' 2>/dev/null | tr '\000' '|')"" = '(standard input)|a|' ] && G=1
  [ -n ""$G"" ] && find /dev/null -maxdepth 0 -printf '' >/dev/null 2>&1 && K=1
fi
";

        /// <summary>The functions and loops that read <paramref name="queries"/> with builtins only (after a plan, too: see <see cref="PlanScript"/>).</summary>
        internal static void AppendReads(StringBuilder sb, IReadOnlyList<SysfsQuery> queries)
        {
            var batch = ReadBatch.Of(queries);
            sb.Append(Functions);
            foreach (var group in batch.Groups) AppendGroupLoop(sb, group);
            AppendLooseLoops(sb, batch.Loose);
            if (batch.Links.Count > 0)
            {
                AppendLinkSet(sb, batch.Links);
                AppendLinkBatches(sb);
            }
        }

        /// <summary>Queries sorted by how the script reads them: directory groups, loose globs, symlinks.</summary>
        private sealed class ReadBatch
        {
            public readonly List<(string Dir, bool Self, List<string> Members)> Groups = new List<(string, bool, List<string>)>();
            public readonly List<string> Loose = new List<string>();
            public readonly List<string> Links = new List<string>();

            public static ReadBatch Of(IReadOnlyList<SysfsQuery> queries)
            {
            if (queries is null) throw new ArgumentNullException(nameof(queries));
            var batch = new ReadBatch();
            // Group by directory pattern, in first-seen order, so the output follows the caller's order of queries.
            var groups = batch.Groups;
            var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var loose = batch.Loose;
            var links = batch.Links;
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

            return batch;
            }
        }

        private static void AppendGroupLoop(StringBuilder sb, (string Dir, bool Self, List<string> Members) group)
        {
            var (dir, self, members) = group;
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
        }

        private static void AppendLooseLoops(StringBuilder sb, List<string> loose)
        {
            foreach (var p in loose)
                sb.Append("for f in ").Append(PosixQuote.GlobWord(p)).Append("; do s \"$f\"; done\n");
        }

        private static void AppendLinkSet(StringBuilder sb, List<string> links)
        {
            sb.Append("set --");
            foreach (var p in links) sb.Append(' ').Append(PosixQuote.GlobWord(p));
            sb.Append('\n');
        }

        private static void AppendLinkBatches(StringBuilder sb)
        {
            {
                sb.Append("while [ $# -ge ").Append(LinkBatch.ToString(CultureInfo.InvariantCulture)).Append(" ]; do lk");
                for (int i = 1; i <= LinkBatch; i++) sb.Append(" \"${").Append(i.ToString(CultureInfo.InvariantCulture)).Append("}\"");
                sb.Append("; shift ").Append(LinkBatch.ToString(CultureInfo.InvariantCulture)).Append("; done\n");
                sb.Append("[ $# -eq 0 ] || lk \"$@\"\n");
            }
        }
        // Keeps "$@" as the matches of one glob: drops the unmatched pattern (the shell leaves it as is) unless it is a
        // literal path that exists, and any name with a line break (the records are lines; sysfs has no such names).
        private static void AppendSetMatches(StringBuilder sb, string pattern)
        {
            sb.Append("set -- ").Append(PosixQuote.GlobWord(pattern)).Append('\n');
            sb.Append("[ $# -ne 1 ] || [ \"$1\" != ").Append(PosixQuote.Quote(pattern)).Append(" ] || x \"$1\" || set --\n");
            sb.Append("case \"$*\" in *\"$NL\"*) n=$#; while [ $n -gt 0 ]; do case $1 in *\"$NL\"*) ;; *) set -- \"$@\" \"$1\";; esac; shift; n=$((n-1)); done;; esac\n");
        }

        /// <summary>
        /// One group read by GNU grep: the directories as D (and E) records, then every member file of every directory
        /// (member by member, in that order) through one <c>xargs grep -zaH --null</c>: "path NUL content NUL" per
        /// non-empty file. grep's messages (one line per file it could not read, in the same order) are kept apart and
        /// printed after the last record, so they never land inside one. The parser knows which files were asked for
        /// (P and D records), so a file with neither record nor message is empty (grep prints nothing for it), a
        /// "No such file or directory" is a missing attribute, and any other message is that file's errno.
        /// </summary>
        private static void AppendGroupWithTools(StringBuilder sb, (string Dir, bool Self, List<string> Members) group)
        {
            var (dir, self, members) = group;
            AppendSetMatches(sb, dir);
            if (members.Count == 0)
            {
                if (self) sb.Append("[ $# -eq 0 ] || printf 'D%s\\nE\\n' \"$@\"\n");
                return;
            }
            sb.Append("printf 'P%s\\n' ").Append(PosixQuote.Quote(string.Join("/", members))).Append('\n');
            sb.Append("[ $# -eq 0 ] || printf ").Append(self ? "'D%s\\nE\\n'" : "'D%s\\n'").Append(" \"$@\"\n");
            sb.Append("printf 'F\\n'; e=\n[ $# -eq 0 ] || e=$( {");
            // Member names are plain ([A-Za-z0-9_.:-]), but a printf format must never see % or \ from a name.
            foreach (var m in members)
                sb.Append(" printf ").Append(PosixQuote.Quote("%s/" + m.Replace("\\", "\\\\").Replace("%", "%%") + "\\0")).Append(" \"$@\";");
            sb.Append(" } | xargs -0r grep -zaH --null -e '' -- 2>&1 >&3 )\n");
            sb.Append("printf '\\0\\n'; [ -z \"$e\" ] || printf '%s\\n' \"$e\"\n");
            // grep says "No such file or directory" for a missing file and for a dangling symlink alike; the builtin read
            // and LocalSysfs report the second as ENOENT. One find among those paths tells them apart.
            sb.Append("case $e in *': No such file or directory'*) printf '%s\\n' \"$e\" | sed -n 's/^[^:]*: \\(.*\\): No such file or directory$/\\1/p' | tr '\\n' '\\000' | xargs -0r sh -c 'exec find \"$@\" -maxdepth 0 -type l -printf \"dangling: %p: No such file or directory\\n\"' sh 2>/dev/null;; esac\n");
            sb.Append("printf '\\0\\n'\n");
        }

        /// <summary>
        /// Every symlink of the batch ("$@") from GNU find in one process per xargs batch: "path NUL target NUL". A
        /// pattern that matched nothing is find's "No such file or directory" and no record, as with builtins; any
        /// other message (which sysfs never gives for a link) reads the links again the builtin way, which records
        /// that errno per link.
        /// </summary>
        private static void AppendLinksWithFind(StringBuilder sb)
        {
            sb.Append("printf 'K\\n'; e=\n");
            sb.Append("[ $# -eq 0 ] || e=$(printf '%s\\0' \"$@\" | xargs -0r sh -c 'exec find \"$@\" -maxdepth 0 -type l -printf \"%p\\0%l\\0\\n\"' sh 2>&1 >&3 | grep -v -e ': No such file or directory$')\n");
            sb.Append("printf '\\0\\n'\n");
            sb.Append("if [ -n \"$e\" ]; then\n");
            AppendLinkBatches(sb);
            sb.Append("fi\n");
        }
    }

    /// <summary>How the read script reads files: with the host's tools where it has them, or with shell builtins only.</summary>
    public enum ReadTools
    {
        /// <summary>Look for GNU grep, find and xargs in the same command and use them when present.</summary>
        Detect,
        /// <summary>Shell builtins only (one readlink process per 256 links): what a host without those tools gets.</summary>
        BuiltinsOnly,
    }
}
