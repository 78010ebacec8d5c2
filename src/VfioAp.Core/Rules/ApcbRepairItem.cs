using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>Where one cut of a guest's APCB stands after Repair-VfioApApcb.</summary>
    public enum ApcbRepairStatus
    {
        /// <summary>-WhatIf, or not yet applied: the repair is in the plan.</summary>
        Planned,
        /// <summary>Written and verified.</summary>
        Repaired,
        /// <summary>The host's default drivers own the APQN; the Set-ApBusMask change is applied only with -IncludeBusMask.</summary>
        NeedsBusMask,
        /// <summary>Linux cannot change it: the HMC or the hardware must.</summary>
        NotRepairable,
        /// <summary>The plan failed (its error record says why) and was rolled back.</summary>
        Failed,
    }

    /// <summary>One adapter, domain, control domain or APQN a guest does not get (or cannot use), and what the repair does about it.</summary>
    public sealed class ApcbRepairItem
    {
        public string ComputerName { get; init; } = "";
        public Guid Mdev { get; init; }
        /// <summary>The VM whose definition references the mdev, or null.</summary>
        public string? Guest { get; init; }
        /// <summary>What the guest is missing: "adapter 05", "domain 0035", "control domain 0035", or an APQN "05.0035".</summary>
        public string Target { get; init; } = "";
        /// <summary>The kernel's reason: an <see cref="ApcbDropReason"/> or an <see cref="UnusableReason"/> name.</summary>
        public string Reason { get; init; } = "";
        /// <summary>The repair in words (the writes), or why there is none.</summary>
        public string Action { get; init; } = "";
        /// <summary>Who can change it: this module's writes (Linux), the HMC, or the hardware (IBM service).</summary>
        public string By { get; init; } = "Linux";
        public ApcbRepairStatus Status { get; init; }
        /// <summary>APQNs the guest gains through the whole repair of its mdev (the same on every item of the mdev).</summary>
        public IReadOnlyList<Apqn> Gained { get; init; } = Array.Empty<Apqn>();

        /// <summary>The item after the plan ran (or was shown): its status and what the guest gains.</summary>
        public ApcbRepairItem With(ApcbRepairStatus status, IReadOnlyList<Apqn> gained) => new ApcbRepairItem
        {
            ComputerName = ComputerName, Mdev = Mdev, Guest = Guest, Target = Target, Reason = Reason, Action = Action, By = By,
            Status = status, Gained = gained,
        };

        public override string ToString() => $"{Target} ({Reason}): {Status}";
    }
}
