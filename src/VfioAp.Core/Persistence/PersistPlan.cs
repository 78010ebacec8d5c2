using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace VfioAp.Core.Persistence
{
    public enum PersistOperationKind
    {
        /// <summary><c>mkdir</c> of a parent directory under mdevctl's configuration directory (mdevctl creates them on demand too).</summary>
        CreateDirectory,
        /// <summary>A new definition file.</summary>
        CreateFile,
        /// <summary>An existing definition file replaced atomically (write a temporary file beside it, then rename over it).</summary>
        ReplaceFile,
        /// <summary>A file removed: a second spelling of the same UUID that mdevctl would otherwise list twice.</summary>
        DeleteFile,
    }

    /// <summary>One file operation of a <c>-Persist</c> write, with enough words for <c>-WhatIf</c>.</summary>
    public sealed class PersistOperation
    {
        public PersistOperation(PersistOperationKind kind, string path, string? content = null, string? previousContent = null, Guid? uuid = null, string? detail = null)
        {
            if ((kind == PersistOperationKind.CreateFile || kind == PersistOperationKind.ReplaceFile) && content is null)
                throw new ArgumentNullException(nameof(content), "A file write needs its content.");
            Kind = kind;
            Path = path;
            Content = content;
            PreviousContent = previousContent;
            Uuid = uuid;
            Detail = detail;
        }

        public PersistOperationKind Kind { get; }
        /// <summary>The absolute path on the host.</summary>
        public string Path { get; }
        /// <summary>The new file text for CreateFile and ReplaceFile.</summary>
        public string? Content { get; }
        /// <summary>The text being replaced or deleted, for showing what changes.</summary>
        public string? PreviousContent { get; }
        public Guid? Uuid { get; }
        /// <summary>What the definition says (start mode, matrix), in words.</summary>
        public string? Detail { get; }

        public string Description => Kind switch
        {
            PersistOperationKind.CreateDirectory => $"Create directory {Path}",
            PersistOperationKind.CreateFile => $"Create mdevctl definition {Path}" + (Detail is null ? "" : $" ({Detail})"),
            PersistOperationKind.ReplaceFile => $"Replace mdevctl definition {Path}" + (Detail is null ? "" : $" ({Detail})"),
            PersistOperationKind.DeleteFile => $"Delete {Path}" + (Detail is null ? "" : $" ({Detail})"),
            _ => Kind + " " + Path,
        };

        public override string ToString() => Description;
    }

    /// <summary>
    /// What a <c>-Persist</c> write does to mdevctl's configuration directory, computed before anything is touched,
    /// so <c>-WhatIf</c> shows it and a remote host can run it in one round trip.
    /// </summary>
    public sealed class PersistPlan
    {
        public PersistPlan(string hostName, string configDirectory, IEnumerable<PersistOperation> operations, IEnumerable<MdevctlDefinition> unchanged)
        {
            HostName = hostName;
            ConfigDirectory = configDirectory;
            Operations = operations.ToList();
            Unchanged = unchanged.ToList();
        }

        public string HostName { get; }
        public string ConfigDirectory { get; }
        public IReadOnlyList<PersistOperation> Operations { get; }
        /// <summary>Definitions whose file already holds exactly the text that would be written.</summary>
        public IReadOnlyList<MdevctlDefinition> Unchanged { get; }
        public bool IsEmpty => Operations.Count == 0;

        /// <summary>
        /// The plan as a POSIX shell script that stops at the first failure: each file is written to a temporary
        /// name in its own directory and renamed over the target, so mdevctl (or a reboot) never sees half a file.
        /// Contents travel as single-quoted literals, so no byte of a definition is interpreted by the shell.
        /// </summary>
        public string ToShellScript()
        {
            var sb = new StringBuilder();
            sb.Append("set -e\n");
            sb.Append("umask 022\n");
            foreach (var op in Operations)
            {
                switch (op.Kind)
                {
                    case PersistOperationKind.CreateDirectory:
                        sb.Append("mkdir -p -- ").Append(Quote(op.Path)).Append('\n');
                        break;
                    case PersistOperationKind.CreateFile:
                    case PersistOperationKind.ReplaceFile:
                        string tmp = TemporaryPathFor(op.Path, "$$");
                        sb.Append("printf '%s' ").Append(Quote(op.Content!)).Append(" > ").Append(QuoteWithPid(tmp)).Append('\n');
                        sb.Append("mv -f -- ").Append(QuoteWithPid(tmp)).Append(' ').Append(Quote(op.Path)).Append('\n');
                        break;
                    case PersistOperationKind.DeleteFile:
                        sb.Append("rm -f -- ").Append(Quote(op.Path)).Append('\n');
                        break;
                }
            }
            return sb.ToString();
        }

        /// <summary>A dot-file beside the target: mdevctl skips names that are not UUIDs, and rename is atomic within a directory.</summary>
        internal static string TemporaryPathFor(string path, string unique)
        {
            int slash = path.LastIndexOf('/');
            return path.Substring(0, slash + 1) + "." + path.Substring(slash + 1) + ".vfioap-" + unique + ".tmp";
        }

        internal static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

        /// <summary>Quotes a temporary path whose <c>$$</c> must expand to the shell's pid.</summary>
        private static string QuoteWithPid(string s)
        {
            int i = s.IndexOf("$$", StringComparison.Ordinal);
            return Quote(s.Substring(0, i)) + "\"$$\"" + Quote(s.Substring(i + 2));
        }
    }
}
