using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>Plans apmask/aqmask changes with the kernel's relative syntax and checks the kernel's EBUSY rule first.</summary>
    public static class BusMaskPlanner
    {
        /// <summary>
        /// The writes that give <paramref name="adapters"/> and <paramref name="domains"/> to <paramref name="owner"/>;
        /// <paramref name="refusals"/> lists what the kernel would refuse (EBUSY: an mdev still holds APQNs that would go to the host).
        /// </summary>
        public static WritePlan Plan(HostSnapshot host, ApMask adapters, ApMask domains, ApOwner owner, out IReadOnlyList<MatrixFinding> refusals)
        {
            var bus = host.Bus;
            var newApm = owner == ApOwner.Host ? bus.ApMask | adapters : bus.ApMask.Except(adapters);
            var newAqm = owner == ApOwner.Host ? bus.AqMask | domains : bus.AqMask.Except(domains);
            return PlanMasks(host, newApm, newAqm, out refusals);
        }

        /// <summary>
        /// Plans reaching the given absolute masks with relative writes that name only the bits that change, so a
        /// concurrent change of other bits is not overwritten.
        /// <para>
        /// The kernel checks each write on its own: bits newly set in apmask against the aqmask of that moment, bits
        /// newly set in aqmask against the apmask of that moment (<c>apmask_commit</c>/<c>aqmask_commit</c> →
        /// vfio_ap's <c>in_use</c>, EBUSY). The order is chosen so that every APQN a write checks is in the final
        /// host-owned set (final apmask × final aqmask): then a write is refused only when the final masks would
        /// take an APQN an mdev holds. When one mask gains bits and the other loses some, the losing one is written
        /// first; when both gain and lose, aqmask's cleared bits go first in a write of their own.
        /// </para>
        /// </summary>
        public static WritePlan PlanMasks(HostSnapshot host, ApMask newApm, ApMask newAqm, out IReadOnlyList<MatrixFinding> refusals)
        {
            var bus = host.Bus;
            ApMask setA = newApm.Except(bus.ApMask), clearA = bus.ApMask.Except(newApm);
            ApMask setQ = newAqm.Except(bus.AqMask), clearQ = bus.AqMask.Except(newAqm);

            // (mask, bits to set, bits to clear) in write order
            var order = new List<(bool Apmask, ApMask Set, ApMask Clear)>();
            if (setA.IsEmpty || clearQ.IsEmpty)
            {
                order.Add((true, setA, clearA));
                order.Add((false, setQ, clearQ));
            }
            else if (setQ.IsEmpty || clearA.IsEmpty)
            {
                order.Add((false, setQ, clearQ));
                order.Add((true, setA, clearA));
            }
            else
            {
                order.Add((false, ApMask.Empty, clearQ));
                order.Add((true, setA, clearA));
                order.Add((false, setQ, ApMask.Empty));
            }

            var found = new List<MatrixFinding>();
            var steps = new List<SysfsWriteStep>();
            ApMask apm = bus.ApMask, aqm = bus.AqMask;
            foreach (var (isApmask, set, clear) in order)
            {
                if (set.IsEmpty && clear.IsEmpty) continue;
                var path = isApmask ? SysfsLayout.ApMask : SysfsLayout.AqMask;
                if (isApmask) CheckInUse(host, set, aqm, "apmask", found);
                else CheckInUse(host, apm, set, "aqmask", found);
                steps.Add(new SysfsWriteStep(
                    new SysfsWrite(path, Relative(set, clear), Describe(path, set, clear, isApmask ? "adapter" : "domain", isApmask ? 2 : 4)),
                    new SysfsWrite(path, Relative(clear, set), "undo: " + Describe(path, clear, set, isApmask ? "adapter" : "domain", isApmask ? 2 : 4))));
                if (isApmask) apm = (apm | set).Except(clear);
                else aqm = (aqm | set).Except(clear);
            }

            refusals = found;
            ApMask oldApm = bus.ApMask, oldAqm = bus.AqMask;
            string summary = steps.Count == 0 ? $"apmask and aqmask of {host.ComputerName} are already as requested; nothing to write"
                : $"Set {string.Join(" and ", steps.Select(s => SysfsLayout.LastSegment(s.Write.Path)).Distinct())} on {host.ComputerName}";
            // Verified by intent: the bits this plan sets are set and the bits it clears are clear; other bits are others' business.
            ApMask setApm = newApm.Except(oldApm), clearApm = oldApm.Except(newApm), setAqm = newAqm.Except(oldAqm), clearAqm = oldAqm.Except(newAqm);
            return new WritePlan(summary, steps, SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs,
                s => CompareBits(s, setApm, clearApm, setAqm, clearAqm, newApm, newAqm),
                s => CompareBits(s, clearApm, setApm, clearAqm, setAqm, oldApm, oldAqm),
                // The relative writes change only their bits, but which bits change and the EBUSY check came from the
                // masks and every mdev's matrix as read.
                new[] { SysfsLayout.ApMask, SysfsLayout.AqMask, MatrixPlanner.AllMdevMatrices });
        }

        private static string? CompareBits(HostSnapshot s, ApMask setA, ApMask clearA, ApMask setQ, ApMask clearQ, ApMask apm, ApMask aqm) =>
            (s.Bus.ApMask & setA) == setA && (s.Bus.ApMask & clearA).IsEmpty && (s.Bus.AqMask & setQ) == setQ && (s.Bus.AqMask & clearQ).IsEmpty ? null
                : $"apmask is {s.Bus.ApMask.ToKernelString()} and aqmask {s.Bus.AqMask.ToKernelString()}, expected {apm.ToKernelString()} and {aqm.ToKernelString()} in the bits this change sets or clears";

        /// <summary>vfio_ap's <c>in_use</c> as the kernel asks it for one write: the newly host-owned APQNs against every mdev.</summary>
        private static void CheckInUse(HostSnapshot host, ApMask apids, ApMask apqis, string attribute, List<MatrixFinding> found)
        {
            if (apids.IsEmpty || apqis.IsEmpty) return;
            foreach (var m in host.Mdevs)
            {
                var a = m.Matrix.Adapters & apids;
                var d = m.Matrix.Domains & apqis;
                if (a.IsEmpty || d.IsEmpty) continue;
                var clash = a.SelectMany(x => d.Select(y => new Apqn(x, y))).ToList();
                found.Add(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.ApqnHeldByMdev, Errno.EBUSY,
                    $"Writing {attribute} would give {(clash.Count == 1 ? "APQN" : clash.Count + " APQNs")} {ApqnList.Format(clash)} " +
                    $"back to the host's default drivers, but mdev {m.Uuid:D} still holds {(clash.Count == 1 ? "it" : "them")}; the kernel refuses with EBUSY.",
                    apqns: clash, otherMdev: m.Uuid, attribute: attribute,
                    action: $"Unassign them from mdev {m.Uuid:D} first (Set-VfioApMatrix -Mdev {m.Uuid:D} -Remove -Adapter {Args(a, 2)} or -Domain {Args(d, 4)}), or leave them with vfio_ap."));
            }
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
            if (!clear.IsEmpty) parts.Add($"give {what}{(clear.Count == 1 ? "" : "s")} {Ids(clear, digits)} to vfio_ap");
            if (!set.IsEmpty) parts.Add($"give {what}{(set.Count == 1 ? "" : "s")} {Ids(set, digits)} back to the host's default drivers");
            return $"{SysfsLayout.LastSegment(path)}: {string.Join("; ", parts)}";
        }

        private static string Ids(ApMask m, int digits) => string.Join(",", m.Select(i => i.ToString("x" + digits)));

        /// <summary>Ids as a command argument: 0x hex, which the module and the kernel read alike ('08' would be bad octal).</summary>
        private static string Args(ApMask m, int digits) => string.Join(",", m.Select(i => "0x" + i.ToString("x" + digits)));
    }

    /// <summary>APQN lists in messages: the first few, then how many more, so a 60 × 85 clash stays one readable line.</summary>
    internal static class ApqnList
    {
        public static string Format(IReadOnlyCollection<Apqn> apqns, int shown = 8) =>
            apqns.Count <= shown ? string.Join(", ", apqns) : string.Join(", ", apqns.Take(shown)) + $" and {apqns.Count - shown} more";
    }
}
