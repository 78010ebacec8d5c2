using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// What s390-tools' mdevctl callout <c>ap-check</c> checks before mdevctl starts a vfio_ap mdev (<c>-a start -e pre</c>),
    /// which is how every auto definition is started at boot: a definition with control domains but no usage domain is
    /// refused; so is one whose APQNs are in the matrix of an mdev already active, or owned by the host's drivers under
    /// the live sysfs masks (at boot: the masks the kernel and the udev rule left). Define and modify check against the
    /// other auto definitions and the persistent masks instead; start does not.
    /// </summary>
    public static class ApCheckCallout
    {
        /// <summary>Null when ap-check lets the start go on; otherwise its refusal in words.</summary>
        public static string? RefuseStart(ApMatrix matrix, IEnumerable<(Guid Uuid, ApMatrix Matrix)> active, ApMask apmask, ApMask aqmask)
        {
            if (matrix.Domains.IsEmpty && !matrix.ControlDomains.IsEmpty)
                return "ap-check refuses to start it: it has control domains but no usage domain (\"At least one usage domain must be specified\")";
            foreach (var (uuid, other) in active)
            {
                var shared = Shared(matrix, other.Adapters, other.Domains);
                if (shared.Count > 0)
                    return $"ap-check refuses to start it: APQN {Show(shared)} already in use by {uuid:D}, started before it";
            }
            var owned = Shared(matrix, apmask, aqmask);
            if (owned.Count > 0)
                return $"ap-check refuses to start it: APQN {Show(owned)} not allowed for vfio_ap-passthrough use by the ap bus masks at boot (the host's drivers own {(owned.Count == 1 ? "it" : "them")})";
            return null;
        }

        internal static List<Apqn> Shared(ApMatrix matrix, ApMask adapters, ApMask domains)
        {
            var list = new List<Apqn>();
            foreach (var a in matrix.Adapters.Mask & adapters)
                foreach (var d in matrix.Domains.Mask & domains)
                    list.Add(new Apqn(a, d));
            return list;
        }

        internal static string Show(IReadOnlyList<Apqn> apqns) =>
            string.Join(", ", apqns.Take(8).Select(q => q.ToString())) + (apqns.Count > 8 ? $" (and {apqns.Count - 8} more)" : "");
    }
}
