using System.Collections.Generic;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The file or link record the read script's output is in the middle of: its path, the content lines seen so far
    /// or the error its read gave. It becomes an entry when the next record starts or the output ends; a link record
    /// still open then (its target never came) is an I/O error.
    /// </summary>
    internal sealed class PendingRecord
    {
        private readonly RecentStrings _values;
        private StringBuilder? _content;
        private string? _singleLine;
        private int _lines;
        private bool _hasError;
        private Errno _error;

        public PendingRecord(RecentStrings values) { _values = values; }

        /// <summary>The record's path; null when no record is open.</summary>
        public string? Path { get; set; }
        public SysfsQueryKind Kind { get; private set; }

        public void Begin(string path, SysfsQueryKind kind)
        {
            Path = path;
            Kind = kind;
            _lines = 0;
            _singleLine = null;
            _content?.Clear();
            _hasError = false;
            _error = Errno.None;
        }

        public void Fail(Errno error)
        {
            _hasError = true;
            _error = error;
        }

        public void Append(char[] buf, int start, int length, bool newline)
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

        /// <summary>Closes the open record, if any, as an entry.</summary>
        public void Flush(List<SysfsEntry> entries)
        {
            if (Path is null) return;
            if (_hasError)
                entries.Add(new SysfsEntry(Path, Kind, null, _error));
            else if (Kind == SysfsQueryKind.Content)
            {
                string value = _lines == 0 ? "" : _singleLine ?? _content!.ToString();
                entries.Add(new SysfsEntry(Path, SysfsQueryKind.Content, value, Errno.None));
            }
            else
                entries.Add(new SysfsEntry(Path, Kind, null, Errno.EIO));
            Path = null;
        }
    }
}
