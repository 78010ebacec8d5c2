using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// mdevctl's start of the auto definitions when vfio_ap's parent device appears (<c>mdevctl start-parent-mdevs
    /// matrix</c> from its udev rule): it reads every UUID-named file under <c>/etc/mdevctl.d/matrix</c> in directory
    /// order (a file that is not JSON, or not a definition, ends the whole listing with an error, so nothing starts),
    /// then starts each auto definition in that order through the callout, ap-check, which refuses what an
    /// earlier-started mdev or the live masks hold (<see cref="ApCheckCallout"/>). An id the kernel does not take
    /// fails its assign write, and mdevctl removes the mdev again.
    /// </summary>
    public sealed class MdevctlAutoStart
    {
        private MdevctlAutoStart(IReadOnlyList<AutoStartEntry> entries, string? fatal)
        {
            Entries = entries;
            Fatal = fatal;
        }

        /// <summary>Every vfio_ap definition read, in mdevctl's order.</summary>
        public IReadOnlyList<AutoStartEntry> Entries { get; }
        /// <summary>Why mdevctl starts nothing at all (a definition file it cannot read), or null.</summary>
        public string? Fatal { get; }

        public IEnumerable<AutoStartEntry> Started => Entries.Where(e => e.Started);

        public AutoStartEntry? Find(Guid uuid) => Entries.FirstOrDefault(e => e.Uuid == uuid);

        /// <summary>The definitions as mdevctl reads them, before anything is started: the parsed definitions, or why mdevctl gives up.</summary>
        public static (IReadOnlyList<(MdevctlDefinition Definition, string File)> Definitions, string? Fatal) ReadDefinitions(BootFiles files)
        {
            var list = new List<(MdevctlDefinition, string)>();
            foreach (var f in files.MdevctlFiles)
            {
                if (!MdevUuid.TryParse(f.Name, out var uuid)) continue;
                if (f.Text is null)
                    return (list, $"mdevctl cannot read /{f.Path} ({f.ReadError}) and starts no mdev at boot");
                try
                {
                    list.Add((MdevctlDefinition.ParseConfig(f.Text, "/" + f.Path, uuid), f.Path));
                }
                catch (PersistenceException ex)
                {
                    return (list, $"mdevctl cannot load /{f.Path} ({ex.Message}) and starts no mdev at boot");
                }
            }
            return (list, null);
        }

        public static MdevctlAutoStart Run(BootFiles files, ApMask apmask, ApMask aqmask, int maxAdapterId, int maxDomainId)
        {
            var (definitions, fatal) = ReadDefinitions(files);
            var entries = new List<AutoStartEntry>();
            var active = new List<(Guid, ApMatrix)>();
            foreach (var (def, file) in definitions)
            {
                if (!def.IsVfioAp) continue;
                ApMatrix? matrix = null;
                string? idProblem = null;
                try { matrix = def.ToMatrix(maxAdapterId, maxDomainId); }
                catch (PersistenceException ex) { idProblem = ex.Message; }
                if (fatal is not null || def.Start != MdevStartMode.Auto)
                {
                    entries.Add(new AutoStartEntry(def.Uuid, file, def.Start, matrix, false, def.Start == MdevStartMode.Auto ? fatal : null));
                    continue;
                }
                var refusal = matrix is ApMatrix m
                    ? ApCheckCallout.RefuseStart(m, active, apmask, aqmask)
                    : $"the kernel refuses one of its assign writes ({idProblem}), so mdevctl removes the mdev again";
                if (refusal is null) active.Add((def.Uuid, matrix!.Value));
                entries.Add(new AutoStartEntry(def.Uuid, file, def.Start, matrix, refusal is null, refusal));
            }
            return new MdevctlAutoStart(entries, fatal);
        }
    }
}
