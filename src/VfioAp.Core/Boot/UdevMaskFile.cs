using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// A rules file read as libap's <c>ap_read_udev_masks</c> reads <c>41-ap.rules</c> (with s390-tools'
    /// <c>util_udev_read_file</c>): lines split at newlines; blank lines and lines whose first non-blank is <c>#</c> are
    /// comments; every other line is split at unquoted commas into <c>key op value</c> entries, and a line with an entry
    /// that does not parse is dropped whole (util_udev prints it and goes on). Of each line only the first entry counts:
    /// when its key starts with <c>ATTR{</c> and contains <c>apmask</c> (else <c>aqmask</c>) its value is the mask, the
    /// last such line winning, whatever the operator and whatever else the line holds. Other rules are ignored.
    /// </summary>
    public sealed class UdevMaskFile
    {
        private UdevMaskFile(string file, IReadOnlyList<UdevMaskAssignment> assignments, IReadOnlyList<string> warnings)
        {
            File = file;
            Assignments = assignments;
            Warnings = warnings;
        }

        /// <summary>The path the file was read from, for messages.</summary>
        public string File { get; }
        /// <summary>Every mask line libap reads, in file order.</summary>
        public IReadOnlyList<UdevMaskAssignment> Assignments { get; }
        /// <summary>What libap would skip or choke on, each naming the file and line.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The line libap takes for the mask (the last one), or null when the file does not set it.</summary>
        public UdevMaskAssignment? Last(BusMaskKind kind) => Assignments.LastOrDefault(a => a.Kind == kind);

        /// <summary>The persisted mask as libap reads it, or null when the file has no usable line for it (libap then falls back to the live mask).</summary>
        public ApMask? MaskOf(BusMaskKind kind) => Last(kind)?.Mask;

        public static UdevMaskFile Read(string text, string file)
        {
            var assignments = new List<UdevMaskAssignment>();
            var warnings = new List<string>();
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                int n = i + 1;
                var trimmed = line.TrimStart(UdevEntry.Space);
                if (trimmed.Length == 0 || trimmed[0] == '#') continue;
                var entries = UdevEntry.ParseLine(line);
                if (entries is null)
                {
                    warnings.Add($"{file}, line {n}: not a udev rule udev tools can read ('{line.Trim()}'); libap skips the line.");
                    continue;
                }
                var first = entries[0];
                if (!first.Key.StartsWith("ATTR{", StringComparison.Ordinal)) continue;
                BusMaskKind kind;
                if (first.Key.IndexOf("apmask", StringComparison.Ordinal) >= 0) kind = BusMaskKind.ApMask;
                else if (first.Key.IndexOf("aqmask", StringComparison.Ordinal) >= 0) kind = BusMaskKind.AqMask;
                else continue;
                var mask = LibapMask(first.Value);
                if (mask is null)
                    warnings.Add($"{file}, line {n}: {first.Key} is '{first.Value}', not 0x and 64 hex digits; ap-check cannot read it (libap stops on it).");
                else if (first.Op != "=" && first.Op != ":=")
                    warnings.Add($"{file}, line {n}: {first.Key}{first.Op} is a match, not an assignment; libap (ap-check, lszdev) reads it as the persistent mask, but udev writes nothing.");
                assignments.Add(new UdevMaskAssignment(n, kind, first.Key, first.Op, first.Value, mask));
            }
            return new UdevMaskFile(file, assignments, warnings);
        }

        /// <summary>
        /// libap tests each bit on the value's hex digits after an optional <c>0x</c> and gives up on a value shorter than
        /// 64 digits or on a character that is not one; what follows the 64th digit is cut off when the value is copied.
        /// </summary>
        internal static ApMask? LibapMask(string value)
        {
            int start = value.StartsWith("0x", StringComparison.Ordinal) ? 2 : 0;
            if (value.Length - start < 64) return null;
            var digits = value.Substring(start, 64);
            if (!digits.All(KernelNumber.IsHex)) return null;
            var words = new ulong[4];
            for (int w = 0; w < 4; w++)
                words[w] = ulong.Parse(digits.Substring(w * 16, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return new ApMask(words[0], words[1], words[2], words[3]);
        }
    }
}
