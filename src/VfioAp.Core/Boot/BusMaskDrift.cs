using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// How one AP bus mask differs between the running kernel and the next boot (the masks a reboot starts with):
    /// a mask changed live only is taken back by the reboot, and the APQNs it gave to vfio_ap go back to the host.
    /// </summary>
    public sealed class BusMaskDrift
    {
        public string ComputerName { get; init; } = "";
        /// <summary><c>apmask</c> or <c>aqmask</c>.</summary>
        public string Mask { get; init; } = "";
        public ApMask Live { get; init; }
        public ApMask Persistent { get; init; }
        /// <summary>Where the next boot's mask comes from.</summary>
        public BusMaskSource Source { get; init; }
        /// <summary>Ids the live mask gives to vfio_ap that the next boot gives back to the host's drivers.</summary>
        public ApMask VfioApOnlyLive { get; init; }
        /// <summary>Ids the next boot gives to vfio_ap that the host's drivers own now.</summary>
        public ApMask VfioApOnlyAtBoot { get; init; }
        public bool InSync => Live == Persistent;
        public IReadOnlyList<string> Differences { get; init; } = Array.Empty<string>();
        public override string ToString() => Mask + ": " + (InSync ? "in sync" : string.Join("; ", Differences));

        /// <summary>The two masks' drift on one host (both, in sync or not).</summary>
        public static IReadOnlyList<BusMaskDrift> Compare(string computerName, ApBusConfig live, BootMasks boot) => new[]
        {
            Of(computerName, "apmask", "adapters", live.ApMask, boot.ApMask, boot.ApMaskSource),
            Of(computerName, "aqmask", "domains", live.AqMask, boot.AqMask, boot.AqMaskSource),
        };

        private static BusMaskDrift Of(string host, string name, string ids, ApMask live, ApMask persistent, BusMaskSource source)
        {
            // A cleared bit gives the id to vfio_ap.
            var onlyLive = persistent.Except(live);
            var onlyAtBoot = live.Except(persistent);
            var words = new List<string>();
            if (!onlyLive.IsEmpty) words.Add($"{ids} {onlyLive} are for vfio_ap now but go back to the host's drivers at the next boot ({name} from {SourceWords(source)})");
            if (!onlyAtBoot.IsEmpty) words.Add($"{ids} {onlyAtBoot} belong to the host's drivers now but go to vfio_ap at the next boot ({name} from {SourceWords(source)})");
            return new BusMaskDrift
            {
                ComputerName = host, Mask = name, Live = live, Persistent = persistent, Source = source,
                VfioApOnlyLive = onlyLive, VfioApOnlyAtBoot = onlyAtBoot, Differences = words,
            };
        }

        private static string SourceWords(BusMaskSource s) => s switch
        {
            BusMaskSource.UdevRule => "the udev rule",
            BusMaskSource.KernelCommandLine => "the kernel command line",
            _ => "the kernel's default",
        };
    }
}
