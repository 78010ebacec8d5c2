using System.Collections.Generic;

namespace VfioAp.Core.Persistence
{
    /// <summary>A file found under mdevctl's configuration directory: <c>&lt;parent&gt;/&lt;name&gt;</c>, its text or why it could not be read.</summary>
    public sealed class MdevctlConfigFile
    {
        public MdevctlConfigFile(string parent, string name, string path, string? content, string? readError = null)
        {
            Parent = parent;
            Name = name;
            Path = path;
            Content = content;
            ReadError = readError;
        }

        /// <summary>The parent directory's name (<c>matrix</c>).</summary>
        public string Parent { get; }
        /// <summary>The file name (mdevctl's: the UUID).</summary>
        public string Name { get; }
        /// <summary>The absolute path on the host.</summary>
        public string Path { get; }
        public string? Content { get; }
        public string? ReadError { get; }
    }

    /// <summary>What one read of mdevctl's configuration directory found.</summary>
    public sealed class MdevctlConfigListing
    {
        public MdevctlConfigListing(bool directoryExists, IReadOnlyList<MdevctlConfigFile> files)
        {
            DirectoryExists = directoryExists;
            Files = files;
        }

        /// <summary>False when the directory is missing: mdevctl is not installed on the host.</summary>
        public bool DirectoryExists { get; }
        public IReadOnlyList<MdevctlConfigFile> Files { get; }
    }

    /// <summary>
    /// mdevctl's configuration directory on one host (<c>/etc/mdevctl.d</c>, or under a test root), for reading. The local
    /// implementation uses the file system; a remote one answers each call in one round trip. Nothing writes through
    /// it: a definition is written by a change plan (<see cref="PersistPlan.ToChangePlan"/>) under the host's lock.
    /// </summary>
    public interface IMdevctlConfigFiles
    {
        string HostName { get; }
        /// <summary>The directory's absolute path on the host.</summary>
        string ConfigDirectory { get; }
        /// <summary>Every regular file one level below a parent directory, skipping <c>scripts.d</c>, with its text; one round trip.</summary>
        MdevctlConfigListing ReadAll(string? parent = null);
    }
}
