using System;
using System.Collections.Generic;

namespace VfioAp.Core.Rules
{
    /// <summary>A file on the host removed (a second spelling of an mdevctl definition, a udev rule no longer wanted); undone by writing its text back.</summary>
    public sealed class FileRemoveStep : PlanStep
    {
        private readonly string _what;

        /// <param name="path">The file's absolute path on the host.</param>
        /// <param name="previous">Its text when the plan was made (what the undo writes back).</param>
        /// <param name="what">What the file is, in words.</param>
        public FileRemoveStep(string path, string previous, string what)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains("/../") || path.EndsWith("/", StringComparison.Ordinal))
                throw new ArgumentException($"A file step names one absolute file path without '..': '{path}'.", nameof(path));
            Path = path;
            Previous = previous ?? throw new ArgumentNullException(nameof(previous));
            _what = what;
        }

        public string Path { get; }
        public string Previous { get; }

        public override string Target => Path;
        public override string? Value => null;
        public override string Description => "remove " + _what + " " + Path;
        public override bool HasExpected => true;
        public override string? Expected => Previous;
        public override IReadOnlyList<PlanStep> Undo => new PlanStep[] { new FileWriteStep(Path, Previous, null, "undo: " + _what) };
        public override string ShellForm(string sysfsRoot) => $"rm {Path}";
    }
}
