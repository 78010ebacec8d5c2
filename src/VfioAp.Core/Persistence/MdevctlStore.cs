using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Persistence
{
    /// <summary>What was found under mdevctl's configuration directory: definitions, files that could not be used, and files mdevctl itself ignores.</summary>
    public sealed class MdevctlStoreContents
    {
        public MdevctlStoreContents(IEnumerable<MdevctlDefinition> definitions, IEnumerable<PersistenceException> problems, IEnumerable<MdevctlConfigFile> ignored,
                                    bool directoryExists = true, string? configDirectory = null)
        {
            DirectoryExists = directoryExists;
            ConfigDirectory = configDirectory;
            Definitions = definitions.ToList();
            Problems = problems.ToList();
            Ignored = ignored.ToList();
        }

        /// <summary>False when mdevctl's configuration directory is missing (mdevctl not installed): there are no definitions.</summary>
        public bool DirectoryExists { get; }
        public string? ConfigDirectory { get; }
        public IReadOnlyList<MdevctlDefinition> Definitions { get; }
        /// <summary>Files named by a UUID whose content mdevctl could not use either (it would refuse to list them).</summary>
        public IReadOnlyList<PersistenceException> Problems { get; }
        /// <summary>Files whose name is not a UUID: mdevctl skips them with a warning, and so does the store.</summary>
        public IReadOnlyList<MdevctlConfigFile> Ignored { get; }

        public MdevctlDefinition? Find(Guid uuid, string parent = MdevctlDefinition.MatrixParent) =>
            Definitions.FirstOrDefault(d => d.Uuid == uuid && d.Parent == parent);
    }

    /// <summary>
    /// mdevctl's persistent definitions on one host: read them as mdevctl does, and plan the file operations that
    /// make a set of definitions persistent without touching anything else in the directory.
    /// </summary>
    public sealed class MdevctlStore
    {
        public MdevctlStore(IMdevctlConfigFiles files)
        {
            Files = files;
        }

        public IMdevctlConfigFiles Files { get; }

        /// <summary>Reads every definition under <paramref name="parent"/> (all parents when null), one file at a time so one bad file does not hide the others.</summary>
        public MdevctlStoreContents ReadAll(string? parent = MdevctlDefinition.MatrixParent)
        {
            var defs = new List<MdevctlDefinition>();
            var problems = new List<PersistenceException>();
            var ignored = new List<MdevctlConfigFile>();
            var listing = Files.ReadAll(parent);
            foreach (var f in listing.Files)
            {
                if (!MdevUuid.TryParse(f.Name, out var uuid))
                {
                    ignored.Add(f);
                    continue;
                }
                if (f.Content is null)
                {
                    problems.Add(new PersistenceException(f.Path, null, $"cannot be read on {Files.HostName}: {f.ReadError}"));
                    continue;
                }
                try
                {
                    defs.Add(MdevctlDefinition.ParseConfig(f.Content, f.Path, uuid, f.Parent));
                }
                catch (PersistenceException ex)
                {
                    problems.Add(ex);
                }
            }
            return new MdevctlStoreContents(defs, problems, ignored, listing.DirectoryExists, Files.ConfigDirectory);
        }

        /// <summary>The absolute path mdevctl uses for a definition: <c>&lt;config dir&gt;/&lt;parent&gt;/&lt;lowercase hyphenated uuid&gt;</c>.</summary>
        public string PathOf(Guid uuid, string parent = MdevctlDefinition.MatrixParent) =>
            Files.ConfigDirectory.TrimEnd('/') + "/" + parent + "/" + MdevUuid.Format(uuid);

        /// <summary>
        /// The definitions to persist for live matrices: an existing definition keeps its unknown fields and
        /// attributes and its start mode unless <paramref name="start"/> is given; a new one gets
        /// <paramref name="start"/> or <paramref name="startForNew"/>.
        /// </summary>
        public static IReadOnlyList<MdevctlDefinition> Merge(MdevctlStoreContents existing, IEnumerable<(Guid Uuid, ApMatrix Matrix)> live,
                                                             MdevStartMode? start, MdevStartMode startForNew = MdevStartMode.Auto)
        {
            var result = new List<MdevctlDefinition>();
            foreach (var (uuid, matrix) in live)
            {
                var old = existing.Find(uuid);
                var def = old is null
                    ? MdevctlDefinition.FromMatrix(uuid, matrix, start ?? startForNew)
                    : old.WithMatrix(matrix);
                if (old is not null && start is MdevStartMode s && s != old.Start) def = def.WithStart(s);
                result.Add(def);
            }
            return result;
        }

        /// <summary>
        /// The file operations that make <paramref name="definitions"/> what mdevctl finds: a file is created or
        /// replaced only where its text would change, the parent directory created when missing, and a second
        /// file for the same UUID under another spelling (upper case, braces) removed so mdevctl lists it once.
        /// Refuses (before anything is written) when mdevctl's configuration directory does not exist.
        /// </summary>
        public PersistPlan PlanPersist(IEnumerable<MdevctlDefinition> definitions)
        {
            var listing = Files.ReadAll();
            if (!listing.DirectoryExists)
                throw new PersistenceException(Files.ConfigDirectory, null,
                    $"mdevctl's configuration directory does not exist on {Files.HostName}, so mdevctl is not installed there and nothing would read a definition at boot. Install mdevctl (Debian/Ubuntu: apt-get install mdevctl; RHEL/Fedora: dnf install mdevctl) and try again.", mdevctlMissing: true);
            var files = listing.Files;
            var ops = new List<PersistOperation>();
            var unchanged = new List<MdevctlDefinition>();
            var dirsCreated = new HashSet<string>(StringComparer.Ordinal);
            var seen = new HashSet<(Guid, string)>();
            foreach (var def in definitions)
            {
                if (!seen.Add((def.Uuid, def.Parent)))
                    throw new PersistenceException(def.Source, MdevUuid.Format(def.Uuid), $"the mdev {MdevUuid.Format(def.Uuid)} is given twice; persist each mdev once.");
                var path = PathOf(def.Uuid, def.Parent);
                var text = def.ToConfigJson();
                var sameUuid = files.Where(f => f.Parent == def.Parent && MdevUuid.TryParse(f.Name, out var u) && u == def.Uuid).ToList();
                var current = sameUuid.FirstOrDefault(f => f.Path == path);
                string detail = Describe(def);
                if (current is null)
                {
                    if (!files.Any(f => f.Parent == def.Parent) && dirsCreated.Add(def.Parent))
                        ops.Add(new PersistOperation(PersistOperationKind.CreateDirectory, Files.ConfigDirectory.TrimEnd('/') + "/" + def.Parent));
                    ops.Add(new PersistOperation(PersistOperationKind.CreateFile, path, text, null, def.Uuid, detail));
                }
                else if (current.Content != text)
                {
                    ops.Add(new PersistOperation(PersistOperationKind.ReplaceFile, path, text, current.Content, def.Uuid, detail));
                }
                else
                {
                    unchanged.Add(def);
                }
                foreach (var alias in sameUuid.Where(f => f.Path != path))
                    ops.Add(new PersistOperation(PersistOperationKind.DeleteFile, alias.Path, null, alias.Content, def.Uuid,
                        $"the same UUID spelled '{alias.Name}'; mdevctl would list {MdevUuid.Format(def.Uuid)} twice"));
            }
            return new PersistPlan(Files.HostName, Files.ConfigDirectory, ops, unchanged);
        }

        private static string Describe(MdevctlDefinition def)
        {
            var words = "start " + def.Start.ToMdevctl();
            try
            {
                var m = def.ToMatrix();
                words += $", adapters {m.Adapters}, domains {m.Domains}, control domains {m.ControlDomains}";
            }
            catch (PersistenceException)
            {
                words += ", " + def.Attributes.Count + " attribute(s)";
            }
            return words;
        }
    }
}
