using System;
using System.Collections.Generic;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// A file on the host (mdevctl's definition, a udev rule) replaced atomically: the text goes to a temporary file
    /// beside it, which is then renamed over it, so a reader (mdevctl or udev at boot) sees the old file or the new one,
    /// never a torn one. Its parent directory is created when missing. Undone by putting the previous text back, or by
    /// removing a file that did not exist before.
    /// </summary>
    public sealed class FileWriteStep : PlanStep
    {
        private readonly string _what;

        /// <param name="path">The file's absolute path on the host.</param>
        /// <param name="content">Its new text, whole.</param>
        /// <param name="previous">Its text when the plan was made; null when it did not exist.</param>
        /// <param name="what">What the file is, in words ("mdevctl definition of 6217…").</param>
        public FileWriteStep(string path, string content, string? previous, string what)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains("/../") || path.EndsWith("/", StringComparison.Ordinal))
                throw new ArgumentException($"A file step names one absolute file path without '..': '{path}'.", nameof(path));
            Path = path;
            Content = content ?? throw new ArgumentNullException(nameof(content));
            Previous = previous;
            _what = what;
        }

        public string Path { get; }
        public string Content { get; }
        /// <summary>The text it had when the plan was made; null when it did not exist.</summary>
        public string? Previous { get; }

        public override string Target => Path;
        public override string? Value => Content;
        public override string Description => (Previous is null ? "create " : "replace ") + _what + " " + Path;
        public override bool HasExpected => true;
        public override string? Expected => Previous;

        public override IReadOnlyList<PlanStep> Undo => new PlanStep[]
        {
            Previous is null
                ? new FileRemoveStep(Path, Content, "undo: " + _what)
                : new FileWriteStep(Path, Previous, Content, "undo: " + _what),
        };

        public override string ShellForm(string sysfsRoot) =>
            $"write {Path} atomically ({Content.Length} bytes{(Previous is null ? ", new file" : "")})";
    }
}
