using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace VfioAp.PowerShell.Loading
{
    /// <summary>
    /// The module's private load context: VfioAp.Ssh and what it brings (SSH.NET, BouncyCastle,
    /// Microsoft.Extensions.*) load here from lib/dependencies, so another module's copies of the same assemblies,
    /// loaded before or after ours, keep their own versions and ours keep theirs.
    /// </summary>
    internal sealed class DependencyLoadContext : AssemblyLoadContext
    {
        /// <summary>
        /// Shared with the cmdlet assembly (PowerShell's default context): the model, ISysfs and the exceptions users
        /// see must have one identity, so the SSH transport is the ISysfs the cmdlets call.
        /// </summary>
        private const string SharedAssembly = "VfioAp.Core";

        private readonly string _directory;

        public DependencyLoadContext(string directory)
            : base("VfioAp.Dependencies", isCollectible: false)
        {
            _directory = directory;
        }

        public string Directory => _directory;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // null hands the name to the default context: the framework, pwsh's own assemblies and VfioAp.Core.
            if (assemblyName.Name is null || assemblyName.Name == SharedAssembly)
                return null;
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
