using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// What one guest (an mdev, and the VM libvirt's files name for it) gains and loses through a change: its APCB
    /// (the kernel's shadow APCB, what <c>guest_matrix</c> prints) before and after the change, and the APQNs that
    /// stay in it but become unusable (deconfigured, checkstopped).
    /// </summary>
    public sealed class GuestImpact
    {
        public string ComputerName { get; init; } = "";
        /// <summary>The VM whose definition references the mdev (the active one first), or null when none does.</summary>
        public string? Guest { get; init; }
        public Guid Mdev { get; init; }
        /// <summary>True when a guest uses the mdev now (its domain is active, or the kernel says "in use"): it feels the change at once.</summary>
        public bool GuestRunning { get; init; }
        public ApMatrix Before { get; init; }
        public ApMatrix After { get; init; }
        /// <summary>APQNs in the APCB after the change and not before, in the kernel's order.</summary>
        public IReadOnlyList<Apqn> Gained { get; init; } = Array.Empty<Apqn>();
        /// <summary>APQNs in the APCB before the change and not after.</summary>
        public IReadOnlyList<Apqn> Lost { get; init; } = Array.Empty<Apqn>();
        /// <summary>APQNs in the APCB after the change that the guest cannot use, and could before (or did not hold).</summary>
        public IReadOnlyList<UnusableApqn> Unusable { get; init; } = Array.Empty<UnusableApqn>();
        /// <summary>APQNs in the APCB before and after that were unusable and are usable again.</summary>
        public IReadOnlyList<Apqn> Recovered { get; init; } = Array.Empty<Apqn>();
        /// <summary>Each gain, loss and unusable APQN in words, with the kernel's reason.</summary>
        public IReadOnlyList<string> Reasons { get; init; } = Array.Empty<string>();

        /// <summary>True when the change does anything to this guest.</summary>
        public bool Changed => Gained.Count > 0 || Lost.Count > 0 || Unusable.Count > 0 || Recovered.Count > 0;
        /// <summary>True when the guest loses crypto: APQNs leave its APCB or become unusable.</summary>
        public bool LosesCrypto => Lost.Count > 0 || Unusable.Count > 0;

        public override string ToString() =>
            $"{Guest ?? SysfsLayout.FormatUuid(Mdev)}: +{Gained.Count} -{Lost.Count} unusable {Unusable.Count}";
    }

    /// <summary>
    /// The impact of a list of writes on every guest of a host, and the write the kernel refused, if one was: the
    /// replay stops there as a plan does, and the impacts are those of the writes before it.
    /// </summary>
    public sealed class GuestImpactReport
    {
        public GuestImpactReport(IReadOnlyList<GuestImpact> guests, SysfsWrite? refused, Errno refusedErrno)
        {
            Guests = guests;
            RefusedWrite = refused;
            RefusedErrno = refusedErrno;
        }

        /// <summary>One entry per mdev before or after the change, in UUID order.</summary>
        public IReadOnlyList<GuestImpact> Guests { get; }
        public SysfsWrite? RefusedWrite { get; }
        public Errno RefusedErrno { get; }
        public IEnumerable<GuestImpact> Changed => Guests.Where(g => g.Changed);
        /// <summary>Running guests that would lose crypto: what a cmdlet asks about (and refuses without -Force) when the loss is a side effect.</summary>
        public IEnumerable<GuestImpact> RunningGuestsLosingCrypto => Guests.Where(g => g.GuestRunning && g.LosesCrypto);
    }
}
