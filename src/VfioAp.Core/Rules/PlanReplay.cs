using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// A write plan replayed on an mdev's matrix as the kernel would apply it, write by write: which write the kernel
    /// would refuse (judged before anything is written), and the matrix the kernel checked when a write failed.
    /// </summary>
    public static class PlanReplay
    {
        /// <summary>
        /// The first write of a matrix plan the kernel would refuse, and with which errno, judged from the snapshot: the
        /// plan's writes applied one by one to the mdev's matrix, each assign (or ap_config) checked as the kernel checks
        /// it (ids against the maxima, then default-driver ownership, then other mdevs). Null when none would be refused.
        /// </summary>
        public static (SysfsWrite Write, Errno Errno)? FirstRefusedWrite(HostSnapshot host, Guid mdev, WritePlan plan)
        {
            var matrix = host.FindMdev(mdev)?.Matrix ?? ApMatrix.Empty;
            foreach (var w in plan.Writes)
            {
                if (MdevOf(w.Path) != mdev) continue;
                var attribute = SysfsLayout.LastSegment(w.Path);
                var value = w.Value.TrimEnd('\n');
                if (attribute.StartsWith("assign_", StringComparison.Ordinal) || attribute.StartsWith("unassign_", StringComparison.Ordinal))
                {
                    bool adapter = attribute.EndsWith("_adapter", StringComparison.Ordinal);
                    if (KernelNumber.TryParse(value, out var id, out _) && id > (ulong)(adapter ? host.Bus.MaxAdapterId : host.Bus.MaxDomainId))
                        return (w, Errno.ENODEV);
                }
                matrix = Apply(matrix, attribute, value);
                if (attribute != "ap_config" && attribute != "assign_adapter" && attribute != "assign_domain") continue;
                var errors = MatrixValidator.Validate(host, mdev, matrix).Where(f => f.Severity == FindingSeverity.Error).ToList();
                // The kernel's order for an assign or ap_config: ownership, then sharing, then (ap_config only) the maxima.
                var first = errors.FirstOrDefault(f => f.KernelErrno == Errno.EADDRNOTAVAIL)
                            ?? errors.FirstOrDefault(f => f.KernelErrno == Errno.EADDRINUSE)
                            ?? errors.FirstOrDefault(f => f.KernelErrno == Errno.ENODEV);
                if (first != null) return (w, first.KernelErrno);
            }
            return null;
        }

        /// <summary>
        /// The mdev's matrix after <paramref name="writes"/>, starting from its matrix in <paramref name="before"/> (empty
        /// when the mdev is not there): only the writes to that mdev's matrix attributes count.
        /// </summary>
        public static ApMatrix MatrixAfter(HostSnapshot? before, Guid mdev, IEnumerable<SysfsWrite> writes)
        {
            var matrix = before?.FindMdev(mdev)?.Matrix ?? ApMatrix.Empty;
            foreach (var w in writes)
                if (MdevOf(w.Path) == mdev) matrix = Apply(matrix, SysfsLayout.LastSegment(w.Path), w.Value.TrimEnd('\n'));
            return matrix;
        }

        /// <summary>The mdev a write belongs to, from its path (devices/vfio_ap/matrix/&lt;uuid&gt;/attribute).</summary>
        internal static Guid? MdevOf(string path)
        {
            var dir = path.Substring(0, Math.Max(0, path.LastIndexOf('/')));
            return Guid.TryParseExact(SysfsLayout.LastSegment(dir), "D", out var u) ? u : (Guid?)null;
        }

        internal static ApMatrix Apply(ApMatrix m, string attribute, string value)
        {
            if (attribute == "ap_config")
            {
                try { return MatrixText.ParseApConfig(value); }
                catch (FormatException) { return m; }
            }
            if (!KernelNumber.TryParse(value, out var v, out _) || v > 255) return m;
            int id = (int)v;
            return attribute switch
            {
                "assign_adapter" => m.WithAdapters(m.Adapters.With(id)),
                "unassign_adapter" => m.WithAdapters(m.Adapters.Without(id)),
                "assign_domain" => m.WithDomains(m.Domains.With(id)),
                "unassign_domain" => m.WithDomains(m.Domains.Without(id)),
                "assign_control_domain" => m.WithControlDomains(m.ControlDomains.With(id)),
                "unassign_control_domain" => m.WithControlDomains(m.ControlDomains.Without(id)),
                _ => m,
            };
        }
    }
}
