using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// The other half of the kernel's APCB rule: vfio_ap passes a queue through whose last reset answered normally,
    /// DECONFIGURED or CHECKSTOPPED (<c>_queue_passable</c>), so a deconfigured or checkstopped queue bound to vfio_ap
    /// stays in the guest's APCB. The guest holds the APQN and cannot use it. zcrypt's <c>online</c> is not part of
    /// this: it is the host's own use of a card or queue, and a queue bound to vfio_ap is no zcrypt queue.
    /// </summary>
    public static class ApcbUsability
    {
        /// <summary>The APQNs of <paramref name="apcb"/> (adapters × domains) that are deconfigured or checkstopped on the host, in the kernel's order.</summary>
        public static IReadOnlyList<UnusableApqn> Find(ApMatrix apcb, HostSnapshot host)
        {
            var result = new List<UnusableApqn>();
            if (apcb.Adapters.IsEmpty || apcb.Domains.IsEmpty) return result;
            var cards = host.Cards.ToDictionary(c => c.Id.Value);
            foreach (var apqn in apcb.Apqns())
            {
                cards.TryGetValue(apqn.Adapter.Value, out var card);
                var queue = host.FindQueue(apqn);
                if (card?.Config == false)
                    result.Add(new UnusableApqn(apqn, UnusableReason.CardDeconfigured,
                        $"{apqn} stays in the guest's APCB but is unusable: adapter {apqn.Adapter.ToKernelName()} is deconfigured (card{apqn.Adapter.ToKernelName()} config 0; chzcrypt --config-on brings it back)."));
                else if (queue?.Config == false)
                    result.Add(new UnusableApqn(apqn, UnusableReason.QueueDeconfigured,
                        $"{apqn} stays in the guest's APCB but is unusable: the queue is deconfigured (config 0)."));
                else if (queue?.Checkstop == true || card?.Checkstop == true)
                    result.Add(new UnusableApqn(apqn, UnusableReason.Checkstopped,
                        $"{apqn} stays in the guest's APCB but is unusable: adapter {apqn.Adapter.ToKernelName()} is checkstopped (a hardware error; the HMC or IBM service can clear it)."));
            }
            return result;
        }
    }
}
