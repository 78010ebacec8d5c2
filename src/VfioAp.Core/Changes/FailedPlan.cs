using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>
    /// A plan that failed, in words for an ErrorRecord: the refused write with its errno and meaning
    /// (<see cref="KernelRefusal"/>), what had been applied, what the rollback undid or could not undo, and what to do.
    /// </summary>
    public static class FailedPlan
    {
        /// <summary>
        /// A failed plan in words: the failed write (host, attribute, value, errno and meaning), what had been applied,
        /// what the rollback undid or could not undo, and what to do. <paramref name="before"/> is the snapshot the plan was made from.
        /// </summary>
        public static PlanFailure Describe(PlanOutcome outcome, HostSnapshot? before)
        {
            if (outcome.Succeeded) throw new ArgumentException("The plan succeeded; there is no failure to describe.", nameof(outcome));
            var host = outcome.Host;
            var failed = outcome.FailedWrite;
            var state = outcome.AfterRun ?? before;
            RefusalCode code;
            string head, action;
            string? path = null, value = null;
            if (failed != null)
            {
                var attribute = SysfsLayout.LastSegment(failed.Path);
                var matrix = MatrixAtFailure(outcome, before);
                code = outcome.Error == Errno.None ? RefusalCode.WriteFailed : KernelRefusal.Classify(attribute, outcome.Error);
                path = Join(outcome.Root, failed.Path);
                value = failed.Value.TrimEnd('\n');
                var errno = outcome.Error == Errno.None
                    ? (outcome.Run.Message ?? "an unknown failure")
                    : $"{outcome.Error} ({ErrnoText.Describe(outcome.Error)}): {KernelRefusal.Explain(failed, outcome.Error, state, matrix)}";
                if (outcome.Error != Errno.None && outcome.Run.Message != null) errno += " (" + outcome.Run.Message + ")";
                head = $"Host '{host}': {outcome.Plan.Summary} failed at step {outcome.Run.FailedStep + 1} of {outcome.Plan.Steps.Count}: " +
                       $"writing '{value}' to {path} ({failed.Description}) was refused with {errno}.";
                action = KernelRefusal.Advise(code, failed, state, matrix);
                if (outcome.Run.Interrupted)
                {
                    // Not the kernel's answer: the round trip broke off while this write ran, so it is in doubt, not refused.
                    code = RefusalCode.WriteFailed;
                    head = $"Host '{host}': {outcome.Plan.Summary} was interrupted at step {outcome.Run.FailedStep + 1} of {outcome.Plan.Steps.Count} " +
                           $"(writing '{value}' to {path}, {failed.Description}): {outcome.Run.Message}";
                    action = "Read the host again (Get-VfioApMdev, Get-ApBusConfig) and run the command again: it writes only what still differs.";
                }
            }
            else if (outcome.Failed is { } fileStep)
            {
                // A file step (mdevctl's definition, a udev rule): the errno of the file system, not of the kernel's AP code.
                code = RefusalCode.WriteFailed;
                path = (fileStep.UnderHostRoot ? "/" : "") + fileStep.Target;
                var errno = outcome.Error == Errno.None ? (outcome.Run.Message ?? "an unknown failure") : $"{outcome.Error} ({ErrnoText.Describe(outcome.Error)})";
                head = $"Host '{host}': {outcome.Plan.Summary} failed at step {outcome.Run.FailedStep + 1} of {outcome.Plan.Steps.Count}: " +
                       $"{fileStep.Description} failed with {errno}; the file is as it was (files are replaced by renaming a complete temporary file over them).";
                action = outcome.Error switch
                {
                    Errno.ENOSPC => $"Free space on the file system of {path}, then run the command again.",
                    Errno.EROFS => $"The file system of {path} is mounted read-only; remount it read-write (or persist elsewhere), then run the command again.",
                    Errno.EACCES or Errno.EPERM => $"{path} belongs to root: run as root, or over SSH with -UseSudo.",
                    _ => $"Check {path} and its directory on the host, then run the command again.",
                };
            }
            else
            {
                code = RefusalCode.VerificationFailed;
                head = $"Host '{host}': {outcome.Plan.Summary}: all {outcome.Plan.Steps.Count} write(s) were accepted, but reading back shows {outcome.VerificationProblem}.";
                action = KernelRefusal.Advise(code, null, state);
            }

            var applied = outcome.AppliedSteps;
            string appliedText = applied.Count == 0 || outcome.Failed is null ? "" : $" Applied before it: {Steps(applied)}.";
            string rollbackText;
            if (!outcome.RollbackRan)
                rollbackText = outcome.RestoreProblem is not null ? $" Now {outcome.RestoreProblem}." : applied.Count == 0 ? " Nothing was changed." : "";
            else if (outcome.RolledBack)
                rollbackText = $" Rolled back: {Steps(outcome.Rollback.Select(r => r.Step).ToList())}; the host is as it was before.";
            else if (!outcome.RollbackFailed)
                rollbackText = outcome.RestoreProblem is null ? "" : $" Now {outcome.RestoreProblem}.";
            else
            {
                var bad = outcome.Rollback.Where(r => !r.Applied).ToList();
                rollbackText = " The rollback did not restore the host: " +
                    (bad.Count > 0 ? $"undo {string.Join("; ", bad.Select(r => $"{Undone(outcome.Root, r.Step)} got {(r.Error == Errno.None ? r.Message : r.Error + " (" + ErrnoText.Describe(r.Error) + ")")}"))}. " : "") +
                    (outcome.RestoreProblem is null ? "" : $"Now {outcome.RestoreProblem}.");
                action += " " + KernelRefusal.Advise(RefusalCode.RollbackFailed, null, null);
            }
            return new PlanFailure(code, outcome.Error, host, path, value, head + appliedText + rollbackText, action);
        }

        private static string Steps(IReadOnlyList<PlanStep> steps) =>
            steps.Count <= 4 ? string.Join("; ", steps.Select(w => w.Description)) : string.Join("; ", steps.Take(3).Select(w => w.Description)) + $" and {steps.Count - 3} more";

        private static string Undone(string root, PlanStep step) =>
            step is SysfsWriteStep w ? $"'{w.Write.Value}' to {Join(root, w.Write.Path)}" : step.Description;

        private static string Join(string root, string path) => root.TrimEnd('/') + "/" + path;

        /// <summary>
        /// The matrix the kernel checked when the write failed: the mdev's matrix before the plan, the applied writes
        /// of the plan on it, and the failed write itself (what the kernel validates before it clears the bit again).
        /// </summary>
        public static ApMatrix? MatrixAtFailure(PlanOutcome outcome, HostSnapshot? before)
        {
            var failed = outcome.FailedWrite;
            if (failed is null || PlanReplay.MdevOf(failed.Path) is not Guid self) return null;
            return PlanReplay.MatrixAfter(before, self, outcome.AppliedWrites.Concat(new[] { failed }));
        }
    }
}
