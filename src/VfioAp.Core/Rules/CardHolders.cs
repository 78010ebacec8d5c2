using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>Which mdevs assign a card and which guests hold it in their APCB, from one snapshot.</summary>
    public static class CardHolders
    {
        /// <summary>
        /// The mdevs whose matrix assigns <paramref name="adapter"/>, and the VMs whose APCB holds it: the kernel's
        /// <c>guest_matrix</c> where it reports one, else the prediction (adapter and at least one domain).
        /// </summary>
        public static (IReadOnlyList<Guid> Mdevs, IReadOnlyList<string> Guests) Of(HostSnapshot host, ApId adapter)
        {
            var mdevs = new List<Guid>();
            var guests = new List<string>();
            foreach (var m in host.Mdevs)
            {
                if (!m.Matrix.Adapters.Contains(adapter.Value)) continue;
                mdevs.Add(m.Uuid);
                var apcb = m.GuestMatrix ?? ApcbFilter.Predict(m.Matrix, host.HostConfig, host).Guest;
                if (!apcb.Adapters.Contains(adapter.Value) || apcb.Domains.IsEmpty) continue;
                var names = host.GuestsOf(m.Uuid).Select(g => g.Name).ToList();
                guests.AddRange(names.Count > 0 ? names : new List<string> { SysfsLayout.FormatUuid(m.Uuid) });
            }
            return (mdevs, guests.Distinct(StringComparer.Ordinal).ToList());
        }
    }
}
