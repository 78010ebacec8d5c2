using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// One step of a change plan, as data: what it changes (<see cref="Target"/>), the value it puts there, what it was
    /// planned from when the step itself knows (<see cref="Expected"/>), and the steps that undo it. The change engine
    /// runs every kind the same way — under the host's lock, preconditions first, in order, stopping at the first
    /// failure, undone last-first — and each transport knows how to carry out each kind (a sysfs write, a file
    /// replaced atomically, a file removed). A new kind of change is a new subclass here and one case per transport.
    /// </summary>
    public abstract class PlanStep
    {
        /// <summary>What the step changes: a sysfs attribute (relative to the sysfs root) or a file (absolute path on the host).</summary>
        public abstract string Target { get; }

        /// <summary>
        /// For a file step: its <see cref="Target"/> is relative to the host's <c>/</c>, resolved by the transport as a
        /// host-root read is (see <see cref="FileWriteStep"/>); false for an absolute path and for sysfs writes.
        /// </summary>
        public virtual bool UnderHostRoot => false;

        /// <summary>The value written (an attribute's value, a file's whole text); null for a removal.</summary>
        public abstract string? Value { get; }

        /// <summary>What the step does, in words for -WhatIf and error messages.</summary>
        public abstract string Description { get; }

        /// <summary>
        /// Where the step itself says what it was planned from: the content <see cref="Target"/> must still have under the
        /// lock (null: the file must not exist). False when the plan's <see cref="WritePlan.DependsOn"/> says it instead
        /// (sysfs writes, whose preconditions are the attributes the whole plan was computed from).
        /// </summary>
        public virtual bool HasExpected => false;

        /// <summary>With <see cref="HasExpected"/>: the content the target had when the step was planned (null: absent).</summary>
        public virtual string? Expected => null;

        /// <summary>The steps that take this one back, in the order they run; empty when nothing needs undoing.</summary>
        public abstract IReadOnlyList<PlanStep> Undo { get; }

        /// <summary>
        /// For a step that sets a whole state at once (ap_config): the undo computed from the host as read after the plan,
        /// taking back only this step's own change. Null means <see cref="Undo"/>.
        /// </summary>
        public virtual IReadOnlyList<PlanStep>? UndoFromNow(HostSnapshot now) => null;

        /// <summary>Whether <see cref="UndoFromNow"/> depends on the host as read after the plan.</summary>
        public virtual bool UndoDependsOnNow => false;

        /// <summary>The step as the shell command an admin would type for it (what -WhatIf shows), with the host's sysfs root.</summary>
        public abstract string ShellForm(string sysfsRoot);

        public override string ToString() => Description;
    }
}
