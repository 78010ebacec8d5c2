using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Boot
{
    /// <summary>Why a guest's crypto does not come back as it is, in words an admin acts on.</summary>
    internal static class BootReasons
    {
        public static List<string> For(LibvirtGuest g, Guid uuid, VfioApMdev? live, AutoStartEntry? entry, MdevctlAutoStart auto, BootMasks masks, bool guestStarts)
        {
            var reasons = new List<string>();
            var id = MdevUuid.Format(uuid);
            if (live is not null && MaskReason(live.Matrix, masks) is string maskReason) reasons.Add(maskReason);
            if (auto.Fatal is not null) reasons.Add(auto.Fatal);
            else if (entry is null)
                reasons.Add($"mdev {id} is not defined in mdevctl (no /{BootFiles.MdevctlMatrixDirectory}/{id}): nothing re-creates it at boot");
            else if (entry.Start != MdevStartMode.Auto)
                reasons.Add($"the mdevctl definition /{entry.File} is manual: mdevctl does not start it at boot");
            else if (!entry.Started && entry.Refusal is not null)
                reasons.Add(entry.Refusal);
            if (entry?.Matrix is ApMatrix defined && live is not null && defined != live.Matrix)
                reasons.Add($"the mdevctl definition /{entry.File} differs from the live matrix: defined {defined}; live {live.Matrix}");
            if (g.IsActive && !(g.Autostart && g.Persistent))
                reasons.Add($"domain {g.Name} is not autostart: libvirt does not start it with the host");
            else if (g.Autostart && g.Persistent && !guestStarts)
                reasons.Add($"domain {g.Name} is autostart but cannot start: an mdev it references ({string.Join(", ", g.Mdevs.Select(MdevUuid.Format))}) is not there after the boot");
            return reasons;
        }

        /// <summary>The APQNs of the live matrix the boot masks give to the host's drivers: a mask that was changed live and not persisted.</summary>
        private static string? MaskReason(ApMatrix matrix, BootMasks masks)
        {
            var adapters = matrix.Adapters.Mask & masks.ApMask;
            var domains = matrix.Domains.Mask & masks.AqMask;
            if (adapters.IsEmpty || domains.IsEmpty) return null;
            var apqns = ApCheckCallout.Shared(matrix, masks.ApMask, masks.AqMask);
            return $"mask not persisted: at boot apmask ({Words(masks.ApMaskSource)}) keeps adapters {adapters} and aqmask ({Words(masks.AqMaskSource)}) keeps domains {domains} for the host's drivers, so APQN {ApCheckCallout.Show(apqns)} go to the host";
        }

        private static string Words(BusMaskSource s) => s switch
        {
            BusMaskSource.UdevRule => "udev rule",
            BusMaskSource.KernelCommandLine => "kernel command line",
            _ => "kernel default",
        };
    }
}
