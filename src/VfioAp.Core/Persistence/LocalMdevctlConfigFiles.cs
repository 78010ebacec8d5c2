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

        private static readonly Encoding Utf8 = new UTF8Encoding(false);
    }
}
