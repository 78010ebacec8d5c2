using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Persistence
{
    public enum MdevImportAction
    {
        /// <summary>The mdev exists with exactly this matrix: nothing to write.</summary>
        None,
        /// <summary>The mdev does not exist: create it and assign its matrix (all or nothing).</summary>
        Create,
        /// <summary>The mdev exists with another matrix: change it with the planner's minimal writes.</summary>
        Update,
        /// <summary>The kernel would refuse it, or the definition cannot be used: nothing is written for this mdev.</summary>
        Refused,
    }

    /// <summary>One imported definition checked against a host: what would be written, or why nothing will be.</summary>
    public sealed class MdevImportItem
    {
        internal MdevImportItem(MdevctlDefinition definition, MdevImportAction action, ApMatrix? matrix, ApMatrix? current,
                                IReadOnlyList<MatrixFinding> findings, PersistenceException? problem, WritePlan? plan, IReadOnlyList<string> warnings,
                                string? hostProblem = null)
        {
            HostProblem = hostProblem;
            Definition = definition;
            Action = action;
            Matrix = matrix;
            Current = current;
            Findings = findings;
            Problem = problem;
            Plan = plan;
            Warnings = warnings;
        }

        public MdevctlDefinition Definition { get; }
        public Guid Uuid => Definition.Uuid;
        public MdevImportAction Action { get; }
        /// <summary>The matrix the definition stands for, null when it cannot be read.</summary>
        public ApMatrix? Matrix { get; }
        /// <summary>The mdev's matrix on the host now, null when it does not exist.</summary>
        public ApMatrix? Current { get; }
        /// <summary>What Test-VfioApMatrix would say about the matrix on this host (errors refuse it, warnings only inform).</summary>
        public IReadOnlyList<MatrixFinding> Findings { get; }
        /// <summary>Why the definition itself cannot be used (wrong type, bad id), naming its file and entry.</summary>
        public PersistenceException? Problem { get; }
        /// <summary>The writes for Create and Update; null otherwise.</summary>
        public WritePlan? Plan { get; }
        /// <summary>The definition's own warnings (octal ids, unknown attributes, start words mdevctl reads as manual).</summary>
        public IReadOnlyList<string> Warnings { get; }
        /// <summary>Why the host cannot take any new mdev (vfio_ap not loaded, no instances left).</summary>
        public string? HostProblem { get; }
        public bool Refused => Action == MdevImportAction.Refused;
        public IEnumerable<MatrixFinding> Errors => Findings.Where(f => f.Severity == FindingSeverity.Error);
    }

    /// <summary>
    /// Turns imported definitions into per-mdev plans against one host snapshot: each definition is read with the
    /// host's id limits, validated as Test-VfioApMatrix validates, checked against the other definitions of the same
    /// import (the kernel lets only one mdev hold an APQN), and planned with the write side's planners. Nothing is
    /// written here; each plan is applied on its own, so an import is all or nothing per mdev.
    /// </summary>
    public static class MdevImportPlanner
    {
        public static IReadOnlyList<MdevImportItem> Plan(HostSnapshot host, IEnumerable<MdevctlDefinition> definitions)
        {
            var items = new List<MdevImportItem>();
            var claimed = new Dictionary<int, Guid>();
            var seen = new HashSet<Guid>();
            foreach (var def in definitions)
            {
                var warnings = new List<string>(def.Warnings);
                var current = host.FindMdev(def.Uuid)?.Matrix;
                if (!seen.Add(def.Uuid))
                {
                    items.Add(Refuse(def, null, current, Array.Empty<MatrixFinding>(),
                        new PersistenceException(def.Source, MdevUuid.Format(def.Uuid), $"mdev {MdevUuid.Format(def.Uuid)} is defined more than once in this import; only the first definition is used."), warnings));
                    continue;
                }
                ApMatrix matrix;
                try
                {
                    matrix = def.ToMatrix(host.Bus.MaxAdapterId, host.Bus.MaxDomainId, warnings);
                }
                catch (PersistenceException ex)
                {
                    items.Add(Refuse(def, null, current, Array.Empty<MatrixFinding>(), ex, warnings));
                    continue;
                }

                var findings = MatrixValidator.Validate(host, def.Uuid, matrix).ToList();
                var conflicts = new Dictionary<Guid, List<Apqn>>();
                foreach (var q in matrix.Apqns())
                    if (claimed.TryGetValue(q.QueueId, out var other) && other != def.Uuid)
                    {
                        if (!conflicts.TryGetValue(other, out var list)) conflicts[other] = list = new List<Apqn>();
                        list.Add(q);
                    }
                foreach (var kv in conflicts)
                    findings.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnInOtherMdev, Errno.EADDRINUSE,
                        $"{kv.Value.Count} APQN(s) {string.Join(", ", kv.Value.Take(8))}{(kv.Value.Count > 8 ? " …" : "")} are also in the imported definition of mdev {kv.Key:D}; " +
                        "the kernel lets one mdev hold an APQN and would refuse the second with EADDRINUSE. Import one of them, or change one definition.",
                        apqns: kv.Value, otherMdev: kv.Key));

                string? hostProblem = null;
                if (current is null && !host.VfioApLoaded)
                    hostProblem = $"vfio_ap is not loaded on {host.ComputerName} ({SysfsLayout.MdevCreate} is missing), so no mdev can be created. Load it with 'modprobe vfio_ap'.";
                else if (current is null && host.AvailableInstances == 0)
                    hostProblem = $"vfio_ap has no mdev instances left on {host.ComputerName} (available_instances is 0); the kernel would refuse create. Remove an unused mdev first.";

                if (hostProblem is not null || findings.Any(f => f.Severity == FindingSeverity.Error))
                {
                    items.Add(Refuse(def, matrix, current, findings, null, warnings, hostProblem));
                    continue;
                }
                foreach (var q in matrix.Apqns()) claimed[q.QueueId] = def.Uuid;

                if (current is ApMatrix cur)
                {
                    var live = host.FindMdev(def.Uuid)!;
                    var plan = MatrixPlanner.Plan(def.Uuid, cur, matrix, live.HasApConfig);
                    items.Add(new MdevImportItem(def, plan.IsEmpty ? MdevImportAction.None : MdevImportAction.Update, matrix, cur, findings, null, plan.IsEmpty ? null : plan, warnings));
                }
                else
                {
                    items.Add(new MdevImportItem(def, MdevImportAction.Create, matrix, null, findings, null, MdevPlanner.PlanCreate(def.Uuid, matrix), warnings));
                }
            }
            return items;
        }

        private static MdevImportItem Refuse(MdevctlDefinition def, ApMatrix? matrix, ApMatrix? current, IReadOnlyList<MatrixFinding> findings,
                                             PersistenceException? problem, IReadOnlyList<string> warnings, string? hostProblem = null) =>
            new MdevImportItem(def, MdevImportAction.Refused, matrix, current, findings, problem, null, warnings, hostProblem);
    }
}
