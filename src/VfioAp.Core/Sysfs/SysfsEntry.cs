using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>One matched path: its content or link target, or the errno its read failed with.</summary>
    public sealed class SysfsEntry
    {
        public SysfsEntry(string path, SysfsQueryKind kind, string? value, Errno error, SysfsArea area = SysfsArea.Sysfs)
        {
            Path = path;
            Kind = kind;
            Value = value;
            Error = error;
            Area = area;
        }

        public string Path { get; }
        public SysfsArea Area { get; }
        public SysfsQueryKind Kind { get; }
        /// <summary>Content for <see cref="SysfsQueryKind.Content"/>, target for <see cref="SysfsQueryKind.Link"/>, null for Exists or on error.</summary>
        public string? Value { get; }
        public Errno Error { get; }
        public bool Ok => Error == Errno.None;
        public override string ToString() => Ok ? $"{Path} = {Value}" : $"{Path}: {Error}";
    }
}
