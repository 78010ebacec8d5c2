using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// One guest and one mdev it references, now and after the next boot: the APCB it has now, the one it gets at boot,
    /// the APQNs lost and gained, whether libvirt starts the domain with the host, and every reason in words.
    /// </summary>
    public sealed class BootOutcome
    {
        public string ComputerName { get; init; } = "";
        /// <summary>The libvirt domain, or null for an mdev no domain references.</summary>
        public string? Guest { get; init; }
        public Guid Mdev { get; init; }
        /// <summary>The guest's APCB now (the kernel's guest_matrix, else the prediction from the live state).</summary>
        public ApMatrix Now { get; init; }
        /// <summary>The APCB the mdev gives its guest after the boot; empty when the mdev does not come back.</summary>
        public ApMatrix AtBoot { get; init; }
        public IReadOnlyList<Apqn> Lost { get; init; } = Array.Empty<Apqn>();
        public IReadOnlyList<Apqn> Gained { get; init; } = Array.Empty<Apqn>();
        /// <summary>True when libvirt starts the domain with the host (its autostart link).</summary>
        public bool Autostart { get; init; }
        /// <summary>True when the domain runs now.</summary>
        public bool RunningNow { get; init; }
        /// <summary>True when mdevctl re-creates the mdev at boot.</summary>
        public bool MdevComesBack { get; init; }
        /// <summary>The live matrix, and the one mdevctl assigns at boot (null when the mdev does not come back).</summary>
        public ApMatrix MatrixNow { get; init; }
        public ApMatrix? MatrixAtBoot { get; init; }
        public IReadOnlyList<string> Reasons { get; init; } = Array.Empty<string>();
        /// <summary>True when the mdev comes back with the same matrix, its guest gets the same APCB, and a running guest starts again.</summary>
        public bool Survives { get; init; }
        public override string ToString() => (Guest ?? "(no domain)") + " " + Mdev.ToString("D");
    }
}
