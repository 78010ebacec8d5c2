using System;
using System.Collections.Generic;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// A file on the host (mdevctl's definition, a udev rule) replaced atomically: the text goes to a temporary file
    /// beside it, which is then renamed over it, so a reader (mdevctl or udev at boot) sees the old file or the new one,
    /// never a torn one. Its parent directory is created when missing. Undone by putting the previous text back, or by
    /// removing a file that did not exist before.
    /// <para>
    /// The path is either absolute, on the machine where the transport carries out file steps (this machine for a
    /// local tree or a simulated host, as <c>-MdevctlRoot</c> names a directory here; the remote host over SSH), or —
    /// with <c>underHostRoot</c> — relative to the host's own <c>/</c>, resolved by each transport as it resolves a
    /// host-root read (<c>SysfsQuery.Host</c>): under a <c>-HostRoot</c> tree, on the remote host, or in a simulated
    /// host's own files. A step under the host root is read back by a host-root read of the same path.
    /// </para>
    /// </summary>
    public sealed class FileWriteStep : PlanStep
    {
        private readonly string _what;

        /// <param name="path">The file's absolute path (or, with <paramref name="underHostRoot"/>, its path relative to the host's <c>/</c>).</param>
        /// <param name="content">Its new text, whole.</param>
        /// <param name="previous">Its text when the plan was made; null when it did not exist.</param>
        /// <param name="what">What the file is, in words ("mdevctl definition of 6217…").</param>
        /// <param name="underHostRoot">The path is relative to the host's <c>/</c> (the host's own file: a udev rule).</param>
        public FileWriteStep(string path, string content, string? previous, string what, bool underHostRoot = false)
        {
            FileStepPath.Check(path, underHostRoot);
            UnderHostRoot = underHostRoot;
            Path = path;
            Content = content ?? throw new ArgumentNullException(nameof(content));
            Previous = previous;
            _what = what;
        }

        public string Path { get; }
        public string Content { get; }
        /// <summary>The text it had when the plan was made; null when it did not exist.</summary>
        public string? Previous { get; }

        /// <summary>What the file is, in words.</summary>
        public string What => _what;
        public override bool UnderHostRoot { get; }
        public override string Target => Path;
        public override string? Value => Content;
        public override string Description => (Previous is null ? "create " : "replace ") + _what + " " + FileStepPath.Show(Path, UnderHostRoot);
        public override bool HasExpected => true;
        public override string? Expected => Previous;

        public override IReadOnlyList<PlanStep> Undo => new PlanStep[]
        {
            Previous is null
                ? new FileRemoveStep(Path, Content, "undo: " + _what, UnderHostRoot)
                : new FileWriteStep(Path, Previous, Content, "undo: " + _what, UnderHostRoot),
        };

        public override string ShellForm(string sysfsRoot) =>
            $"write {FileStepPath.Show(Path, UnderHostRoot)} atomically ({Content.Length} bytes{(Previous is null ? ", new file" : "")})";
    }
}
