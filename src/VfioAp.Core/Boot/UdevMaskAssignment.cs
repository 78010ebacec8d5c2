using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// One line of a rules file whose first key is an <c>ATTR{…apmask}</c> or <c>ATTR{…aqmask}</c>: what libap's
    /// <c>ap_read_udev_masks</c> takes as a persistent mask (the last such line of each mask wins).
    /// </summary>
    public sealed class UdevMaskAssignment
    {
        public UdevMaskAssignment(int line, BusMaskKind kind, string key, string op, string value, ApMask? mask)
        {
            Line = line;
            Kind = kind;
            Key = key;
            Op = op;
            Value = value;
            Mask = mask;
        }

        /// <summary>1-based line number in the file.</summary>
        public int Line { get; }
        public BusMaskKind Kind { get; }
        /// <summary>The key as written, e.g. <c>ATTR{../../bus/ap/apmask}</c>.</summary>
        public string Key { get; }
        /// <summary>The operator: <c>=</c> or <c>:=</c> assign; libap reads <c>==</c>, <c>!=</c> and <c>+=</c> lines too.</summary>
        public string Op { get; }
        /// <summary>The value without its quotes.</summary>
        public string Value { get; }
        /// <summary>The mask libap reads from the value (0x and 64 hex digits), or null when libap could not use it.</summary>
        public ApMask? Mask { get; }
        /// <summary>True when udev writes the value into sysfs (an assignment), false for a match key libap still reads.</summary>
        public bool Assigns => Op == "=" || Op == ":=";
    }
}
