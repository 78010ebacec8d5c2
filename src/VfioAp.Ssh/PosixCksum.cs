using System.Text;

namespace VfioAp.Ssh
{
    /// <summary>
    /// POSIX <c>cksum</c> (the CRC-32 with polynomial 0x04C11DB7, MSB first, over the bytes and then the length), as
    /// <c>cksum &lt; file</c> prints it: <c>"&lt;crc&gt; &lt;size&gt;"</c>. A plan's preconditions go to the remote shell as
    /// these short sums instead of whole file contents, and the shell compares them with the files under the lock.
    /// </summary>
    public static class PosixCksum
    {
        private static readonly uint[] Table = BuildTable();

        private static uint[] BuildTable()
        {
            var t = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i << 24;
                for (int k = 0; k < 8; k++) c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
                t[i] = c;
            }
            return t;
        }

        public static string Of(string content)
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            uint crc = 0;
            foreach (var b in bytes) crc = (crc << 8) ^ Table[(crc >> 24) ^ b];
            for (long n = bytes.LongLength; n != 0; n >>= 8) crc = (crc << 8) ^ Table[(crc >> 24) ^ (byte)(n & 0xff)];
            return (~crc).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + bytes.LongLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
