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

        /// <summary>Parses a whole output (used by tests and benchmarks; the transport feeds <see cref="Feed"/> as lines arrive).</summary>
        public static ReadManyOutputParser ParseAll(Stream output)
        {
            var reader = new LfLineReader(output);
            var p = new ReadManyOutputParser();
            string? line;
            while ((line = reader.ReadLine()) != null) p.Feed(line);
            p.Finish();
            return p;
        }

        public void Feed(string line)
        {
            _lineNo++;
            if (_linkPathsLeft > 0)
            {
                _linkPaths.Add(line);
                if (--_linkPathsLeft == 0) _linkIndex = 0;
                return;
            }
            if (_linkTargetsLeft > 0)
            {
                _entries.Add(new SysfsEntry(_linkPaths[_linkIndex++], SysfsQueryKind.Link, line, Errno.None));
                if (--_linkTargetsLeft == 0) _linkPaths.Clear();
                return;
            }
            if (line.Length == 0) throw Protocol("an empty line");
            char tag = line[0];
            switch (tag)
            {
                case '|':
                case '~':
                    if (_pendingPath is null || _pendingKind != SysfsQueryKind.Content) throw Protocol("content outside a file record");
                    AppendContent(line, tag == '|');
                    return;
                case '!':
                    if (_pendingPath is null) throw Protocol("an error outside a file record");
                    _hasError = true;
                    _error = StrerrorText.TryParse(line.Substring(1), out var errno) ? errno : Errno.EIO;
                    return;
            }
            FlushPending();
            switch (tag)
            {
                case 'V':
                    if (line != "V1") throw Protocol("an unknown protocol version");
                    Started = true;
                    break;
                case 'R':
                    RootMissing = true;
                    break;
                case 'D':
                    _dir = line.Substring(1);
                    break;
                case 'E':
                    _entries.Add(new SysfsEntry(Combine(_dir, line.Substring(1)), SysfsQueryKind.Exists, null, Errno.None));
                    break;
                case 'C':
                    Begin(Combine(_dir, line.Substring(1)), SysfsQueryKind.Content);
                    break;
                case 'X':
                    Begin(line.Substring(1), SysfsQueryKind.Link);
                    break;
                case 'L':
                    if (!int.TryParse(line.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
                        throw Protocol("a bad link count");
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

        /// <summary>Ends the stream: closes the last record. Call <see cref="Completed"/> after to know whether the output was whole.</summary>
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

        private void AppendContent(string line, bool newline)
        {
            // Most sysfs attributes are one line: keep that line as is and build a string only once.
            if (_lines == 0 && newline)
            {
                _singleLine = line;
                _lines = 1;
                return;
            }
            _content ??= new StringBuilder();
            if (_lines == 1 && _singleLine != null)
            {
                _content.Append(_singleLine, 1, _singleLine.Length - 1).Append('\n');
                _singleLine = null;
            }
            _content.Append(line, 1, line.Length - 1);
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
                string value = _lines == 0 ? "" : _singleLine != null ? Line(_singleLine) : _content!.ToString();
                _entries.Add(new SysfsEntry(_pendingPath, SysfsQueryKind.Content, value, Errno.None));
            }
            else
                _entries.Add(new SysfsEntry(_pendingPath, _pendingKind, null, Errno.EIO));
            _pendingPath = null;
        }

        /// <summary>"|1" → "1\n"; the common flag values are shared instead of allocated 65,536 times.</summary>
        private static string Line(string tagged)
        {
            if (tagged.Length == 2)
            {
                if (tagged[1] == '0') return "0\n";
                if (tagged[1] == '1') return "1\n";
            }
            return tagged.Substring(1) + "\n";
        }

        private static string Combine(string dir, string name) =>
            name.Length == 0 ? dir : dir.Length == 0 || dir == "." ? name : dir + "/" + name;

        private FormatException Protocol(string what) =>
            new FormatException($"The remote read script's output has {what} at line {_lineNo}; the remote shell did not run the script as written (is /bin/sh a POSIX shell?).");
    }
}
