using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// A plan of sysfs writes, and the reads that verify it, as one POSIX sh script: the writes run in order, the first
    /// failure stops them, each step prints its outcome the moment it completes (so a connection lost mid-plan still
    /// tells which steps took effect), and then, success or not, the verification reads run.
    /// <para>
    /// Each value is written as <c>printf '%s\n' value | cat &gt; path</c>: one write(2) of the whole value, like
    /// <c>echo value &gt; path</c>. The external <c>cat</c> is there because dash's builtin printf reports every write
    /// failure as "I/O error" and BusyBox's reports none, while the kernel's answer is in the errno (ENODEV, EADDRINUSE…);
    /// cat prints strerror. A step whose file does not exist fails with ENOENT instead of creating a file (a wrong root
    /// or a missing attribute must not turn into a new regular file in a directory tree).
    /// </para>
    /// A file step (mdevctl's definition, a udev rule) is <c>fw</c>: its text through <c>cat</c> into a temporary file
    /// beside it, renamed over it with <c>mv</c> (atomic within a directory; the parent made with <c>mkdir -p</c>), or
    /// <c>fr</c>: removed. Its failure is reported as a write's is, with the C library's text.
    /// Output: <c>V1</c>; <c>S&lt;i&gt;</c> per applied step, or <c>F&lt;i&gt;</c> and <c>!&lt;strerror&gt;</c> for the failed one;
    /// <c>Q</c> and the read records of <see cref="ReadManyOutputParser"/> when reads follow; <c>Z</c>.
    /// <c>R</c> when the root does not exist.
    /// </summary>
    public static class PlanScript
    {
        private const string Step =
@"w() {
  [ -e ""$2"" ] || { printf 'F%s\n!%s\n' ""$1"" 'No such file or directory'; return 1; }
  if e=$(printf '%s\n' ""$3"" | cat 2>&1 >""$2""); then printf 'S%s\n' ""$1""
  else printf 'F%s\n!%s\n' ""$1"" ""${e##*: }""; return 1; fi
}
fw() {
  d=${2%/*}; [ -d ""$d"" ] || e=$(mkdir -p -- ""$d"" 2>&1) || { printf 'F%s\n!%s\n' ""$1"" ""${e##*: }""; return 1; }
  t=""$d/.${2##*/}.vfioap-$$.tmp""
  if e=$(printf '%s' ""$3"" | cat 2>&1 >""$t"") && e=$(mv -f -- ""$t"" ""$2"" 2>&1); then printf 'S%s\n' ""$1""
  else rm -f -- ""$t""; printf 'F%s\n!%s\n' ""$1"" ""${e##*: }""; return 1; fi
}
fr() {
  if [ ! -e ""$2"" ] || e=$(rm -f -- ""$2"" 2>&1); then printf 'S%s\n' ""$1""
  else printf 'F%s\n!%s\n' ""$1"" ""${e##*: }""; return 1; fi
}
";

        // The host's AP configuration lock, s390-tools' util_lockfile protocol in POSIX sh. The holder is this shell ($$):
        // its pid goes into a private temporary file that ln (link(2)) puts at the lock path, which only one process wins.
        // A lock whose pid is gone (kill -0 fails with anything but EPERM) or that has held no pid for 2 minutes (find
        // -mmin, GNU and BusyBox) is stale and removed — unless the gone holder's process group still lives: a plan's
        // shell is its group's leader (sshd starts each command in a session of its own), and its write runs in a child
        // (cat), so a shell killed mid-write leaves that store in the kernel; the lock is stale only once it has landed.
        // (s390-tools' util_lockfile checks the pid alone; waiting for the group is stricter, never looser.) The trap releases the lock on every way out, only while it holds $$.
        // Records: W<pid> while waiting (at once, then every second), T<pid> on timeout, E<strerror> when the lock file
        // cannot be created, L<pid> once held. Waiting ends after $TO seconds (date +%s).
        internal const string Lock =
@"lr() { [ ""$(cat -- ""$L"" 2>/dev/null)"" = ""$$"" ] && rm -f -- ""$L""; rm -f -- ""$T""; }
lk() {
  T=""$L$$.vfioap""
  e=$(touch -- ""$T"" 2>&1) || { printf 'E%s\n' ""${e##*: }""; return 1; }
  printf '%s\n' $$ >""$T"" || { printf 'E%s\n' 'Input/output error'; rm -f -- ""$T""; return 1; }
  trap lr EXIT
  trap 'exit 1' HUP INT TERM PIPE
  t0=$(date +%s); n=0
  while ! ln -- ""$T"" ""$L"" 2>/dev/null; do
    if [ ! -e ""$L"" ]; then
      e=$(ln -- ""$T"" ""$L"" 2>&1) && break
      [ -e ""$L"" ] && continue
      printf 'E%s\n' ""${e##*: }""; return 1
    fi
    h=$(cat -- ""$L"" 2>/dev/null); h=${h%%[!0-9]*}
    if [ -n ""$h"" ] && [ ""$h"" != 0 ]; then
      if ! kill -0 ""$h"" 2>/dev/null; then
        case $(kill -0 ""$h"" 2>&1) in *ermitted*) ;; *) kill -0 ""-$h"" 2>/dev/null || { rm -f -- ""$L""; continue; } ;; esac
      fi
    else
      h=0
      [ -n ""$(find ""$L"" -mmin +2 2>/dev/null)"" ] && { rm -f -- ""$L""; continue; }
    fi
    s=$(( $(date +%s) - t0 ))
    [ ""$s"" -ge ""$TO"" ] && { printf 'T%s\n' ""$h""; return 1; }
    [ $((n % 10)) = 0 ] && printf 'W%s %s\n' ""$h"" ""$s""
    n=$((n + 1))
    sleep 0.1 2>/dev/null || sleep 1
  done
  printf 'L%s\n' $$
}
c() {
  if [ -e ""$1"" ]; then s=$(cksum <""$1"" 2>/dev/null) || s=x; else s=-; fi
  [ ""$s"" = ""$2"" ] || { printf 'C%s\n' ""$1""; k=1; }
}
";

        /// <summary>
        /// The plan under the host's lock at <paramref name="lockPath"/> (there is no plan script without it): the lock is
        /// taken (waiting up to <paramref name="lockTimeoutSeconds"/>), each precondition's file compared by its
        /// <c>cksum</c> (C&lt;path&gt; for each that changed, and then no write runs), the writes, the reads, and the release.
        /// Host-root queries of the read-back (<see cref="SysfsArea.Host"/>: a udev rule a file step wrote) are read after
        /// the sysfs reads from <c>hostRoot</c>; without one, only sysfs is read back.
        /// With <paramref name="heldBy"/> (the pid of this session's holder shell, <see cref="SshLockHolder"/>) the lock is
        /// neither taken nor released: the script checks that the lock file holds that pid, and otherwise prints
        /// <c>N&lt;pid&gt;</c> (the pid it holds now, 0 for none) and writes nothing.
        /// </summary>
        public static string Build(string root, IReadOnlyList<PlanStep> steps, IReadOnlyList<SysfsQuery>? readAfter,
                                   string lockPath, IReadOnlyList<SysfsPrecondition>? preconditions, int lockTimeoutSeconds,
                                   string? hostRoot = null, int heldBy = 0)
        {
            if (steps is null) throw new ArgumentNullException(nameof(steps));
            if (lockPath is null) throw new ArgumentNullException(nameof(lockPath));
            RemotePathRules.CheckRoot(lockPath);
            var sb = new StringBuilder(4096 + steps.Count * 80);
            sb.Append(ReadManyScript.Prologue);
            sb.Append("cd -- ").Append(PosixQuote.Quote(root)).Append(" || { printf 'R\\nZ\\n'; exit 0; }\n");
            sb.Append(Step);
            sb.Append(Lock);
            sb.Append("L=").Append(PosixQuote.Quote(lockPath)).Append("; TO=").Append(lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (heldBy > 0)
            {
                // Held by this session's holder shell: write nothing unless the lock file still holds its pid and that shell
                // is alive (a dead holder's lock is stale: anyone may take it over). N: the pid it holds now.
                var pid = heldBy.ToString(CultureInfo.InvariantCulture);
                sb.Append("h=$(cat -- \"$L\" 2>/dev/null); [ \"$h\" = ").Append(pid).Append(" ] && kill -0 ").Append(pid)
                  .Append(" 2>/dev/null || { h=${h%%[!0-9]*}; printf 'N%s\\nZ\\n' \"${h:-0}\"; exit 0; }\n");
            }
            else
                sb.Append("lk || { printf 'Z\\n'; exit 0; }\n");
            sb.Append("k=0\n");
            foreach (var p in preconditions ?? Array.Empty<SysfsPrecondition>())
            {
                if (p.IsHostFile) RemotePathRules.CheckHostFile(p.Path);
                else RemotePathRules.CheckRelative(p.Path, allowGlob: false);
                sb.Append("c ").Append(PosixQuote.Quote(p.Path)).Append(' ')
                  .Append(PosixQuote.Quote(p.Expected is null ? "-" : PosixCksum.Of(p.Expected))).Append('\n');
            }
            sb.Append("[ $k = 0 ] &&\n");
            // w 0 … && w 1 … && : — the chain stops at the first failed step and the script goes on to the reads.
            for (int i = 0; i < steps.Count; i++)
                AppendStep(sb, i, steps[i]);
            sb.Append(":\n");
            if (readAfter != null)
            {
                sb.Append("printf 'Q\\n'\n");
                var sysfsReads = readAfter.Where(q => q.Area == SysfsArea.Sysfs).ToList();
                var hostReads = hostRoot is null ? new List<SysfsQuery>() : readAfter.Where(q => q.Area == SysfsArea.Host).ToList();
                ReadManyScript.AppendReads(sb, sysfsReads);
                // The host's own files a plan wrote (a udev rule) are read back from the host root, as a read with host files reads them.
                if (hostReads.Count > 0)
                {
                    sb.Append("if cd -- ").Append(PosixQuote.Quote(RemotePathRules.CheckRoot(hostRoot!))).Append(" 2>/dev/null; then\n");
                    ReadManyScript.AppendReads(sb, hostReads);
                    sb.Append("fi\n");
                }
            }
            // Released before the last record: once Z is read, the next plan may take the lock. A held lock stays with its holder.
            if (heldBy <= 0) sb.Append("lr; trap - EXIT\n");
            sb.Append("printf 'Z\\n'\n");
            return sb.ToString();
        }

        /// <summary>One step of the <c>&amp;&amp;</c> chain: every value checked (sysfs) or single-quoted (file text) before it reaches the shell.</summary>
        private static void AppendStep(StringBuilder sb, int index, PlanStep step)
        {
            var i = index.ToString(CultureInfo.InvariantCulture);
            switch (step)
            {
                case SysfsWriteStep s:
                    RemotePathRules.CheckRelative(s.Write.Path, allowGlob: false);
                    RemotePathRules.CheckValue(s.Write.Value, s.Write.Path);
                    sb.Append("w ").Append(i).Append(' ').Append(PosixQuote.Quote(s.Write.Path)).Append(' ').Append(PosixQuote.Quote(s.Write.Value));
                    break;
                case FileWriteStep f:
                    RemotePathRules.CheckHostFile(f.Path);
                    if (f.Content.IndexOf('\0') >= 0) throw new ArgumentException($"The text for {f.Path} contains a NUL byte, which no shell can carry.", nameof(step));
                    sb.Append("fw ").Append(i).Append(' ').Append(PosixQuote.Quote(f.Path)).Append(' ').Append(PosixQuote.Quote(f.Content));
                    break;
                case FileRemoveStep r:
                    RemotePathRules.CheckHostFile(r.Path);
                    sb.Append("fr ").Append(i).Append(' ').Append(PosixQuote.Quote(r.Path));
                    break;
                default:
                    throw new NotSupportedException($"The SSH transport cannot run a {step.GetType().Name}.");
            }
            sb.Append(" &&\n");
        }
    }

    /// <summary>Follows a plan script's output as it streams in.</summary>
    public sealed class PlanOutputParser
    {
        private int _lineNo;
        private ReadManyOutputParser? _reads;

        public bool Started { get; private set; }
        public bool Completed { get; private set; }
        public bool RootMissing { get; private set; }
        /// <summary>Set once the lock is held (L record): the pid of the remote shell holding it.</summary>
        public int LockHolder { get; private set; }
        /// <summary>T record: the wait for the lock timed out; the pid that held it.</summary>
        public int? LockTimedOutHolder { get; private set; }
        /// <summary>N record: the lock was to be held by this session's holder shell, but holds this pid (0: none); nothing was written.</summary>
        public int? NotHeldHolder { get; private set; }
        /// <summary>E record: the lock file could not be created; the C library's text.</summary>
        public string? LockError { get; private set; }
        /// <summary>C records: preconditions that no longer held (nothing was written).</summary>
        public List<string> Conflicts { get; } = new List<string>();
        /// <summary>Told of each W record: the pid holding the lock, and the seconds waited so far.</summary>
        public Action<int, int>? Waiting { get; set; }
        /// <summary>Steps reported applied, in order (0..Applied-1).</summary>
        public int Applied { get; private set; }
        public int FailedStep { get; private set; } = -1;
        public Errno Error { get; private set; }
        /// <summary>The C library's text for the failed step, as the remote host printed it.</summary>
        public string? ErrorText { get; private set; }
        /// <summary>The verification reads, once they have arrived whole; null otherwise.</summary>
        public SysfsReadResult? After => _reads is { Completed: true } r ? new SysfsReadResult(r.Entries) : null;

        public void Feed(char[] buf, int start, int length)
        {
            if (_reads != null)
            {
                _lineNo++;
                _reads.Feed(buf, start, length);
                if (_reads.Completed) Completed = true;
                return;
            }
            Feed(new string(buf, start, length));
        }

        public void Feed(string line)
        {
            if (_reads != null)
            {
                Feed(line.ToCharArray(), 0, line.Length);
                return;
            }
            _lineNo++;
            if (line.Length == 0) throw Protocol("an empty line");
            switch (line[0])
            {
                case 'V':
                    if (line != "V1") throw Protocol("an unknown protocol version");
                    Started = true;
                    break;
                case 'R':
                    RootMissing = true;
                    break;
                case 'L':
                    LockHolder = Number(line.Substring(1));
                    break;
                case 'W':
                    var parts = line.Substring(1).Split(' ');
                    Waiting?.Invoke(Number(parts[0]), parts.Length > 1 ? Number(parts[1]) : 0);
                    break;
                case 'T':
                    LockTimedOutHolder = Number(line.Substring(1));
                    break;
                case 'E':
                    LockError = line.Substring(1);
                    break;
                case 'N':
                    NotHeldHolder = Number(line.Substring(1));
                    break;
                case 'C':
                    Conflicts.Add(line.Substring(1));
                    break;
                case 'S':
                    if (FailedStep >= 0 || Step(line) != Applied) throw Protocol("a step out of order");
                    Applied++;
                    break;
                case 'F':
                    if (FailedStep >= 0 || Step(line) != Applied) throw Protocol("a step out of order");
                    FailedStep = Applied;
                    Error = Errno.EIO;
                    break;
                case '!':
                    if (FailedStep < 0) throw Protocol("an error without a failed step");
                    ErrorText = line.Substring(1);
                    Error = StrerrorText.TryParse(ErrorText, out var e) ? e : Errno.EIO;
                    break;
                case 'Q':
                    _reads = new ReadManyOutputParser();
                    break;
                case 'Z':
                    Completed = true;
                    break;
                default:
                    throw Protocol("an unknown record tag");
            }
        }

        public void Finish() => _reads?.Finish();

        private int Number(string text) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw Protocol("a bad pid");

        private int Step(string line) =>
            int.TryParse(line.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : throw Protocol("a bad step number");

        private FormatException Protocol(string what) =>
            new FormatException($"The remote plan script's output has {what} at line {_lineNo}; the remote shell did not run the script as written (is /bin/sh a POSIX shell?).");
    }
}
