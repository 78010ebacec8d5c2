using System;
using System.Collections.Generic;

namespace VfioAp.Core.Rules
{
    /// <summary>A file on the host removed (a second spelling of an mdevctl definition, a udev rule no longer wanted); undone by writing its text back.</summary>
    public sealed class FileRemoveStep : PlanStep
    {
        private readonly string _what;

        /// <param name="path">The file's absolute path (or, with <paramref name="underHostRoot"/>, relative to the host's <c>/</c>; see <see cref="FileWriteStep"/>).</param>
        /// <param name="previous">Its text when the plan was made (what the undo writes back).</param>
        /// <param name="what">What the file is, in words.</param>
        /// <param name="underHostRoot">The path is relative to the host's <c>/</c>.</param>
        public FileRemoveStep(string path, string previous, string what, bool underHostRoot = false)
        {
            FileStepPath.Check(path, underHostRoot);
            UnderHostRoot = underHostRoot;
            Path = path;
            Previous = previous ?? throw new ArgumentNullException(nameof(previous));
            _what = what;
        }

        public string Path { get; }
        public string Previous { get; }

        /// <summary>What the file is, in words.</summary>
        public string What => _what;
        public override bool UnderHostRoot { get; }
        public override string Target => Path;
        public override string? Value => null;
        public override string Description => "remove " + _what + " " + FileStepPath.Show(Path, UnderHostRoot);
        public override bool HasExpected => true;
        public override string? Expected => Previous;
        public override IReadOnlyList<PlanStep> Undo => new PlanStep[] { new FileWriteStep(Path, Previous, null, "undo: " + _what, UnderHostRoot) };
        public override string ShellForm(string sysfsRoot) => $"rm {FileStepPath.Show(Path, UnderHostRoot)}";
    }
}
