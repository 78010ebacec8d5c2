using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Reads what <see cref="ReadManyScript"/> prints, line by line as it streams in, in one pass (no quadratic cost,
    /// no second copy of the output). Every line starts with a tag, so file content can be anything but NUL:
    /// <code>
    /// V1                  protocol version; the script started (sudo, if any, let it run)
    /// R                   the sysfs root does not exist (nothing else follows but Z)
    /// D&lt;dir&gt;              the directory the next E/C records are in ("" = the root)
    /// E                   the directory D itself exists
    /// C&lt;name&gt;             the file D/name; its content follows as lines:
    ///   |&lt;text&gt;           a line that ended with a newline
    ///   ~&lt;text&gt;           the last line, which had no newline
    ///   !&lt;strerror&gt;       the read failed (C library text, mapped back to an errno)
    /// L&lt;n&gt;               n symlink paths (one per line), then their n targets (one per line)
    /// X&lt;path&gt;            a symlink that could not be read; a !&lt;strerror&gt; line follows
    /// Z                   the end: without it the output was cut short
    /// </code>
    /// Where the host has GNU grep, find and xargs (see <see cref="ReadManyScript"/>), a group of files is read by grep
    /// and the links by find, framed with NUL, which no sysfs file or name contains:
    /// <code>
    /// T[g][k]             which tools the script found (g: grep reads the files, k: find reads the links)
    /// P&lt;m1&gt;/&lt;m2&gt;/…       the member files asked for in each directory of the next D records
    /// F                   then, up to an empty path: &lt;dir/member&gt; NUL &lt;content&gt; NUL, member by member, only
    ///                     for files that are not empty; then grep's messages ("grep: &lt;path&gt;: &lt;strerror&gt;"), one
    ///                     line per file it could not read, up to a line holding one NUL
    /// K                   then, up to an empty path: &lt;link&gt; NUL &lt;target&gt; NUL newline
    /// </code>
    /// A file of a P group with neither a record nor a message is empty; "No such file or directory" is a missing
    /// attribute and gives no entry (also for a file whose read says ENOENT, which sysfs does not do).
    /// </summary>
    public sealed class ReadManyOutputParser
    {
        private readonly List<SysfsEntry> _entries = new List<SysfsEntry>();
        // Attribute names, flag values, driver link targets: a handful of distinct strings repeated 65,536 times.
        private readonly RecentStrings _names = new RecentStrings();
        private readonly RecentStrings _values = new RecentStrings();
        private string _dir = "";
        private readonly PendingRecord _pending;

        public ReadManyOutputParser() { _pending = new PendingRecord(_values); }
        private int _linkPathsLeft;
        private int _linkTargetsLeft;
        private readonly List<string> _linkPaths = new List<string>();
        private int _linkIndex;
        private int _lineNo;

        // The tool-read sections (T, P, F, K).
        private enum Mode { Lines, Nul, ToolMessages }
        private Mode _mode;
        private bool _nulLinks;
        private bool _inContent;
        private StringBuilder? _token;
        private bool _tokenBroken;
        private readonly ToolReadGroup _group = new ToolReadGroup();

        /// <summary>The tools the script read with: "" (builtins only), "g" (grep for files), "gk" (and find for links).</summary>
        public string? Tools { get; private set; }

        public bool Started { get; private set; }
        public bool Completed { get; private set; }
        public bool RootMissing { get; private set; }
        public IReadOnlyList<SysfsEntry> Entries => _entries;

        /// <summary>Parses a whole output (used by tests and benchmarks; the transport feeds lines as they arrive).</summary>
        public static ReadManyOutputParser ParseAll(Stream output)
        {
            var reader = new LfLineReader(output);
            var p = new ReadManyOutputParser();
            while (reader.ReadLine(out var buffer, out int start, out int length)) p.Feed(buffer, start, length);
            p.Finish();
            return p;
        }

        public void Feed(string line) => Feed(line.ToCharArray(), 0, line.Length);

        /// <summary>One line (without '\n') as a segment of a buffer the caller reuses.</summary>
        public void Feed(char[] buf, int start, int length)
        {
            _lineNo++;
            if (_mode == Mode.Nul)
            {
                FeedNul(buf, start, length);
                return;
            }
            if (_mode == Mode.ToolMessages)
            {
                if (length == 1 && buf[start] == '\0') EndGroup();
                else ToolMessage(new string(buf, start, length));
                return;
            }
            if (_linkPathsLeft > 0)
            {
                _linkPaths.Add(new string(buf, start, length));
                if (--_linkPathsLeft == 0) _linkIndex = 0;
                return;
            }
            if (_linkTargetsLeft > 0)
            {
                _entries.Add(new SysfsEntry(_linkPaths[_linkIndex++], SysfsQueryKind.Link, _values.Get(buf, start, length), Errno.None));
                if (--_linkTargetsLeft == 0) _linkPaths.Clear();
                return;
            }
            if (length == 0) throw Protocol("an empty line");
            char tag = buf[start];
            switch (tag)
            {
                case '|':
                case '~':
                    if (_pending.Path is null || _pending.Kind != SysfsQueryKind.Content) throw Protocol("content outside a file record");
                    AppendContent(buf, start + 1, length - 1, tag == '|');
                    return;
                case '!':
                    if (_pending.Path is null) throw Protocol("an error outside a file record");
                    _pending.Fail(StrerrorText.TryParse(new string(buf, start + 1, length - 1), out var errno) ? errno : Errno.EIO);
                    return;
            }
            FlushPending();
            Record(tag, buf, start, length);
        }

        /// <summary>A record that starts something new (the previous file record is closed).</summary>
        private void Record(char tag, char[] buf, int start, int length)
        {
            switch (tag)
            {
                case 'V':
                    if (length != 2 || buf[start + 1] != '1') throw Protocol("an unknown protocol version");
                    Started = true;
                    break;
                case 'R':
                    RootMissing = true;
                    break;
                case 'D':
                    _dir = new string(buf, start + 1, length - 1);
                    if (_group.Collecting) _group.AddDirectory(_dir);
                    break;
                case 'T':
                    Tools = new string(buf, start + 1, length - 1);
                    break;
                case 'P':
                    _group.Begin(new string(buf, start + 1, length - 1));
                    break;
                case 'F':
                    if (!_group.Collecting) throw Protocol("a file section without its P record");
                    _group.StartFiles();
                    BeginNul(links: false);
                    break;
                case 'K':
                    BeginNul(links: true);
                    break;
                case 'E':
                    _entries.Add(new SysfsEntry(Combine(_dir, _names.Get(buf, start + 1, length - 1)), SysfsQueryKind.Exists, null, Errno.None));
                    break;
                case 'C':
                    Begin(Combine(_dir, _names.Get(buf, start + 1, length - 1)), SysfsQueryKind.Content);
                    break;
                case 'X':
                    Begin(new string(buf, start + 1, length - 1), SysfsQueryKind.Link);
                    break;
                case 'L':
                    _linkPathsLeft = _linkTargetsLeft = LinkCount(buf, start + 1, length - 1);
                    break;
                case 'Z':
                    Completed = true;
                    break;
                default:
                    throw Protocol("an unknown record tag");
            }
        }

        private int LinkCount(char[] buf, int start, int length)
        {
            int n = 0;
            for (int i = start; i < start + length; i++)
            {
                char c = buf[i];
                if (c < '0' || c > '9' || n > 100000000) throw Protocol("a bad link count");
                n = n * 10 + (c - '0');
            }
            if (n <= 0) throw Protocol("a bad link count");
            return n;
        }

        /// <summary>Ends the stream: closes the last record. Check <see cref="Completed"/> after to know whether the output was whole.</summary>
        public void Finish()
        {
            if (_mode != Mode.Lines) Completed = false;
            FlushPending();
        }

        private void BeginNul(bool links)
        {
            _mode = Mode.Nul;
            _nulLinks = links;
            _inContent = false;
            _token?.Clear();
            _tokenBroken = false;
        }

        /// <summary>
        /// One line of a NUL-framed section: tokens end at NUL, and a line break inside a token is part of it (the
        /// reader split the stream there). Paths and link targets collect in <see cref="_token"/>; file content goes
        /// straight to the pending record, so a one-line attribute is never copied twice.
        /// </summary>
        private void FeedNul(char[] buf, int start, int length)
        {
            int i = start, end = start + length;
            while (true)
            {
                int nul = Array.IndexOf(buf, '\0', i, end - i);
                // A link pair ends its line (the script's find prints "path NUL target NUL newline"), so the K section
                // comes as one short line per link, within the reader's line bound, not as one line for the whole host.
                if (i == end && _nulLinks && !_inContent && (_token is null || _token.Length == 0)) return;
                if (!_inContent || _nulLinks)
                {
                    bool empty = _token is null || _token.Length == 0;
                    if (nul < 0)
                    {
                        (_token ??= new StringBuilder()).Append(buf, i, end - i).Append('\n');
                        _tokenBroken = true;
                        return;
                    }
                    if (!_inContent && empty && nul == i && !_tokenBroken)
                    {
                        // An empty path: the section's end.
                        if (nul + 1 != end) throw Protocol("text after the end of a NUL-framed section");
                        EndNul();
                        return;
                    }
                    string text = empty ? new string(buf, i, nul - i) : _token!.Append(buf, i, nul - i).ToString();
                    bool broken = _tokenBroken;
                    _token?.Clear();
                    _tokenBroken = false;
                    if (!_inContent)
                    {
                        if (_nulLinks) _pending.Path = text;
                        else
                        {
                            if (!_group.Expect(text)) throw Protocol("a file the script did not ask for");
                            Begin(text, SysfsQueryKind.Content);
                        }
                        _inContent = true;
                    }
                    else
                    {
                        // A link target with a line break: as the builtin read says, it cannot be reported.
                        _entries.Add(broken
                            ? new SysfsEntry(_pending.Path!, SysfsQueryKind.Link, null, Errno.EIO)
                            : new SysfsEntry(_pending.Path!, SysfsQueryKind.Link, _values.Get(buf, i, nul - i), Errno.None));
                        _pending.Path = null;
                        _inContent = false;
                    }
                    i = nul + 1;
                    continue;
                }
                if (nul < 0)
                {
                    AppendContent(buf, i, end - i, newline: true);
                    return;
                }
                if (nul > i) AppendContent(buf, i, nul - i, newline: false);
                FlushPending();
                _inContent = false;
                i = nul + 1;
                if (i == end)
                {
                    // The line ended right after a NUL: the next path began with a line break, which the script never sends.
                    _tokenBroken = true;
                    (_token ??= new StringBuilder()).Append('\n');
                    return;
                }
            }
        }

        private void EndNul()
        {
            if (_nulLinks)
            {
                _mode = Mode.Lines;
                return;
            }
            _group.EndFiles();
            _mode = Mode.ToolMessages;
        }

        /// <summary>"grep: &lt;path&gt;: &lt;strerror&gt;": the gaps before that path were empty files.</summary>
        private void ToolMessage(string line)
        {
            int first = line.IndexOf(": ", StringComparison.Ordinal);
            int last = line.LastIndexOf(": ", StringComparison.Ordinal);
            if (first < 0 || last <= first) throw Protocol("a message from grep that names no file");
            string path = line.Substring(first + 2, last - first - 2);
            string text = line.Substring(last + 2);
            if (string.CompareOrdinal(line, 0, "dangling: ", 0, 10) == 0)
            {
                // A file asked for that is a symlink to nothing: no content, errno ENOENT (its grep message came first).
                _entries.Add(new SysfsEntry(path, SysfsQueryKind.Content, null, Errno.ENOENT));
                return;
            }
            _group.MessageFor(path, _entries);
            if (text == "No such file or directory") return;
            // A file that failed after part of it was printed: its record is replaced (the last entry for a path wins).
            _entries.Add(new SysfsEntry(path, SysfsQueryKind.Content, null, StrerrorText.TryParse(text, out var errno) ? errno : Errno.EIO));
        }

        private void EndGroup()
        {
            _group.End(_entries);
            _mode = Mode.Lines;
        }

        private void Begin(string path, SysfsQueryKind kind) => _pending.Begin(path, kind);

        private void AppendContent(char[] buf, int start, int length, bool newline) => _pending.Append(buf, start, length, newline);

        private void FlushPending() => _pending.Flush(_entries);

        private static string Combine(string dir, string name) =>
            name.Length == 0 ? dir : dir.Length == 0 || dir == "." ? name : string.Concat(dir, "/", name);

        private FormatException Protocol(string what) =>
            new FormatException($"The remote read script's output has {what} at line {_lineNo}; the remote shell did not run the script as written (is /bin/sh a POSIX shell?).");
    }
}
