using System;
using System.IO;
using System.Text;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Splits a UTF-8 stream into lines at '\n' only (StreamReader.ReadLine also splits at '\r', which would turn a
    /// file's "a\r\n" into "a\n": the remote records must come back byte for byte). Lines are handed out as segments
    /// of an internal buffer, so reading 400,000 records does not allocate 400,000 line strings.
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
        private char[] _partial = new char[256];
        private int _partialLength;

        public LfLineReader(Stream stream) => _stream = stream ?? throw new ArgumentNullException(nameof(stream));

        /// <summary>
        /// The next line without its '\n' (a last line without '\n' too) as a segment valid until the next call;
        /// false at the end of the stream.
        /// </summary>
        public bool ReadLine(out char[] buffer, out int start, out int length)
        {
            while (true)
            {
                int nl = Array.IndexOf(_chars, '\n', _start, _end - _start);
                if (nl >= 0)
                {
                    if (_partialLength > 0)
                    {
                        AppendPartial(_chars, _start, nl - _start);
                        buffer = _partial;
                        start = 0;
                        length = _partialLength;
                        _partialLength = 0;
                    }
                    else
                    {
                        buffer = _chars;
                        start = _start;
                        length = nl - _start;
                    }
                    _start = nl + 1;
                    return true;
                }
                if (_end > _start) AppendPartial(_chars, _start, _end - _start);
                _start = _end = 0;
                if (_eof)
                {
                    buffer = _partial;
                    start = 0;
                    length = _partialLength;
                    _partialLength = 0;
                    return length > 0;
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

        /// <summary>The next line as a string, or null at the end.</summary>
        public string? ReadLine() => ReadLine(out var b, out int s, out int l) ? new string(b, s, l) : null;

        private void AppendPartial(char[] source, int start, int count)
        {
            if (_partialLength + count > _partial.Length)
                Array.Resize(ref _partial, Math.Max(_partial.Length * 2, _partialLength + count));
            Array.Copy(source, start, _partial, _partialLength, count);
            _partialLength += count;
        }
    }
}
