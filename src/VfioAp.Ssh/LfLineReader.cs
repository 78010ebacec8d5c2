using System;
using System.IO;
using System.Text;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Splits a UTF-8 stream into lines at '\n' only. StreamReader.ReadLine also splits at '\r', which would turn a
    /// file's "a\r\n" into "a\n": the remote records must come back byte for byte.
    /// </summary>
    public sealed class LfLineReader
    {
        private readonly Stream _stream;
        private readonly Decoder _decoder = new UTF8Encoding(false).GetDecoder();
        private readonly byte[] _bytes = new byte[65536];
        private char[] _chars = new char[65536 + 8];
        private int _start;
        private int _end;
        private bool _eof;
        private readonly StringBuilder _partial = new StringBuilder();

        public LfLineReader(Stream stream) => _stream = stream ?? throw new ArgumentNullException(nameof(stream));

        /// <summary>The next line without its '\n'; a last line without '\n' is returned too; null at the end.</summary>
        public string? ReadLine()
        {
            while (true)
            {
                int nl = Array.IndexOf(_chars, '\n', _start, _end - _start);
                if (nl >= 0)
                {
                    string line;
                    if (_partial.Length > 0)
                    {
                        _partial.Append(_chars, _start, nl - _start);
                        line = _partial.ToString();
                        _partial.Clear();
                    }
                    else line = new string(_chars, _start, nl - _start);
                    _start = nl + 1;
                    return line;
                }
                if (_end > _start) _partial.Append(_chars, _start, _end - _start);
                _start = _end = 0;
                if (_eof)
                {
                    if (_partial.Length == 0) return null;
                    var last = _partial.ToString();
                    _partial.Clear();
                    return last;
                }
                int n = _stream.Read(_bytes, 0, _bytes.Length);
                if (n <= 0)
                {
                    _eof = true;
                    _end = _decoder.GetChars(_bytes, 0, 0, _chars, 0, flush: true);
                    continue;
                }
                int needed = _decoder.GetCharCount(_bytes, 0, n, flush: false);
                if (needed > _chars.Length) _chars = new char[needed];
                _end = _decoder.GetChars(_bytes, 0, n, _chars, 0, flush: false);
            }
        }
    }
}
