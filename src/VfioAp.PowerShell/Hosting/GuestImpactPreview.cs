using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// What an approved plan does to the guests of its host, worked out before anything is written: the plan's sysfs
    /// writes replayed on a copy of the snapshot it was planned from (<see cref="GuestImpactCalculator"/>). Every
    /// change shows it after its steps in -WhatIf/-Confirm, carries it on its output (<c>GuestImpact</c>), and a
    /// change whose loss of crypto is a side effect is refused for a running guest unless forced.
    /// </summary>
    internal static class GuestImpactPreview
    {
        /// <summary>What the copy of the host needs: the APCB rule's inputs, the cards and queue states for usability, the VMs.</summary>
        public const SnapshotParts Parts = SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings
                                           | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;

        private const SnapshotParts Required = Parts & ~SnapshotParts.Guests;

        /// <summary>The impact of the plan's sysfs writes, or null when it writes none (files change no guest now) or the snapshot lacks the parts.</summary>
        public static GuestImpactReport? Of(HostSnapshot snapshot, WritePlan plan, out string? problem)
        {
            problem = null;
            if (plan.Writes.Count == 0 || !snapshot.Has(Required)) return null;
            try { return GuestImpactCalculator.Compute(snapshot, plan); }
            catch (InvalidOperationException ex)
            {
                // A host state the simulated kernel cannot take (an odd driver_override): say so rather than guess.
                problem = $"the guest impact could not be worked out: {ex.Message}";
                return null;
            }
        }

        /// <summary>The -WhatIf lines after the steps: per guest the change touches, the VM, the mdev, and each gain, loss and unusable APQN with its reason.</summary>
        public static string Describe(GuestImpactReport? report)
        {
            if (report is null) return "";
            var changed = report.Changed.ToList();
            var text = new StringBuilder();
            if (changed.Count == 0)
            {
                text.Append("\n  Guest impact: no guest gains or loses an APQN.");
                return text.ToString();
            }
            text.Append("\n  Guest impact:");
            foreach (var g in changed)
            {
                text.Append($"\n    {Who(g)}:");
                foreach (var reason in g.Reasons) text.Append("\n      ").Append(reason);
            }
            if (report.RefusedWrite is { } refused)
                text.Append($"\n    The kernel would refuse '{refused.Value}' to {refused.Path} with {report.RefusedErrno}; the impact is that of the writes before it.");
            return text.ToString();
        }

        /// <summary>"VM 'web1' (mdev 6217…, running)" or "mdev 6217… (no VM)".</summary>
        public static string Who(GuestImpact g)
        {
            var mdev = SysfsLayout.FormatUuid(g.Mdev);
            var state = g.GuestRunning ? "running" : "not running";
            return g.Guest is null ? $"mdev {mdev} (no VM, {state})" : $"VM '{g.Guest}' (mdev {mdev}, {state})";
        }

        /// <summary>The entries a result object carries: the guests the change touches.</summary>
        public static GuestImpact[] Changed(GuestImpactReport? report) => report?.Changed.ToArray() ?? Array.Empty<GuestImpact>();

        /// <summary>Adds the impact to an output object as its <c>GuestImpact</c> property.</summary>
        public static PSObject Attach(PSObject output, GuestImpactReport? report)
        {
            if (report is null || output.Properties["GuestImpact"] != null) return output;
            output.Properties.Add(new PSNoteProperty("GuestImpact", Changed(report)));
            return output;
        }

        /// <summary>
        /// The refusal of a change that would take crypto from running guests as a side effect: each VM, its mdev and
        /// the APQNs it loses or can no longer use. Nothing has been written.
        /// </summary>
        public static VfioApException Refusal(string host, string summary, IReadOnlyList<GuestImpact> losing)
        {
            var who = string.Join("; ", losing.Select(g =>
                $"{Who(g)} loses {Apqns(g.Lost.Concat(g.Unusable.Select(u => u.Apqn)))}" + (g.Unusable.Count == 0 ? "" : $" ({g.Unusable.Count} stay in its APCB unusable)")));
            return new VfioApException(VfioApErrorId.GuestWouldLoseCrypto, ErrorCategory.ResourceBusy,
                $"Host '{host}': {summary} would take crypto from a running guest: {who}. Nothing was written.",
                "Stop the guest or move its work first, or repeat with -Force to accept the loss (-WhatIf shows it; Repair-VfioApApcb gives it back).",
                host);
        }

        private static string Apqns(IEnumerable<Apqn> apqns)
        {
            var list = apqns.Distinct().ToList();
            return list.Count <= 12 ? string.Join(", ", list) : string.Join(", ", list.Take(12)) + $" and {list.Count - 12} more";
        }
    }
}
