using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// One piece of card or queue maintenance (a bind, a reset, a card's config): its steps, the sysfs files it was
    /// planned from, how to check its intent afterwards — or why there is nothing to do, or the kernel's refusal
    /// found before writing. Pieces of one command join into one <see cref="WritePlan"/>.
    /// </summary>
    public sealed class MaintenancePart
    {
        public MaintenancePart(IReadOnlyList<PlanStep> steps, IReadOnlyList<string> dependsOn, Func<HostSnapshot, string?> verify)
        {
            Steps = steps;
            DependsOn = dependsOn;
            Verify = verify;
        }

        public IReadOnlyList<PlanStep> Steps { get; }
        public IReadOnlyList<string> DependsOn { get; }
        public Func<HostSnapshot, string?> Verify { get; }
        /// <summary>Why nothing is written (already so), when the piece has no steps and no refusal.</summary>
        public string? AlreadyDone { get; private set; }
        /// <summary>What the kernel would refuse; the piece then has no steps.</summary>
        public MatrixFinding? Refusal { get; private set; }

        public static MaintenancePart None(string why) =>
            new MaintenancePart(Array.Empty<PlanStep>(), Array.Empty<string>(), _ => null) { AlreadyDone = why };

        public static MaintenancePart Refused(MatrixFinding finding) =>
            new MaintenancePart(Array.Empty<PlanStep>(), Array.Empty<string>(), _ => null) { Refusal = finding };

        /// <summary>The pieces as one plan, in order; verified by every piece's intent. Refusals are returned beside it, and their pieces left out.</summary>
        public static WritePlan Join(string summary, IReadOnlyList<MaintenancePart> parts, SnapshotParts verifyParts, out IReadOnlyList<MatrixFinding> refusals)
        {
            refusals = parts.Where(p => p.Refusal != null).Select(p => p.Refusal!).ToList();
            var active = parts.Where(p => p.Steps.Count > 0).ToList();
            if (active.Count == 0)
                return WritePlan.Nothing(string.Join("; ", parts.Select(p => p.AlreadyDone).Where(w => w != null).DefaultIfEmpty(summary + ": nothing to write")), verifyParts);
            return new WritePlan(summary, active.SelectMany(p => p.Steps).ToList(), verifyParts,
                s => active.Select(p => p.Verify(s)).FirstOrDefault(v => v != null),
                dependsOn: active.SelectMany(p => p.DependsOn).Distinct().ToList());
        }
    }
}
