using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

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
    /// so <c>-WhatIf</c> shows it; <see cref="ToChangePlan"/> hands it to the change engine (one round trip over SSH).
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
        /// The operations as steps of a change plan for the change engine, which runs them under the host's AP
        /// configuration lock (mdevctl's ap-check callout reads the definitions under the same lock): each file replaced
        /// atomically (its directory made when missing, so a CreateDirectory needs no step of its own) or removed, each
        /// checked under the lock against the text it had when this plan was made.
        /// </summary>
        public WritePlan ToChangePlan(IEnumerable<PersistOperation>? operations = null)
        {
            var steps = new List<PlanStep>();
            foreach (var op in operations ?? Operations)
            {
                string what = "mdevctl definition" + (op.Detail is null ? "" : $" ({op.Detail})");
                switch (op.Kind)
                {
                    case PersistOperationKind.CreateFile:
                    case PersistOperationKind.ReplaceFile:
                        steps.Add(new FileWriteStep(op.Path, op.Content!, op.Kind == PersistOperationKind.CreateFile ? null : op.PreviousContent, what));
                        break;
                    case PersistOperationKind.DeleteFile:
                        steps.Add(new FileRemoveStep(op.Path, op.PreviousContent ?? "", "duplicate definition" + (op.Detail is null ? "" : $" ({op.Detail})")));
                        break;
                }
            }
            var summary = $"Persist {steps.Count} mdevctl file operation(s) in {ConfigDirectory} on {HostName}";
            return new WritePlan(summary, steps, SnapshotParts.Bus, _ => null);
        }

        internal static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";
    }
}
