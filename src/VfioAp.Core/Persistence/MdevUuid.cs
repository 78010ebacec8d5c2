using System;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// UUIDs as mdevctl reads them (the Rust <c>uuid</c> crate's <c>parse_str</c>): hyphenated, 32 plain hex digits,
    /// braced, or <c>urn:uuid:</c>; always written back hyphenated and lowercase, as mdevctl names its files and
    /// sysfs names mdevs.
    /// </summary>
    public static class MdevUuid
    {
        public static bool TryParse(string? text, out Guid uuid)
        {
            uuid = Guid.Empty;
            if (text is null) return false;
            var t = text;
            if (t.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase)) t = t.Substring(9);
            return Guid.TryParseExact(t, "D", out uuid) || Guid.TryParseExact(t, "N", out uuid) || Guid.TryParseExact(t, "B", out uuid);
        }

        public static string Format(Guid uuid) => uuid.ToString("D");

        /// <summary>Why <paramref name="text"/> is not a UUID, for error messages.</summary>
        public static string Describe(string? text) =>
            $"'{text}' is not a UUID: expected 32 hex digits as 8-4-4-4-12, e.g. 62177883-f1bb-47f0-914d-32a22e3a8804.";
    }
}
