using System;
using System.Globalization;

namespace VfioAp.Core.Model
{
    /// <summary>An AP queue number: adapter and domain, shown as the kernel names queue devices, <c>05.0035</c> (both hex).</summary>
    public readonly struct Apqn : IEquatable<Apqn>, IComparable<Apqn>, IComparable
    {
        public ApId Adapter { get; }
        public DomainId Domain { get; }
        public Apqn(ApId adapter, DomainId domain) { Adapter = adapter; Domain = domain; }
        public Apqn(int adapter, int domain) : this(new ApId(adapter), new DomainId(domain)) { }

        public override string ToString() => Adapter.ToKernelName() + "." + Domain.ToKernelName();

        /// <summary>Parses <c>05.0035</c>: hex on both sides, as in sysfs device names and <c>matrix</c> lines.</summary>
        public static Apqn Parse(string text)
        {
            if (!TryParse(text, out var apqn, out var problem)) throw new FormatException(problem);
            return apqn;
        }

        public static bool TryParse(string? text, out Apqn apqn, out string? problem)
        {
            apqn = default;
            problem = null;
            var s = text?.Trim() ?? "";
            int dot = s.IndexOf('.');
            if (dot <= 0 || dot == s.Length - 1 || s.IndexOf('.', dot + 1) >= 0)
            {
                problem = $"'{text}' is not an APQN: write adapter.domain in hex, e.g. 05.0035.";
                return false;
            }
            var a = s.Substring(0, dot);
            var d = s.Substring(dot + 1);
            if (a.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) a = a.Substring(2);
            if (d.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) d = d.Substring(2);
            if (a.Length == 0 || d.Length == 0 || a.Length > 2 || d.Length > 4
                || !int.TryParse(a, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int av)
                || !int.TryParse(d, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int dv))
            {
                problem = $"'{text}' is not an APQN: write adapter.domain in hex, e.g. 05.0035.";
                return false;
            }
            if (dv > DomainId.Max)
            {
                problem = $"APQN '{text}': domain 0x{dv:x} is above 0xff, the architecture's maximum.";
                return false;
            }
            apqn = new Apqn(av, dv);
            return true;
        }

        /// <summary>The kernel's queue id, <c>AP_MKQID(apid, apqi)</c>, used to order queues as the kernel does.</summary>
        public int QueueId => (Adapter.Value << 8) | Domain.Value;

        public bool Equals(Apqn other) => Adapter == other.Adapter && Domain == other.Domain;
        public override bool Equals(object? obj) => obj is Apqn o && Equals(o);
        public override int GetHashCode() => QueueId;
        public int CompareTo(Apqn other) => QueueId.CompareTo(other.QueueId);
        public int CompareTo(object? obj) => obj is Apqn o ? CompareTo(o) : 1;
        public static bool operator ==(Apqn a, Apqn b) => a.Equals(b);
        public static bool operator !=(Apqn a, Apqn b) => !a.Equals(b);
    }
}
