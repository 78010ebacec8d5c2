using System;
using System.Globalization;

namespace VfioAp.Core.Model
{
    /// <summary>An adapter (card) id, APID 0–255. Shown as the kernel names cards: two hex digits (<c>05</c>).</summary>
    public readonly struct ApId : IEquatable<ApId>, IComparable<ApId>, IComparable, IFormattable
    {
        public const int Max = 255;
        public byte Value { get; }
        public ApId(int value)
        {
            if ((uint)value > Max) throw new ArgumentOutOfRangeException(nameof(value), value, $"Adapter id {value} is outside 0-{Max}, the architecture's range.");
            Value = (byte)value;
        }

        /// <summary>Reads an adapter id as the kernel's <c>assign_adapter</c> does (<c>5</c>, <c>0x05</c>, <c>05</c>; <c>035</c> is octal).</summary>
        public static ApId Parse(string text) => new ApId(KernelId.Parse(text, "adapter", Max));
        public static bool TryParse(string text, out ApId id, out string? problem)
        {
            bool ok = KernelId.TryParse(text, "adapter", Max, out int v, out problem);
            id = ok ? new ApId(v) : default;
            return ok;
        }

        public static implicit operator int(ApId id) => id.Value;
        public static explicit operator ApId(int value) => new ApId(value);
        /// <summary>
        /// <c>0x11</c>: hex as the kernel's messages and the module's arguments write ids, so an id never reads as decimal
        /// (<c>Format-List *</c>, the prompt, string interpolation). <see cref="ToKernelName"/> gives sysfs's bare <c>11</c>.
        /// </summary>
        public override string ToString() => "0x" + Value.ToString("x2", CultureInfo.InvariantCulture);
        /// <summary>Formats the number (<c>{id:x2}</c> → <c>11</c>); without a format it is <see cref="ToString()"/>.</summary>
        public string ToString(string? format, IFormatProvider? provider) => string.IsNullOrEmpty(format) ? ToString() : Value.ToString(format, provider ?? CultureInfo.InvariantCulture);
        public string ToString(string? format) => ToString(format, null);
        /// <summary>The kernel's <c>%02x</c> in device names (<c>card11</c>, <c>11.0035</c>).</summary>
        public string ToKernelName() => Value.ToString("x2", CultureInfo.InvariantCulture);
        /// <summary>The form the module writes to sysfs: always <c>0x</c> hex, never zero-padded (the kernel would read <c>035</c> as octal).</summary>
        public string ToKernelArgument() => "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
        public bool Equals(ApId other) => Value == other.Value;
        public override bool Equals(object? obj) => obj is ApId o && Equals(o);
        public override int GetHashCode() => Value;
        public int CompareTo(ApId other) => Value.CompareTo(other.Value);
        public int CompareTo(object? obj) => obj is ApId o ? CompareTo(o) : 1;
        public static bool operator ==(ApId a, ApId b) => a.Value == b.Value;
        public static bool operator !=(ApId a, ApId b) => a.Value != b.Value;
    }

    /// <summary>A usage or control domain id, APQI 0–255. Shown as the kernel does: four hex digits (<c>0035</c>).</summary>
    public readonly struct DomainId : IEquatable<DomainId>, IComparable<DomainId>, IComparable, IFormattable
    {
        public const int Max = 255;
        public byte Value { get; }
        public DomainId(int value)
        {
            if ((uint)value > Max) throw new ArgumentOutOfRangeException(nameof(value), value, $"Domain id {value} is outside 0-{Max}, the architecture's range.");
            Value = (byte)value;
        }

        public static DomainId Parse(string text) => new DomainId(KernelId.Parse(text, "domain", Max));
        public static bool TryParse(string text, out DomainId id, out string? problem)
        {
            bool ok = KernelId.TryParse(text, "domain", Max, out int v, out problem);
            id = ok ? new DomainId(v) : default;
            return ok;
        }

        public static implicit operator int(DomainId id) => id.Value;
        public static explicit operator DomainId(int value) => new DomainId(value);
        /// <summary><c>0x0035</c>; <see cref="ToKernelName"/> gives sysfs's bare <c>0035</c>.</summary>
        public override string ToString() => "0x" + Value.ToString("x4", CultureInfo.InvariantCulture);
        public string ToString(string? format, IFormatProvider? provider) => string.IsNullOrEmpty(format) ? ToString() : Value.ToString(format, provider ?? CultureInfo.InvariantCulture);
        public string ToString(string? format) => ToString(format, null);
        /// <summary>The kernel's <c>%04x</c> in queue device names (<c>11.0035</c>).</summary>
        public string ToKernelName() => Value.ToString("x4", CultureInfo.InvariantCulture);
        public string ToKernelArgument() => "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
        public bool Equals(DomainId other) => Value == other.Value;
        public override bool Equals(object? obj) => obj is DomainId o && Equals(o);
        public override int GetHashCode() => Value;
        public int CompareTo(DomainId other) => Value.CompareTo(other.Value);
        public int CompareTo(object? obj) => obj is DomainId o ? CompareTo(o) : 1;
        public static bool operator ==(DomainId a, DomainId b) => a.Value == b.Value;
        public static bool operator !=(DomainId a, DomainId b) => a.Value != b.Value;
    }

    /// <summary>Shared id parsing with messages that say what was wrong and how the kernel would have read it.</summary>
    internal static class KernelId
    {
        public static int Parse(string text, string what, int max)
        {
            if (!TryParse(text, what, max, out int v, out var problem)) throw new FormatException(problem);
            return v;
        }

        public static bool TryParse(string? text, string what, int max, out int value, out string? problem)
        {
            value = 0;
            problem = null;
            var shown = text is null ? "(null)" : text.Replace("\n", "\\n");
            var article = what.Length > 0 && "aeiou".IndexOf(what[0]) >= 0 ? "an" : "a";
            if (text is null || text.Trim().Length == 0)
            {
                problem = $"An empty string is not {article} {what} id. Use a number such as 5 or 0x05.";
                return false;
            }
            if (!KernelNumber.TryParse(text.Trim(), out ulong v, out var errno))
            {
                problem = errno == Errno.ERANGE
                    ? $"'{shown}' is too large to be a {what} id (0-{max})."
                    : $"'{shown}' is not {article} {what} id: the kernel reads 5 and 53 as decimal, 0x35 as hex and 035 as octal; '{shown}' is none of these.";
                return false;
            }
            if (v > (ulong)max)
            {
                problem = $"{what[0].ToString().ToUpperInvariant()}{what.Substring(1)} id '{shown}' ({v}) is above {max}, the architecture's maximum.";
                return false;
            }
            value = (int)v;
            return true;
        }
    }
}
