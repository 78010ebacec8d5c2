namespace VfioAp.Core.Model
{
    /// <summary>One attribute write as <c>echo value &gt; path</c> would do it, with a description for -WhatIf and messages.</summary>
    public sealed class SysfsWrite
    {
        public SysfsWrite(string path, string value, string? description = null)
        {
            Path = path;
            Value = value;
            Description = description ?? $"echo {value} > {path}";
        }

        public string Path { get; }
        public string Value { get; }
        /// <summary>What the step does, in words for -WhatIf and error messages.</summary>
        public string Description { get; }
        public override string ToString() => $"echo {Value} > {Path}";
    }
}
