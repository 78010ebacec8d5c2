using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Rules
{
    /// <summary>Plans the life of an mdev: create (with its first matrix, all or nothing) and remove (undone by re-creating it).</summary>
    public static class MdevPlanner
    {
        public static WritePlan PlanCreate(Guid uuid, ApMatrix initial)
        {
            var id = SysfsLayout.FormatUuid(uuid);
            var remove = new SysfsWrite(SysfsLayout.MdevAttribute(uuid, "remove"), "1", $"undo: remove mdev {id}");
            var steps = new List<PlanStep>
            {
                new PlanStep(new SysfsWrite(SysfsLayout.MdevCreate, id, $"create mdev {id} (vfio_ap-passthrough)"), remove),
            };
            // A new mdev's attributes are unknown until it exists; assign_* works on every kernel, so use it.
            steps.AddRange(MatrixPlanner.Plan(uuid, ApMatrix.Empty, initial, hasApConfig: false).Steps);
            return new WritePlan($"Create mdev {id}{(initial.IsEmpty ? "" : " with " + initial)}", steps, SnapshotParts.Mdevs,
                s => s.FindMdev(uuid) is null ? $"mdev {id} does not exist after create" : MatrixPlanner.VerifyMatrix(s, uuid, initial));
        }

        public static WritePlan PlanRemove(VfioApMdev mdev)
        {
            var id = SysfsLayout.FormatUuid(mdev.Uuid);
            // Undo re-creates the mdev with the same UUID and matrix, so a guest definition that names it still works.
            var undo = new List<SysfsWrite> { new SysfsWrite(SysfsLayout.MdevCreate, id, $"undo: re-create mdev {id}") };
            undo.AddRange(MatrixPlanner.Plan(mdev.Uuid, ApMatrix.Empty, mdev.Matrix, hasApConfig: false).Writes);
            var step = new PlanStep(new SysfsWrite(SysfsLayout.MdevAttribute(mdev.Uuid, "remove"), "1", $"remove mdev {id}"), undo.ToArray());
            return new WritePlan($"Remove mdev {id} ({mdev.Matrix})", new[] { step }, SnapshotParts.Mdevs,
                s => s.FindMdev(mdev.Uuid) is null ? null : $"mdev {id} still exists after remove");
        }
    }

    /// <summary>Who an APQN is for, as apmask/aqmask decide (spec §5).</summary>
    public enum ApOwner
    {
        /// <summary>Bits cleared: the APQNs are for vfio_ap (pass-through).</summary>
        VfioAp,
        /// <summary>Bits set: the APQNs go back to the host's default zcrypt drivers.</summary>
        Host,
    }

    /// <summary>Plans apmask/aqmask changes with the kernel's relative syntax and checks the kernel's EBUSY rule first.</summary>
    public static class BusMaskPlanner
    {
        /// <summary>
        /// The writes that give <paramref name="adapters"/> and <paramref name="domains"/> to <paramref name="owner"/>;
        /// findings list what the kernel would refuse (EBUSY: an mdev still holds APQNs that would go to the host).
        /// </summary>
        public static WritePlan Plan(HostSnapshot host, ApMask adapters, ApMask domains, ApOwner owner, out IReadOnlyList<MatrixFinding> refusals)
        {
            var bus = host.Bus;
            var newApm = owner == ApOwner.Host ? bus.ApMask | adapters : bus.ApMask.Except(adapters);
            var newAqm = owner == ApOwner.Host ? bus.AqMask | domains : bus.AqMask.Except(domains);
            return PlanMasks(host, newApm, newAqm, out refusals);
        }

        /// <summary>Plans reaching the given absolute masks (each changed in one relative write: only the bits that change are named).</summary>
        public static WritePlan PlanMasks(HostSnapshot host, ApMask newApm, ApMask newAqm, out IReadOnlyList<MatrixFinding> refusals)
        {
            var bus = host.Bus;
            var found = new List<MatrixFinding>();
            var steps = new List<PlanStep>();

            // apmask first, as the kernel would check it: newly set APIDs × current aqmask.
            var setA = newApm.Except(bus.ApMask);
            CheckInUse(host, setA, bus.AqMask, "apmask", found);
            AddWrite(steps, SysfsLayout.ApMask, bus.ApMask, newApm, "adapter", 2);
            // then aqmask, against the apmask the first write left: new apmask × newly set APQIs.
            var setD = newAqm.Except(bus.AqMask);
            CheckInUse(host, newApm, setD, "aqmask", found);
            AddWrite(steps, SysfsLayout.AqMask, bus.AqMask, newAqm, "domain", 4);

            refusals = found;
            string summary = steps.Count == 0 ? "apmask and aqmask are already as requested; nothing to write"
                : $"Set {string.Join(" and ", steps.Select(s => SysfsLayout.LastSegment(s.Write.Path)))} on {host.ComputerName}";
            return new WritePlan(summary, steps, SnapshotParts.Bus, s =>
                s.Bus.ApMask == newApm && s.Bus.AqMask == newAqm ? null
                    : $"apmask is {s.Bus.ApMask.ToKernelString()} and aqmask {s.Bus.AqMask.ToKernelString()}, expected {newApm.ToKernelString()} and {newAqm.ToKernelString()}");
        }

        private static void CheckInUse(HostSnapshot host, ApMask apids, ApMask apqis, string attribute, List<MatrixFinding> found)
        {
            if (apids.IsEmpty || apqis.IsEmpty) return;
            foreach (var m in host.Mdevs)
            {
                var clash = (m.Matrix.Adapters & apids).SelectMany(a => (m.Matrix.Domains & apqis).Select(d => new Apqn(a, d))).ToList();
                if (clash.Count == 0) continue;
                found.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnInOtherMdev, Errno.EBUSY,
                    $"Writing {attribute} would give {(clash.Count == 1 ? "APQN" : clash.Count + " APQNs")} {string.Join(", ", clash.Take(8))}{(clash.Count > 8 ? " …" : "")} " +
                    $"back to the host, but mdev {m.Uuid:D} still holds {(clash.Count == 1 ? "it" : "them")}; the kernel refuses with EBUSY. " +
                    "Unassign them from the mdev first (Set-VfioApMatrix -Remove).", apqns: clash, otherMdev: m.Uuid));
            }
        }

        private static void AddWrite(List<PlanStep> steps, string path, ApMask from, ApMask to, string what, int digits)
        {
            if (from == to) return;
            var set = to.Except(from);
            var clear = from.Except(to);
            steps.Add(new PlanStep(
                new SysfsWrite(path, Relative(set, clear), Describe(path, set, clear, what, digits)),
                new SysfsWrite(path, Relative(clear, set), "undo: restore " + SysfsLayout.LastSegment(path))));
        }

        /// <summary>The kernel's relative syntax: applied to the mask as it is at write time, so nothing else is overwritten.</summary>
        internal static string Relative(ApMask set, ApMask clear)
        {
            var terms = new List<string>();
            foreach (var r in Runs(clear)) terms.Add("-" + r);
            foreach (var r in Runs(set)) terms.Add("+" + r);
            return string.Join(",", terms);
        }

        private static IEnumerable<string> Runs(ApMask m)
        {
            int n = m.NextSetBit(0);
            while (n >= 0)
            {
                int end = n;
                while (end + 1 < ApMask.Bits && m.Contains(end + 1)) end++;
                yield return end > n ? $"0x{n:x}-0x{end:x}" : $"0x{n:x}";
                n = end + 1 < ApMask.Bits ? m.NextSetBit(end + 1) : -1;
            }
        }

        private static string Describe(string path, ApMask set, ApMask clear, string what, int digits)
        {
            var parts = new List<string>();
            if (!clear.IsEmpty) parts.Add($"give {what}s {Ids(clear, digits)} to vfio_ap");
            if (!set.IsEmpty) parts.Add($"give {what}s {Ids(set, digits)} back to the host's default drivers");
            return $"{SysfsLayout.LastSegment(path)}: {string.Join("; ", parts)}";
        }

        private static string Ids(ApMask m, int digits) => string.Join(",", m.Select(i => i.ToString("x" + digits)));
    }
}
