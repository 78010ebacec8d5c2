using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>A guest's gains and losses in words, with the kernel's reason for each adapter or domain that leaves.</summary>
    internal static class GuestImpactWords
    {
        public static IReadOnlyList<string> Explain(HostSnapshot after, Guid mdev, ApMatrix was, ApMatrix now, IReadOnlyList<Apqn> gained,
                                                    IReadOnlyList<Apqn> lost, IReadOnlyList<UnusableApqn> unusable, IReadOnlyList<Apqn> recovered)
        {
            var words = new List<string>();
            var afterMdev = after.FindMdev(mdev);
            var prediction = afterMdev is null ? null : ApcbFilter.Predict(afterMdev.Matrix, after.HostConfig, after);
            // The APCB is adapters × domains, so every lost APQN belongs to an adapter or a domain that left it.
            foreach (var a in was.Adapters.Except(now.Adapters))
            {
                var apqns = lost.Where(q => q.Adapter.Value == a).ToList();
                if (apqns.Count > 0) words.Add($"Loses adapter {a:x2} ({string.Join(", ", apqns)}): {AdapterReason(new ApId(a), afterMdev, prediction)}");
            }
            foreach (var d in was.Domains.Except(now.Domains))
            {
                var apqns = lost.Where(q => q.Domain.Value == d && now.Adapters.Contains(q.Adapter.Value)).ToList();
                if (apqns.Count > 0) words.Add($"Loses domain {d:x4} ({string.Join(", ", apqns)}): {DomainReason(new DomainId(d), afterMdev, after)}");
            }
            // Gains named as the kernel plugs them in: a whole adapter or domain, then any APQN left over.
            var told = new HashSet<Apqn>();
            foreach (var a in now.Adapters.Except(was.Adapters))
            {
                var apqns = gained.Where(q => q.Adapter.Value == a).ToList();
                if (apqns.Count == 0) continue;
                told.UnionWith(apqns);
                words.Add($"Gains adapter {a:x2} ({string.Join(", ", apqns)}).");
            }
            foreach (var d in now.Domains.Except(was.Domains))
            {
                var apqns = gained.Where(q => q.Domain.Value == d && !told.Contains(q)).ToList();
                if (apqns.Count == 0) continue;
                told.UnionWith(apqns);
                words.Add($"Gains domain {d:x4} ({string.Join(", ", apqns)}).");
            }
            var rest = gained.Where(q => !told.Contains(q)).ToList();
            if (rest.Count > 0) words.Add($"Gains {string.Join(", ", rest)}.");
            words.AddRange(unusable.Select(u => u.Message));
            if (recovered.Count > 0) words.Add($"Usable again: {string.Join(", ", recovered)}.");
            return words;
        }

        private static string AdapterReason(ApId adapter, VfioApMdev? mdev, ApcbPrediction? prediction)
        {
            if (mdev is null) return "the mdev is removed.";
            if (!mdev.Matrix.Adapters.Contains(adapter.Value)) return "it is no longer assigned to the mdev.";
            var drop = prediction?.Dropped.FirstOrDefault(d => d.Adapter == adapter);
            return drop?.Message ?? "the kernel unplugged it from the guest (it filters the adapter again only at the next assign or bind).";
        }

        private static string DomainReason(DomainId domain, VfioApMdev? mdev, HostSnapshot after)
        {
            if (mdev is null) return "the mdev is removed.";
            if (!mdev.Matrix.Domains.Contains(domain.Value)) return "it is no longer assigned to the mdev.";
            if (!after.HostConfig.Domains.Contains(domain.Value)) return "it is not in the host's AP configuration (ap_usage_domain_mask).";
            return "the kernel cut it from the guest.";
        }
    }
}
