using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// One planned change of one host: the plan, what it is about (for ShouldProcess and error targets), the snapshot it
    /// was planned from, and what to write to the pipeline once it has been applied and verified.
    /// </summary>
    internal sealed class HostChange
    {
        public HostChange(ApSession session, HostSnapshot before, WritePlan plan, string target, object errorTarget,
                          Func<PlanOutcome?, IEnumerable<object>>? output = null, Func<PlanOutcome, IEnumerable<string>>? warnings = null,
                          Func<HostSnapshot, Replanned>? replan = null)
        {
            Replan = replan;
            Session = session;
            Before = before;
            Plan = plan;
            Target = target;
            ErrorTarget = errorTarget;
            Output = output;
            Warnings = warnings;
        }

        public ApSession Session { get; }
        public HostSnapshot Before { get; }
        public WritePlan Plan { get; }
        /// <summary>What the change is about, in words: "mdev 6217… on seed".</summary>
        public string Target { get; }
        /// <summary>The ErrorRecord's target object (the mdev's UUID, the session).</summary>
        public object ErrorTarget { get; }
        /// <summary>What to write after success (the outcome is null when there was nothing to write).</summary>
        public Func<PlanOutcome?, IEnumerable<object>>? Output { get; }
        /// <summary>Warnings to give after success (e.g. adapters the kernel keeps from the guest).</summary>
        public Func<PlanOutcome, IEnumerable<string>>? Warnings { get; }
        /// <summary>Checks and plans the same change again from a fresh snapshot (after a conflict); pure, runs off the pipeline thread.</summary>
        public Func<HostSnapshot, Replanned>? Replan { get; }
        /// <summary>The raw answers <see cref="Before"/> was built from: the plan's preconditions are taken from them.</summary>
        public SysfsReadResult? Read { get; private set; }

        internal HostChange WithRead(SysfsReadResult? read)
        {
            Read = read;
            return this;
        }

        /// <summary>The same change, planned again from a fresh read.</summary>
        public HostChange With(WritePlan plan, HostSnapshot before, SysfsReadResult read) =>
            new HostChange(Session, before, plan, Target, ErrorTarget, Output, Warnings, Replan) { Read = read };
    }

    /// <summary>A change checked and planned again from a fresh read: the new plan, or why it is refused now.</summary>
    internal sealed class Replanned
    {
        public Replanned(WritePlan plan, IReadOnlyList<MatrixFinding> refusals, string what)
        {
            Plan = plan;
            Refusals = refusals;
            What = what;
        }

        /// <summary>The target is gone (the mdev was removed meanwhile): why, in words.</summary>
        public static Replanned Gone(string problem) => new Replanned(new WritePlan(problem, Array.Empty<PlanStep>(), SnapshotParts.Mdevs, _ => null), Array.Empty<MatrixFinding>(), problem) { Problem = problem };

        public WritePlan Plan { get; }
        public IReadOnlyList<MatrixFinding> Refusals { get; }
        public string What { get; }
        public string? Problem { get; private set; }
    }

    /// <summary>What became of one approved change on its worker thread.</summary>
    internal sealed class ChangeResult
    {
        public ChangeResult(HostChange change) => Change = change;
        /// <summary>The change as last planned (after re-plans).</summary>
        public HostChange Change { get; set; }
        public PlanOutcome? Outcome { get; set; }
        public Exception? Failure { get; set; }
        /// <summary>Conflicts on every try: the paths that changed, and how many tries.</summary>
        public IReadOnlyList<string>? Conflicts { get; set; }
        public int Attempts { get; set; }
        /// <summary>Refused when planned again from a fresh read.</summary>
        public Replanned? Refused { get; set; }
        public HostSnapshot? RefusedSnapshot { get; set; }
        /// <summary>Planned again, nothing was left to write (someone else made the same change).</summary>
        public bool NothingLeft { get; set; }
    }
}
