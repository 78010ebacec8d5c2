using System;
using System.IO;
using System.Text;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Splits a UTF-8 stream into lines at '\n' only (StreamReader.ReadLine also splits at '\r', which would turn a
    /// file's "a\r\n" into "a\n": the remote records must come back byte for byte). Lines are handed out as segments
    /// of an internal buffer, so reading 400,000 records does not allocate 400,000 line strings.
    /// <para>
    /// Bounded: a line longer than its limit, or a stream longer than its limit, stops the read with a
    /// <see cref="RemoteOutputException"/> before it is buffered, so a host that streams bytes without a newline costs
    /// one line's worth of memory, not everything it sends.
    /// </para>
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
        private readonly int _maxLine;
        private readonly long _maxTotal;

        /// <summary>A reader without bounds (a local file the module wrote itself).</summary>
        public LfLineReader(Stream stream) : this(stream, int.MaxValue, long.MaxValue) { }

        /// <param name="stream">The remote command's stdout.</param>
        /// <param name="maxLineChars">The longest line taken (UTF-8 decodes to at most one char per byte, so this bounds bytes too).</param>
        /// <param name="maxTotalBytes">The most bytes read from the stream.</param>
        public LfLineReader(Stream stream, int maxLineChars, long maxTotalBytes)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
            _maxLine = maxLineChars;
            _maxTotal = maxTotalBytes;
        }

        /// <summary>Bytes read from the stream so far (the offset the next unread byte has).</summary>
        public long BytesRead { get; private set; }

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
                    if (nl - _start > _maxLine) throw TooLong();
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
                if (n > 0 && BytesRead + n > _maxTotal)
                    throw new RemoteOutputException($"at most {_maxTotal} bytes of output", "more", _maxTotal);
                if (n > 0) BytesRead += n;
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

        private RemoteOutputException TooLong() =>
            new RemoteOutputException($"a line of at most {_maxLine} characters", "a longer one", BytesRead);

        private void AppendPartial(char[] source, int start, int count)
        {
            if ((long)_partialLength + count > _maxLine) throw TooLong();
            if (_partialLength + count > _partial.Length)
                Array.Resize(ref _partial, Math.Max(_partial.Length * 2, _partialLength + count));
            Array.Copy(source, start, _partial, _partialLength, count);
            _partialLength += count;
        }
    }
}
