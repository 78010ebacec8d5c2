using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace VfioAp.PowerShell.Loading
{
    /// <summary>
    /// Runs when Import-Module loads the cmdlet assembly: from then on, the one name the cmdlet assembly needs from
    /// lib/dependencies (VfioAp.Ssh) resolves in the module's private load context. Only that name is answered, so
    /// nothing else in the session is steered to our copies, and SSH.NET and its dependencies are never seen by the
    /// default context (PowerShell's "resolving module assembly dependency conflicts" pattern).
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>The assembly the cmdlets reference directly that lives in lib/dependencies.</summary>
        private const string BridgeAssembly = "VfioAp.Ssh";

        private static readonly object Gate = new object();
        private static DependencyLoadContext? _context;
        private static bool _registered;

        /// <summary>lib/dependencies beside the cmdlet assembly.</summary>
        internal static string DependencyDirectory =>
            Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        public void OnImport()
        {
            lock (Gate)
            {
                if (_registered)
                    return;
                AssemblyLoadContext.Default.Resolving += ResolveBridge;
                _registered = true;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            lock (Gate)
            {
                if (!_registered)
                    return;
                // Once bound, the cmdlet assembly keeps its VfioAp.Ssh (the runtime caches the binding), so a later
                // Import-Module -Force still works; removing the handler just leaves the session as we found it.
                AssemblyLoadContext.Default.Resolving -= ResolveBridge;
                _registered = false;
            }
        }

        private static Assembly? ResolveBridge(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            if (!string.Equals(name.Name, BridgeAssembly, StringComparison.Ordinal))
                return null;
            // Only when the module is laid out with a dependencies folder (ps-module/VfioAp, the package); a host that
            // references the projects directly (the xunit tests) finds VfioAp.Ssh beside it and never gets here.
            var directory = DependencyDirectory;
            if (!File.Exists(Path.Combine(directory, BridgeAssembly + ".dll")))
                return null;
            DependencyLoadContext context;
            lock (Gate)
                context = _context ??= new DependencyLoadContext(directory);
            return context.LoadFromAssemblyName(name);
        }
    }
}
