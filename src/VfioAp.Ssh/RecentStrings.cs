namespace VfioAp.Ssh
{
    /// <summary>
    /// The last few distinct short strings seen, found again without allocating: a read of a large host repeats a
    /// handful of attribute names, flag values and driver link targets tens of thousands of times.
    /// </summary>
    internal sealed class RecentStrings
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
}
