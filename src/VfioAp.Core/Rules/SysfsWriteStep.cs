using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>A sysfs attribute written as <c>echo value &gt; attribute</c> does it, with the writes that undo it.</summary>
    public sealed class SysfsWriteStep : PlanStep
    {
        private readonly Func<HostSnapshot, IReadOnlyList<SysfsWrite>?>? _undoFromNow;

        public SysfsWriteStep(SysfsWrite write, params SysfsWrite[] undo)
        {
            Write = write ?? throw new ArgumentNullException(nameof(write));
            UndoWrites = undo ?? Array.Empty<SysfsWrite>();
        }

        /// <summary>A step whose undo is computed from the host as it is after the writes (see <see cref="UndoFromNow"/>).</summary>
        public SysfsWriteStep(SysfsWrite write, SysfsWrite undo, Func<HostSnapshot, IReadOnlyList<SysfsWrite>?> undoFromNow)
            : this(write, undo)
        {
            _undoFromNow = undoFromNow;
        }

        public SysfsWrite Write { get; }

        /// <summary>Usually one write; removing an mdev is undone by re-creating it and giving it its matrix again.</summary>
        public IReadOnlyList<SysfsWrite> UndoWrites { get; }

        public override string Target => Write.Path;
        public override string? Value => Write.Value;
        public override string Description => Write.Description;
        public override IReadOnlyList<PlanStep> Undo => UndoWrites.Select(w => (PlanStep)new SysfsWriteStep(w)).ToList();

        /// <summary>
        /// For a write that sets a whole state at once (ap_config): the undo computed from the host as read after the
        /// writes, taking back only this step's own change, so an undo never writes a stale whole state over someone
        /// else's change. Null (or a null answer) means <see cref="Undo"/>, whose writes are relative already.
        /// </summary>
        public override IReadOnlyList<PlanStep>? UndoFromNow(HostSnapshot now) =>
            _undoFromNow?.Invoke(now)?.Select(w => (PlanStep)new SysfsWriteStep(w)).ToList();

        public override bool UndoDependsOnNow => _undoFromNow != null;

        public override string ShellForm(string sysfsRoot) => $"echo {Write.Value} > {sysfsRoot.TrimEnd('/')}/{Write.Path}";

        public override string ToString() => Write.ToString();
    }
}
