using System;
using System.Collections.Generic;
using System.Globalization;
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
    /// </summary>
    public sealed class ReadManyOutputParser
    {
        private readonly List<SysfsEntry> _entries = new List<SysfsEntry>();
        // Attribute names, flag values, driver link targets: a handful of distinct strings repeated 65,536 times.
        private readonly RecentStrings _names = new RecentStrings();
        private readonly RecentStrings _values = new RecentStrings();
        private string _dir = "";
        private string? _pendingPath;
        private SysfsQueryKind _pendingKind;
        private StringBuilder? _content;
        private string? _singleLine;
        private int _lines;
        private bool _hasError;
        private Errno _error;
        private int _linkPathsLeft;
        private int _linkTargetsLeft;
        private readonly List<string> _linkPaths = new List<string>();
        private int _linkIndex;
        private int _lineNo;

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
                    if (_pendingPath is null || _pendingKind != SysfsQueryKind.Content) throw Protocol("content outside a file record");
                    AppendContent(buf, start + 1, length - 1, tag == '|');
                    return;
                case '!':
                    if (_pendingPath is null) throw Protocol("an error outside a file record");
                    _hasError = true;
                    _error = StrerrorText.TryParse(new string(buf, start + 1, length - 1), out var errno) ? errno : Errno.EIO;
                    return;
            }
            FlushPending();
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
                    int n = 0;
                    for (int i = start + 1; i < start + length; i++)
                    {
                        char c = buf[i];
                        if (c < '0' || c > '9' || n > 100000000) throw Protocol("a bad link count");
                        n = n * 10 + (c - '0');
                    }
                    if (n <= 0) throw Protocol("a bad link count");
                    _linkPathsLeft = n;
                    _linkTargetsLeft = n;
                    break;
                case 'Z':
                    Completed = true;
                    break;
                default:
                    throw Protocol("an unknown record tag");
            }
        }

        /// <summary>Ends the stream: closes the last record. Check <see cref="Completed"/> after to know whether the output was whole.</summary>
        public void Finish() => FlushPending();

        private void Begin(string path, SysfsQueryKind kind)
        {
            _pendingPath = path;
            _pendingKind = kind;
            _lines = 0;
            _singleLine = null;
            _content?.Clear();
            _hasError = false;
            _error = Errno.None;
        }

        private void AppendContent(char[] buf, int start, int length, bool newline)
        {
            // Most sysfs attributes are one line: keep it (shared when it repeats) and build a string only for longer files.
            if (_lines == 0 && newline)
            {
                _singleLine = _values.GetWithNewline(buf, start, length);
                _lines = 1;
                return;
            }
            _content ??= new StringBuilder();
            if (_lines == 1 && _singleLine != null)
            {
                _content.Append(_singleLine);
                _singleLine = null;
            }
            _content.Append(buf, start, length);
            if (newline) _content.Append('\n');
            _lines++;
        }

        private void FlushPending()
        {
            if (_pendingPath is null) return;
            if (_hasError)
                _entries.Add(new SysfsEntry(_pendingPath, _pendingKind, null, _error));
            else if (_pendingKind == SysfsQueryKind.Content)
            {
                string value = _lines == 0 ? "" : _singleLine ?? _content!.ToString();
                _entries.Add(new SysfsEntry(_pendingPath, SysfsQueryKind.Content, value, Errno.None));
            }
            else
                _entries.Add(new SysfsEntry(_pendingPath, _pendingKind, null, Errno.EIO));
            _pendingPath = null;
        }

        private static string Combine(string dir, string name) =>
            name.Length == 0 ? dir : dir.Length == 0 || dir == "." ? name : string.Concat(dir, "/", name);

        /// <summary>The last few distinct short strings seen, found again without allocating.</summary>
        private sealed class RecentStrings
        {
            private const int Size = 16;
            private const int MaxLength = 64;
            private readonly string[] _items = new string[Size];
            private readonly bool[] _withNewline = new bool[Size];
            private int _count;
            private int _next;

            public string Get(char[] buf, int start, int length) => Find(buf, start, length, false);

            /// <summary>The segment followed by '\n'.</summary>
            public string GetWithNewline(char[] buf, int start, int length) => Find(buf, start, length, true);

            private string Find(char[] buf, int start, int length, bool newline)
            {
                if (length > MaxLength) return Make(buf, start, length, newline);
                int want = newline ? length + 1 : length;
                for (int i = 0; i < _count; i++)
                {
                    var s = _items[i];
                    if (s.Length != want || _withNewline[i] != newline) continue;
                    int k = 0;
                    while (k < length && s[k] == buf[start + k]) k++;
                    if (k == length) return s;
                }
                var made = Make(buf, start, length, newline);
                _items[_next] = made;
                _withNewline[_next] = newline;
                _next = (_next + 1) % Size;
                if (_count < Size) _count++;
                return made;
            }

            private static string Make(char[] buf, int start, int length, bool newline) =>
                newline ? new string(buf, start, length) + "\n" : new string(buf, start, length);
        }

        private FormatException Protocol(string what) =>
            new FormatException($"The remote read script's output has {what} at line {_lineNo}; the remote shell did not run the script as written (is /bin/sh a POSIX shell?).");
    }
}
