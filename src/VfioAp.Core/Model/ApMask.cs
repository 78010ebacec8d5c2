using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// A 256-bit AP mask (APM, AQM or ADM) in the architecture's bit order: bit n is the n-th bit from the left,
    /// so bit 0 is the most significant bit of the first word — exactly the order of the kernel's <c>0x…</c> text.
    /// A value type of four words: set algebra allocates nothing, which keeps the filter core in microseconds.
    /// </summary>
    public readonly struct ApMask : IEquatable<ApMask>, IEnumerable<int>
    {
        public const int Bits = 256;
        private readonly ulong _w0, _w1, _w2, _w3;

        public ApMask(ulong w0, ulong w1, ulong w2, ulong w3) { _w0 = w0; _w1 = w1; _w2 = w2; _w3 = w3; }

        public static ApMask Empty => default;
        public static ApMask Full => new ApMask(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

        public ulong Word(int index) => index switch { 0 => _w0, 1 => _w1, 2 => _w2, 3 => _w3, _ => throw new ArgumentOutOfRangeException(nameof(index)) };

        private static ulong Bit(int n) => 1UL << (63 - (n & 63));

        private static void CheckBit(int n)
        {
            if ((uint)n >= Bits) throw new ArgumentOutOfRangeException(nameof(n), n, "AP mask bits are 0 to 255.");
        }

        public bool this[int n]
        {
            get { CheckBit(n); return (Word(n >> 6) & Bit(n)) != 0; }
        }

        public bool Contains(int n) => (uint)n < Bits && this[n];

        public ApMask With(int n)
        {
            CheckBit(n);
            ulong b = Bit(n);
            return (n >> 6) switch
            {
                0 => new ApMask(_w0 | b, _w1, _w2, _w3),
                1 => new ApMask(_w0, _w1 | b, _w2, _w3),
                2 => new ApMask(_w0, _w1, _w2 | b, _w3),
                _ => new ApMask(_w0, _w1, _w2, _w3 | b),
            };
        }

        public ApMask Without(int n)
        {
            CheckBit(n);
            ulong b = ~Bit(n);
            return (n >> 6) switch
            {
                0 => new ApMask(_w0 & b, _w1, _w2, _w3),
                1 => new ApMask(_w0, _w1 & b, _w2, _w3),
                2 => new ApMask(_w0, _w1, _w2 & b, _w3),
                _ => new ApMask(_w0, _w1, _w2, _w3 & b),
            };
        }

        public static ApMask Of(IEnumerable<int> bits)
        {
            var m = Empty;
            foreach (var b in bits) m = m.With(b);
            return m;
        }

        public static ApMask Of(params int[] bits) => Of((IEnumerable<int>)bits);

        /// <summary>Bits 0..max inclusive: what a host with <c>ap_max_adapter_id = max</c> can address.</summary>
        public static ApMask Range(int first, int last)
        {
            var m = Empty;
            for (int i = first; i <= last; i++) m = m.With(i);
            return m;
        }

        public static ApMask operator &(ApMask a, ApMask b) => new ApMask(a._w0 & b._w0, a._w1 & b._w1, a._w2 & b._w2, a._w3 & b._w3);
        public static ApMask operator |(ApMask a, ApMask b) => new ApMask(a._w0 | b._w0, a._w1 | b._w1, a._w2 | b._w2, a._w3 | b._w3);
        public static ApMask operator ~(ApMask a) => new ApMask(~a._w0, ~a._w1, ~a._w2, ~a._w3);
        public ApMask Except(ApMask other) => this & ~other;
        public static bool operator ==(ApMask a, ApMask b) => a.Equals(b);
        public static bool operator !=(ApMask a, ApMask b) => !a.Equals(b);

        public bool IsEmpty => (_w0 | _w1 | _w2 | _w3) == 0;
        public bool Overlaps(ApMask other) => !(this & other).IsEmpty;
        public bool IsSubsetOf(ApMask other) => Except(other).IsEmpty;

        public int Count => PopCount(_w0) + PopCount(_w1) + PopCount(_w2) + PopCount(_w3);

        private static int PopCount(ulong x)
        {
            // netstandard2.0 has no BitOperations.PopCount.
            x -= (x >> 1) & 0x5555555555555555UL;
            x = (x & 0x3333333333333333UL) + ((x >> 2) & 0x3333333333333333UL);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fUL;
            return (int)((x * 0x0101010101010101UL) >> 56);
        }

        /// <summary>The lowest set bit at or after <paramref name="from"/>, or -1.</summary>
        public int NextSetBit(int from)
        {
            for (int w = from < 0 ? 0 : from >> 6; w < 4; w++)
            {
                ulong word = Word(w);
                if (w == from >> 6 && from > 0) word &= ulong.MaxValue >> (from & 63);
                if (word == 0) continue;
                int lead = LeadingZeros(word);
                return (w << 6) + lead;
            }
            return -1;
        }

        private static int LeadingZeros(ulong x)
        {
            int n = 0;
            if ((x & 0xFFFFFFFF00000000UL) == 0) { n += 32; x <<= 32; }
            if ((x & 0xFFFF000000000000UL) == 0) { n += 16; x <<= 16; }
            if ((x & 0xFF00000000000000UL) == 0) { n += 8; x <<= 8; }
            if ((x & 0xF000000000000000UL) == 0) { n += 4; x <<= 4; }
            if ((x & 0xC000000000000000UL) == 0) { n += 2; x <<= 2; }
            if ((x & 0x8000000000000000UL) == 0) { n += 1; }
            return n;
        }

        /// <summary>Set bits in ascending order, without allocating.</summary>
        public Enumerator GetEnumerator() => new Enumerator(this);
        IEnumerator<int> IEnumerable<int>.GetEnumerator() => GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public struct Enumerator : IEnumerator<int>
        {
            private readonly ApMask _mask;
            private int _current;
            internal Enumerator(ApMask mask) { _mask = mask; _current = -2; }
            public int Current => _current;
            object IEnumerator.Current => _current;
            public bool MoveNext()
            {
                if (_current == -1) return false;
                _current = _mask.NextSetBit(_current == -2 ? 0 : _current + 1);
                return _current >= 0;
            }
            public void Reset() => _current = -2;
            public void Dispose() { }
        }

        /// <summary>The kernel's text: <c>0x</c> and 64 lowercase hex digits (apmask, aqmask and ap_*_mask all print this way).</summary>
        public string ToKernelString()
        {
            var sb = new StringBuilder(66);
            sb.Append("0x");
            sb.Append(_w0.ToString("x16", CultureInfo.InvariantCulture));
            sb.Append(_w1.ToString("x16", CultureInfo.InvariantCulture));
            sb.Append(_w2.ToString("x16", CultureInfo.InvariantCulture));
            sb.Append(_w3.ToString("x16", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Ranges of set bits in the kernel's id syntax, for people: <c>0x04-0x05,0x22</c>.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder();
            int n = NextSetBit(0);
            while (n >= 0)
            {
                int end = n;
                while (end + 1 < Bits && Contains(end + 1)) end++;
                if (sb.Length > 0) sb.Append(',');
                sb.Append("0x").Append(n.ToString("x2", CultureInfo.InvariantCulture));
                if (end > n) sb.Append("-0x").Append(end.ToString("x2", CultureInfo.InvariantCulture));
                n = end + 1 < Bits ? NextSetBit(end + 1) : -1;
            }
            return sb.Length == 0 ? "(none)" : sb.ToString();
        }

        /// <summary>
        /// Parses what the kernel accepts in apmask/aqmask (<c>ap_parse_mask_str</c>): an absolute mask
        /// (optional <c>0x</c>, up to 64 hex digits filling from bit 0), or a relative list (<c>+N</c>, <c>-N</c>, <c>+N-M</c>, …)
        /// applied to <paramref name="current"/>.
        /// </summary>
        public static bool TryParseKernel(string text, ApMask current, out ApMask result, out string? problem)
        {
            if (text.Length > 0 && (text[0] == '+' || text[0] == '-'))
                return TryModify(text, current, out result, out problem);
            return TryParseAbsolute(text, out result, out problem);
        }

        public static ApMask ParseKernel(string text, ApMask current)
        {
            if (!TryParseKernel(text, current, out var m, out var problem)) throw new FormatException(problem);
            return m;
        }

        /// <summary>The kernel's <c>hex2bitmap</c>.</summary>
        public static bool TryParseAbsolute(string text, out ApMask result, out string? problem)
        {
            result = Empty;
            problem = null;
            int i = 0;
            if (text.Length >= 2 && text[0] == '0' && text[1] == 'x') i = 1;
            if (i < text.Length && text[i] == 'x') i++;
            var m = Empty;
            int bit = 0;
            for (; i < text.Length && KernelNumber.IsHex(text[i]) && bit < Bits; i++)
            {
                int b = KernelNumber.Digit(text[i]);
                for (int n = 0; n < 4; n++)
                    if ((b & (0x08 >> n)) != 0) m = m.With(bit + n);
                bit += 4;
            }
            if (i < text.Length && text[i] == '\n') i++;
            if (i < text.Length)
            {
                problem = bit >= Bits && KernelNumber.IsHex(text[i])
                    ? $"'{Show(text)}' has more than 64 hex digits."
                    : $"'{Show(text)}' is not a mask: '{Show(text[i].ToString())}' at position {i} is not a hex digit.";
                return false;
            }
            result = m;
            return true;
        }

        /// <summary>The kernel's <c>modify_bitmap</c>: comma-separated <c>+N</c>, <c>-N</c>, <c>+N-M</c>, <c>-N-M</c>, left to right.</summary>
        public static bool TryModify(string text, ApMask current, out ApMask result, out string? problem)
        {
            result = current;
            problem = null;
            var m = current;
            int i = 0;
            while (i < text.Length)
            {
                char sign = text[i++];
                if (sign != '+' && sign != '-')
                {
                    problem = $"'{Show(text)}': expected '+' or '-' at position {i - 1}, found '{Show(sign.ToString())}'.";
                    return false;
                }
                ulong a = KernelNumber.ParsePrefix(text, i, out int np);
                if (np == i || a >= Bits)
                {
                    problem = np == i ? $"'{Show(text)}': expected a number after '{sign}' at position {i}." : $"'{Show(text)}': {a} is above 255.";
                    return false;
                }
                ulong z = a;
                i = np;
                if (i < text.Length && text[i] == '-')
                {
                    i++;
                    z = KernelNumber.ParsePrefix(text, i, out np);
                    if (np == i || a > z || z >= Bits)
                    {
                        problem = np == i ? $"'{Show(text)}': expected a number after '-' at position {i}."
                            : z >= Bits ? $"'{Show(text)}': {z} is above 255." : $"'{Show(text)}': range {a}-{z} runs backwards.";
                        return false;
                    }
                    i = np;
                }
                for (int b = (int)a; b <= (int)z; b++)
                    m = sign == '+' ? m.With(b) : m.Without(b);
                while (i < text.Length && (text[i] == ',' || text[i] == '\n')) i++;
            }
            result = m;
            return true;
        }

        private static string Show(string s) => s.Replace("\n", "\\n");

        public bool Equals(ApMask other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;
        public override bool Equals(object? obj) => obj is ApMask m && Equals(m);
        public override int GetHashCode()
        {
            unchecked
            {
                ulong h = _w0 * 31 + _w1;
                h = h * 31 + _w2;
                h = h * 31 + _w3;
                return (int)(h ^ (h >> 32));
            }
        }
    }
}
