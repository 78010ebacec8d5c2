using System;

namespace VfioAp.Core.Model
{
    /// <summary>Where each attribute lives, relative to the sysfs root (about_VfioAp_Kernel: SYSFS LAYOUT). One place, so no path is spelled twice.</summary>
    public static class SysfsLayout
    {
        public const string ApBus = "bus/ap";
        public const string ApMask = "bus/ap/apmask";
        public const string AqMask = "bus/ap/aqmask";
        public const string HostAdapterMask = "bus/ap/ap_adapter_mask";
        public const string HostUsageDomainMask = "bus/ap/ap_usage_domain_mask";
        public const string HostControlDomainMask = "bus/ap/ap_control_domain_mask";
        public const string MaxAdapterId = "bus/ap/ap_max_adapter_id";
        public const string MaxDomainId = "bus/ap/ap_max_domain_id";
        public const string Bindings = "bus/ap/bindings";
        public const string ApDrivers = "bus/ap/drivers";
        public const string VfioApDriver = "vfio_ap";
        public const string DefaultQueueDriver = "cex4queue";
        public const string DefaultCardDriver = "cex4card";

        public const string ApDevices = "devices/ap";
        public const string Matrix = "devices/vfio_ap/matrix";
        public const string MdevType = "vfio_ap-passthrough";
        public const string MdevTypeDir = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough";
        public const string MdevCreate = MdevTypeDir + "/create";
        public const string MdevAvailableInstances = MdevTypeDir + "/available_instances";

        public static string CardName(ApId id) => "card" + id.ToKernelName();
        public static string CardDir(ApId id) => ApDevices + "/" + CardName(id);
        public static string CardAttribute(ApId id, string attribute) => CardDir(id) + "/" + attribute;
        public static string QueueDir(Apqn q) => CardDir(q.Adapter) + "/" + q.ToString();
        public static string QueueAttribute(Apqn q, string attribute) => QueueDir(q) + "/" + attribute;

        public static string MdevDir(Guid uuid) => Matrix + "/" + FormatUuid(uuid);
        public static string MdevAttribute(Guid uuid, string attribute) => MdevDir(uuid) + "/" + attribute;
        public static string DriverAttribute(string driver, string attribute) => ApDrivers + "/" + driver + "/" + attribute;

        /// <summary>Sysfs names mdevs by the lowercase, hyphenated UUID.</summary>
        public static string FormatUuid(Guid uuid) => uuid.ToString("D");

        /// <summary>Parses <c>card05</c>; false for anything else in <c>devices/ap</c>.</summary>
        public static bool TryParseCardName(string name, out ApId id)
        {
            id = default;
            if (name.Length != 6 || !name.StartsWith("card", StringComparison.Ordinal)) return false;
            int hi = KernelNumber.Digit(name[4]), lo = KernelNumber.Digit(name[5]);
            if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return false;
            id = new ApId(hi * 16 + lo);
            return true;
        }

        /// <summary>Parses a queue directory name, <c>05.0035</c>, strictly in the kernel's <c>%02x.%04x</c> form.</summary>
        public static bool TryParseQueueName(string name, out Apqn apqn)
        {
            apqn = default;
            return name.Length == 7 && TryParseQueueName(name, 0, out apqn);
        }

        private static bool TryParseQueueName(string s, int start, out Apqn apqn)
        {
            apqn = default;
            if (s.Length < start + 7 || s[start + 2] != '.') return false;
            int v = 0;
            for (int i = start; i < start + 7; i++)
            {
                if (i == start + 2) continue;
                int d = KernelNumber.Digit(s[i]);
                if (d < 0 || d > 15 || char.IsUpper(s[i])) return false;
                v = v * 16 + d;
            }
            int adapter = v >> 16, domain = v & 0xffff;
            if (domain > DomainId.Max) return false;
            apqn = new Apqn(adapter, domain);
            return true;
        }

        // "devices/ap/cardXX/XX.YYYY": the card name at 11, the queue name at 18, an attribute after 26.
        private const string CardPrefix = ApDevices + "/card";
        private const int QueueNameAt = 18, QueueDirLength = 25;

        /// <summary>
        /// A queue directory path <c>devices/ap/cardXX/XX.YYYY</c> whose two ids agree. Read without allocating: a
        /// large host's batch holds 65,536 of them and five times as many attribute paths.
        /// </summary>
        public static bool TryParseQueueDir(string path, out Apqn apqn) =>
            TryParseQueuePrefix(path, out apqn) && path.Length == QueueDirLength;

        /// <summary>The queue a path <c>devices/ap/cardXX/XX.YYYY/attribute</c> belongs to, and whether the attribute is <paramref name="attribute"/> (null: any).</summary>
        public static bool TryParseQueueAttribute(string path, string? attribute, out Apqn apqn)
        {
            if (!TryParseQueuePrefix(path, out apqn) || path.Length <= QueueDirLength + 1 || path[QueueDirLength] != '/') return false;
            if (attribute is null) return path.IndexOf('/', QueueDirLength + 1) < 0;
            return path.Length == QueueDirLength + 1 + attribute.Length
                && string.CompareOrdinal(path, QueueDirLength + 1, attribute, 0, attribute.Length) == 0;
        }

        private static bool TryParseQueuePrefix(string path, out Apqn apqn)
        {
            apqn = default;
            if (path.Length < QueueDirLength || string.CompareOrdinal(path, 0, CardPrefix, 0, CardPrefix.Length) != 0 || path[QueueNameAt - 1] != '/')
                return false;
            int hi = KernelNumber.Digit(path[CardPrefix.Length]), lo = KernelNumber.Digit(path[CardPrefix.Length + 1]);
            if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return false;
            return TryParseQueueName(path, QueueNameAt, out apqn) && apqn.Adapter == new ApId(hi * 16 + lo);
        }

        /// <summary>The last segment of a path or symlink target (<c>../../bus/ap/drivers/vfio_ap</c> → <c>vfio_ap</c>).</summary>
        public static string LastSegment(string path)
        {
            var p = path.TrimEnd('/', '\n');
            int i = p.LastIndexOf('/');
            return i < 0 ? p : p.Substring(i + 1);
        }
    }
}
