using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// mdevctl's configuration directory on this machine: <c>&lt;root&gt;/etc/mdevctl.d</c>, where root is <c>/</c> on a
    /// real host (mdevctl's own layout; its test builds take the root from <c>MDEVCTL_ENV_ROOT</c>).
    /// </summary>
    public sealed class LocalMdevctlConfigFiles : IMdevctlConfigFiles
    {
        /// <summary>mdevctl's scripts live inside its configuration directory; they are not a parent device.</summary>
        public const string ScriptsDirectory = "scripts.d";

        public LocalMdevctlConfigFiles(string root = "/", string? hostName = null)
        {
            Root = root;
            ConfigDirectory = Path.Combine(root, "etc", "mdevctl.d").Replace('\\', '/');
            HostName = hostName ?? Environment.MachineName;
        }

        public string Root { get; }
        public string HostName { get; }
        public string ConfigDirectory { get; }

        public MdevctlConfigListing ReadAll(string? parent = null)
        {
            var result = new List<MdevctlConfigFile>();
            if (!Directory.Exists(ConfigDirectory)) return new MdevctlConfigListing(false, result);
            foreach (var dir in Directory.GetDirectories(ConfigDirectory).OrderBy(d => d, StringComparer.Ordinal))
            {
                var parentName = Path.GetFileName(dir);
                if (parentName == ScriptsDirectory || (parent is not null && parentName != parent)) continue;
                foreach (var file in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(file);
                    try
                    {
                        result.Add(new MdevctlConfigFile(parentName, name, file, File.ReadAllText(file, Utf8)));
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        result.Add(new MdevctlConfigFile(parentName, name, file, null, ex.Message));
                    }
                }
            }
            return new MdevctlConfigListing(true, result);
        }

        public void Apply(PersistPlan plan)
        {
            foreach (var op in plan.Operations)
            {
                try
                {
                    switch (op.Kind)
                    {
                        case PersistOperationKind.CreateDirectory:
                            Directory.CreateDirectory(op.Path);
                            break;
                        case PersistOperationKind.CreateFile:
                        case PersistOperationKind.ReplaceFile:
                            WriteAtomically(op.Path, op.Content!);
                            break;
                        case PersistOperationKind.DeleteFile:
                            File.Delete(op.Path);
                            break;
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new PersistenceException(op.Path, null,
                        $"could not {op.Description.Substring(0, 1).ToLowerInvariant()}{op.Description.Substring(1)} on {HostName}: {ex.Message}" +
                        (ex is UnauthorizedAccessException ? " mdevctl's directory belongs to root: run as root (or with -UseSudo over SSH)." : ""), inner: ex);
                }
            }
        }

        /// <summary>
        /// Writes a temporary file beside the target, flushes it to disk, then renames it over the target: readers
        /// (mdevctl at boot) see the old file or the new one, never a torn one.
        /// </summary>
        private static void WriteAtomically(string path, string content)
        {
            var tmp = PersistPlan.TemporaryPathFor(path, Guid.NewGuid().ToString("N"));
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                {
                    var bytes = Utf8.GetBytes(content);
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
                if (File.Exists(path)) File.Replace(tmp, path, null);
                else File.Move(tmp, path);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }

        private static readonly Encoding Utf8 = new UTF8Encoding(false);
    }
}
