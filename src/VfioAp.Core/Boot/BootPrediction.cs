using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>What the next boot brings up on one host: the masks, the mdevs mdevctl starts, the APCB of each, the guests libvirt starts, and per guest and mdev what changes.</summary>
    public sealed class BootPrediction
    {
        public BootPrediction(string computerName, BootMasks masks, MdevctlAutoStart autoStart, IReadOnlyDictionary<Guid, ApMatrix> apcbs,
                              IReadOnlyList<string> startedGuests, IReadOnlyList<BootOutcome> outcomes, IReadOnlyList<string> warnings)
        {
            ComputerName = computerName;
            Masks = masks;
            AutoStart = autoStart;
            Apcbs = apcbs;
            StartedGuests = startedGuests;
            Outcomes = outcomes;
            Warnings = warnings;
        }

        public string ComputerName { get; }
        public BootMasks Masks { get; }
        public MdevctlAutoStart AutoStart { get; }
        /// <summary>The shadow APCB of every mdev present after the boot.</summary>
        public IReadOnlyDictionary<Guid, ApMatrix> Apcbs { get; }
        /// <summary>libvirt domains started with the host, by name (ordinal order).</summary>
        public IReadOnlyList<string> StartedGuests { get; }
        public IReadOnlyList<BootOutcome> Outcomes { get; }
        public IReadOnlyList<string> Warnings { get; }
        /// <summary>True when every mdev a domain references comes back with the same matrix and its guest gets the APCB it has now.</summary>
        public bool Survives => Outcomes.All(o => o.Survives);
    }
}
