using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using VfioAp.Core.Model;
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
";

        // The host's AP configuration lock, s390-tools' util_lockfile protocol in POSIX sh. The holder is this shell ($$):
        // its pid goes into a private temporary file that ln (link(2)) puts at the lock path, which only one process wins.
        // A lock whose pid is gone (kill -0 fails with anything but EPERM) or that has held no pid for 2 minutes (find
        // -mmin, GNU and BusyBox) is stale and removed. The trap releases the lock on every way out, only while it holds $$.
        // Records: W<pid> while waiting (at once, then every second), T<pid> on timeout, E<strerror> when the lock file
        // cannot be created, L<pid> once held. Waiting ends after $TO seconds (date +%s).
        private const string Lock =
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
        case $(kill -0 ""$h"" 2>&1) in *ermitted*) ;; *) rm -f -- ""$L""; continue ;; esac
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
        /// A module-built script (mdevctl's definitions) under the host's lock: the lock's records go to stderr, so the
        /// script's own output is untouched; when the lock is not taken the shell exits with <see cref="LockExitCode"/>
        /// and stderr holds the T or E record.
        /// </summary>
        public static string Locked(string script, string lockPath, int lockTimeoutSeconds)
        {
            RemotePathRules.CheckRoot(lockPath);
            return Lock + "L=" + PosixQuote.Quote(lockPath) + "; TO=" + lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture) + "\n" +
                   "lk >&2 || exit " + LockExitCode.ToString(CultureInfo.InvariantCulture) + "\n" + script;
        }

        /// <summary>The exit status of a <see cref="Locked"/> script whose lock was not taken (EX_TEMPFAIL).</summary>
        public const int LockExitCode = 75;

        /// <summary>
        /// The plan under the host's lock at <paramref name="lockPath"/> (there is no plan script without it): the lock is
        /// taken (waiting up to <paramref name="lockTimeoutSeconds"/>), each precondition's file compared by its
        /// <c>cksum</c> (C&lt;path&gt; for each that changed, and then no write runs), the writes, the reads, and the release.
        /// </summary>
        public static string Build(string root, IReadOnlyList<SysfsWrite> writes, IReadOnlyList<SysfsQuery>? readAfter,
                                   string lockPath, IReadOnlyList<SysfsPrecondition>? preconditions, int lockTimeoutSeconds)
        {
            if (writes is null) throw new ArgumentNullException(nameof(writes));
            if (lockPath is null) throw new ArgumentNullException(nameof(lockPath));
            RemotePathRules.CheckRoot(lockPath);
            var sb = new StringBuilder(4096 + writes.Count * 80);
            sb.Append(ReadManyScript.Prologue);
            sb.Append("cd -- ").Append(PosixQuote.Quote(root)).Append(" || { printf 'R\\nZ\\n'; exit 0; }\n");
            sb.Append(Step);
            sb.Append(Lock);
            sb.Append("L=").Append(PosixQuote.Quote(lockPath)).Append("; TO=").Append(lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("lk || { printf 'Z\\n'; exit 0; }\n");
            sb.Append("k=0\n");
            foreach (var p in preconditions ?? Array.Empty<SysfsPrecondition>())
            {
                RemotePathRules.CheckRelative(p.Path, allowGlob: false);
                sb.Append("c ").Append(PosixQuote.Quote(p.Path)).Append(' ')
                  .Append(PosixQuote.Quote(p.Expected is null ? "-" : PosixCksum.Of(p.Expected))).Append('\n');
            }
            sb.Append("[ $k = 0 ] &&\n");
            // w 0 … && w 1 … && : — the chain stops at the first failed step and the script goes on to the reads.
            for (int i = 0; i < writes.Count; i++)
            {
                var w = writes[i];
                RemotePathRules.CheckRelative(w.Path, allowGlob: false);
                RemotePathRules.CheckValue(w.Value, w.Path);
                sb.Append("w ").Append(i.ToString(CultureInfo.InvariantCulture)).Append(' ')
                  .Append(PosixQuote.Quote(w.Path)).Append(' ').Append(PosixQuote.Quote(w.Value)).Append(" &&\n");
            }
            sb.Append(":\n");
            if (readAfter != null)
            {
                sb.Append("printf 'Q\\n'\n");
                ReadManyScript.AppendReads(sb, readAfter);
            }
            // Released before the last record: once Z is read, the next plan may take the lock.
            sb.Append("lr; trap - EXIT\n");
            sb.Append("printf 'Z\\n'\n");
            return sb.ToString();
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
