using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// One host's snapshot and its persistent boot state, read in the same one batch, kept per session for the query
    /// that runs after the read. mdevctl's definitions can come from a local directory instead (-MdevctlRoot, as
    /// Export-VfioApMdev -Persist writes them for a simulated host or a sysfs tree, which have no mdevctl directory of their own).
    /// </summary>
    internal sealed class BootStateReads
    {
        private readonly ConcurrentDictionary<ApSession, BootFiles> _files = new ConcurrentDictionary<ApSession, BootFiles>();

        /// <summary>A local directory standing for mdevctl's root (definitions in &lt;root&gt;/etc/mdevctl.d/matrix), or null.</summary>
        public string? MdevctlRoot { get; set; }

        public HostSnapshot Read(ApSession session, SnapshotParts parts)
        {
            var (snapshot, files) = BootStateFiles.Read(session.Sysfs, parts);
            _files[session] = MdevctlRoot is string root ? files.WithMdevctlFiles(LocalDefinitions(root)) : files;
            return snapshot;
        }

        /// <summary>The files read with the session's snapshot (call after the snapshot was read).</summary>
        public BootFiles FilesOf(ApSession session) => _files[session];

        public BootFiles ReadFiles(ApSession session)
        {
            Read(session, SnapshotParts.Bus);
            return FilesOf(session);
        }

        internal static IEnumerable<BootFile> LocalDefinitions(string root)
        {
            var dir = Path.Combine(root, BootFiles.MdevctlMatrixDirectory);
            if (!Directory.Exists(dir)) return Enumerable.Empty<BootFile>();
            return Directory.GetFiles(dir).Select(f => new BootFile(BootFiles.MdevctlMatrixDirectory + "/" + Path.GetFileName(f), File.ReadAllText(f))).ToList();
        }
    }
}
