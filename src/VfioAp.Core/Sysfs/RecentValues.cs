using System.Text;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// Short values a batch reads over and over (<c>1\n</c>, <c>0\n</c>, <c>assigned\n</c>, the driver link
    /// <c>../../../../bus/ap/drivers/vfio_ap</c>) decoded once and shared: a 65,536-queue host reads each of them tens of
    /// thousands of times, and one string each keeps both the batch's garbage and the objects' memory down. A
    /// direct-mapped table per reading thread, so no lock; equal bytes always give an equal string, so sharing is safe.
    /// </summary>
    internal sealed class RecentValues
    {
        private const int Slots = 64, MaxLength = 48;
        private readonly byte[][] _bytes = new byte[Slots][];
        private readonly string[] _strings = new string[Slots];

        public string Get(byte[] buffer, int length)
        {
            if (length == 0) return string.Empty;
            if (length > MaxLength) return Encoding.UTF8.GetString(buffer, 0, length);
            uint hash = 2166136261;
            for (int i = 0; i < length; i++) hash = (hash ^ buffer[i]) * 16777619;
            int slot = (int)(hash % Slots);
            var known = _bytes[slot];
            if (known != null && Same(known, buffer, length)) return _strings[slot];
            var bytes = new byte[length];
            System.Buffer.BlockCopy(buffer, 0, bytes, 0, length);
            var text = Encoding.UTF8.GetString(buffer, 0, length);
            _bytes[slot] = bytes;
            _strings[slot] = text;
            return text;
        }

        private static bool Same(byte[] known, byte[] buffer, int length)
        {
            if (known.Length != length) return false;
            for (int i = 0; i < length; i++)
                if (known[i] != buffer[i]) return false;
            return true;
        }
    }
}
