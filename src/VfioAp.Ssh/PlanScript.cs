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

        public static string Build(string root, IReadOnlyList<SysfsWrite> writes, IReadOnlyList<SysfsQuery>? readAfter = null)
        {
            if (writes is null) throw new ArgumentNullException(nameof(writes));
            var sb = new StringBuilder(4096 + writes.Count * 80);
            sb.Append(ReadManyScript.Prologue);
            sb.Append("cd -- ").Append(PosixQuote.Quote(root)).Append(" || { printf 'R\\nZ\\n'; exit 0; }\n");
            sb.Append(Step);
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

        private int Step(string line) =>
            int.TryParse(line.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : throw Protocol("a bad step number");

        private FormatException Protocol(string what) =>
            new FormatException($"The remote plan script's output has {what} at line {_lineNo}; the remote shell did not run the script as written (is /bin/sh a POSIX shell?).");
    }
}
