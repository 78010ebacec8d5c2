using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Changes;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// Opens sessions, one method per way of reaching a host, all ending in <see cref="Register"/>. A new transport
    /// (SSH: <c>New-ApSession -HostName</c>) adds one Open method that builds its <see cref="ISysfs"/> and registers it;
    /// nothing else changes. Failures are <see cref="VfioApException"/>s with the module's stable ids.
    /// </summary>
    public static class ApSessionFactory
    {
        public const string LocalSysfsRoot = "/sys";

        /// <summary>The session cmdlets use when -Session is not given: this machine's /sys. Not registered.</summary>
        public static ApSession CreateImplicitLocal() =>
            CreateImplicitLocal(new LocalSysfs(LocalSysfsRoot, Environment.MachineName, "/"));

        private static ApSession CreateImplicitLocal(LocalSysfs sysfs) =>
            new ApSession(0, "local", ApSessionKind.Local, sysfs, null, LocalSysfsRoot, () => sysfs.RoundTrips, null, ReachOf(sysfs), isImplicit: true);

        /// <summary>This machine's /sys. Fails with VfioAp.NoApBus when it has no AP bus.</summary>
        public static ApSession OpenLocal(string? name)
        {
            var sysfs = new LocalSysfs(LocalSysfsRoot, Environment.MachineName);
            RequireApBus(sysfs, ApSessionKind.Local);
            return Register(ApSessionKind.Local, sysfs, name, null, LocalSysfsRoot, () => sysfs.RoundTrips, null);
        }

        /// <summary>A directory laid out as sysfs; <paramref name="fullPath"/> is already resolved against the PowerShell location.</summary>
        public static ApSession OpenSysfsRoot(string fullPath, string? name, string? computerName)
        {
            if (!Directory.Exists(fullPath))
            {
                bool isFile = File.Exists(fullPath);
                throw new VfioApException(VfioApErrorId.SysfsRootNotFound, ErrorCategory.ObjectNotFound,
                    isFile ? $"-SysfsRoot '{fullPath}' is a file, not a directory; a sysfs root is a directory that contains bus/ap and devices/ap."
                           : $"-SysfsRoot '{fullPath}' does not exist (errno {(int)Errno.ENOENT} ENOENT: {ErrnoText.Describe(Errno.ENOENT)}).",
                    "Give the directory that holds bus/ap and devices/ap, e.g. one written by [VfioAp.Core.Simulation.SysfsTreeExporter]::Export, or omit -SysfsRoot for this machine's /sys.",
                    computerName ?? Environment.MachineName, fullPath, isFile ? Errno.ENOTDIR : Errno.ENOENT);
            }
            // A tree at <dir>/sys stands for a whole host: <dir> is its root (libvirt's files, mdevctl's, the kernel log).
            var trimmed = fullPath.TrimEnd('/');
            string? hostRoot = trimmed.EndsWith("/sys", StringComparison.Ordinal) ? (trimmed.Length == 4 ? "/" : trimmed.Substring(0, trimmed.Length - 4)) : null;
            var sysfs = new LocalSysfs(fullPath, computerName ?? Environment.MachineName, hostRoot);
            RequireApBus(sysfs, ApSessionKind.SysfsRoot);
            return Register(ApSessionKind.SysfsRoot, sysfs, name, null, fullPath, () => sysfs.RoundTrips, null);
        }

        /// <summary>A directory standing for a host's <c>/</c>: sysfs at &lt;dir&gt;/sys, libvirt's and mdevctl's files under &lt;dir&gt;/etc and &lt;dir&gt;/run, the kernel log at &lt;dir&gt;/var/log/kern.log.</summary>
        public static ApSession OpenHostRoot(string fullPath, string? name, string? computerName)
        {
            if (!Directory.Exists(fullPath))
                throw new VfioApException(VfioApErrorId.SysfsRootNotFound, ErrorCategory.ObjectNotFound,
                    $"-HostRoot '{fullPath}' is not a directory (errno {(int)Errno.ENOENT} ENOENT: {ErrnoText.Describe(Errno.ENOENT)}).",
                    "Give a directory that stands for the host's /, with sysfs at <dir>/sys, e.g. one written by [VfioAp.Core.Simulation.SysfsTreeExporter]::ExportHostRoot.",
                    computerName ?? Environment.MachineName, fullPath, Errno.ENOENT);
            return OpenSysfsRoot(Path.Combine(fullPath, "sys"), name, computerName);
        }

        /// <summary>
        /// A simulated host: <paramref name="argument"/> is a built-in scenario name (any case) or a scenario file;
        /// <paramref name="resolvedPath"/> is the argument resolved as a path against the PowerShell location.
        /// </summary>
        public static ApSession OpenSimulation(string argument, string? resolvedPath, string? name, string? computerName)
        {
            SimulatedKernel kernel;
            string scenario;
            var builtIn = ScenarioLibrary.BuiltInNames.FirstOrDefault(n => string.Equals(n, argument, StringComparison.OrdinalIgnoreCase));
            if (resolvedPath is not null && File.Exists(resolvedPath))
            {
                scenario = resolvedPath;
                kernel = LoadScenarioFile(resolvedPath);
            }
            else if (builtIn is not null)
            {
                scenario = builtIn;
                kernel = LoadBuiltIn(builtIn);
            }
            else if (LooksLikePath(argument))
            {
                throw new VfioApException(VfioApErrorId.ScenarioFileNotFound, ErrorCategory.ObjectNotFound,
                    $"Scenario file '{resolvedPath ?? argument}' does not exist (errno {(int)Errno.ENOENT} ENOENT: {ErrnoText.Describe(Errno.ENOENT)}).",
                    $"Check the path, or use a built-in scenario: {string.Join(", ", ScenarioLibrary.BuiltInNames)}.",
                    null, resolvedPath ?? argument, Errno.ENOENT);
            }
            else
            {
                throw new VfioApException(VfioApErrorId.UnknownScenario, ErrorCategory.ObjectNotFound,
                    $"'{argument}' is neither a built-in scenario nor a scenario file. Built-in scenarios: {string.Join(", ", ScenarioLibrary.BuiltInNames)}.",
                    "Use one of the built-in names (Tab completes them) or the path of a scenario JSON file (see about_VfioAp).",
                    null, null, Errno.None);
            }

            var sysfs = new SimulatedSysfs(kernel, computerName ?? ScenarioLibraryName(kernel, scenario));
            return Register(ApSessionKind.Simulation, sysfs, name, scenario, null, () => sysfs.RoundTrips, kernel);
        }

        /// <summary>
        /// A remote host over SSH: connects, verifies the host key against known_hosts, logs in, and checks for bus/ap
        /// under the remote sysfs root (one remote command). The connection is kept for every cmdlet of the session.
        /// </summary>
        public static ApSession OpenSsh(SshConnectionOptions options, string? name)
        {
            SshSysfs sysfs;
            try
            {
                sysfs = SshSysfs.Connect(options);
            }
            catch (SshHostException e)
            {
                throw HostFailure.FromSsh(e, options.ComputerName ?? options.Display, options.SysfsRoot);
            }
            catch (ArgumentException e)
            {
                throw new VfioApException(VfioApErrorId.InvalidSysfsRoot, ErrorCategory.InvalidArgument, e.Message,
                    "Give -SysfsRoot as an absolute path of plain characters, such as /sys.", options.Display, options.SysfsRoot, Errno.EINVAL, e);
            }
            try
            {
                RequireApBus(sysfs, ApSessionKind.Ssh);
            }
            catch (SshHostException e)
            {
                throw HostFailure.FromSsh(e, sysfs.HostName, sysfs.Root);
            }
            return Register(ApSessionKind.Ssh, sysfs, name, null, sysfs.Root, () => sysfs.RoundTrips, null);
        }

        /// <summary>Gives a transport its id and name and lists it in Get-ApSession.</summary>
        public static ApSession Register(ApSessionKind kind, ISysfs sysfs, string? name, string? scenario, string? sysfsRoot,
                                         Func<long>? roundTrips, SimulatedKernel? kernel)
        {
            int id = ApSessionRegistry.NextId();
            var session = new ApSession(id, string.IsNullOrEmpty(name) ? "ApSession" + id : name!, kind, sysfs, scenario, sysfsRoot, roundTrips, kernel, ReachOf(sysfs));
            ApSessionRegistry.Add(session);
            return session;
        }

        /// <summary>A simulated session after its host's reboot: the booted kernel's transport in place of the old one, same name.</summary>
        internal static void Reboot(ApSession session, SimulatedKernel booted)
        {
            if (session.Kind != ApSessionKind.Simulation || session.Sysfs is not SimulatedSysfs old)
                throw new InvalidOperationException($"Session {session.Name} is not a simulated host.");
            var sysfs = new SimulatedSysfs(booted, old.HostName) { AsRoot = old.AsRoot };
            session.Replace(sysfs, booted, () => sysfs.RoundTrips, ReachOf(sysfs));
        }

        /// <summary>
        /// What the transport can do beyond reading. The one place that tells transports apart: every transport lets this
        /// process hold the host's AP configuration lock across a re-plan (a sysfs tree here: the lock file; a simulated
        /// host: its own lock; SSH: a remote shell on the session's connection that holds it); over SSH mdevctl's
        /// directory is reached through the host's shell.
        /// </summary>
        private static HostReach ReachOf(ISysfs sysfs)
        {
            var hostRoot = (sysfs as IHostRooted)?.HostRoot;
            switch (sysfs)
            {
                case LocalSysfs local:
                    return new HostReach(new ChangeHost(local, local.HostLock), hostRoot, null);
                case SimulatedSysfs sim:
                    return new HostReach(new ChangeHost(sim, sim.HostLock), hostRoot, null);
                case SshSysfs ssh:
                    return new HostReach(new ChangeHost(ssh, ssh.HostLock), hostRoot, root => new ShellMdevctlConfigFiles(ssh.HostName, root, ssh.RunShell));
                default:
                    // Another transport (a test's): the engine runs its plans, each taking the lock itself.
                    return new HostReach(new ChangeHost(sysfs, null), hostRoot,
                        sysfs is IHostShell shell ? root => new ShellMdevctlConfigFiles(sysfs.HostName, root, shell.RunShell) : null);
            }
        }

        private static SimulatedKernel LoadBuiltIn(string name)
        {
            try
            {
                return ScenarioLibrary.Load(name);
            }
            catch (ScenarioException e)
            {
                // A built-in scenario that does not load is the module's bug, but it still gets a proper record.
                throw new VfioApException(VfioApErrorId.ScenarioInvalid, ErrorCategory.InvalidData,
                    $"Built-in scenario '{name}' could not be loaded: {e.Message}", "Report this as a bug of the VfioAp module.", null, e.Source, Errno.None, e);
            }
        }

        private static SimulatedKernel LoadScenarioFile(string path)
        {
            string json;
            try
            {
                json = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new VfioApException(VfioApErrorId.ScenarioInvalid, ErrorCategory.ReadError,
                    $"Scenario file '{path}' cannot be read: {e.Message}", "Check the file's permissions.", null, path,
                    e is UnauthorizedAccessException ? Errno.EACCES : Errno.EIO, e);
            }
            try
            {
                return ScenarioLibrary.FromJson(json, path);
            }
            catch (ScenarioException e)
            {
                throw new VfioApException(VfioApErrorId.ScenarioInvalid, ErrorCategory.InvalidData,
                    $"Invalid scenario file: {e.Message}",
                    "Fix the entry named above; the format is described in about_VfioAp (SCENARIO FILES).", null, path, Errno.None, e);
            }
        }

        /// <summary>A simulated host is named after its scenario ("name" in the file, else the file's name).</summary>
        private static string ScenarioLibraryName(SimulatedKernel kernel, string scenario) =>
            string.IsNullOrEmpty(kernel.ScenarioName) ? Path.GetFileNameWithoutExtension(scenario) : kernel.ScenarioName;

        private static bool LooksLikePath(string argument) =>
            argument.IndexOf('/') >= 0 || argument.IndexOf('\\') >= 0
            || argument.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || argument.StartsWith("~", StringComparison.Ordinal);

        /// <summary>One round trip that proves the tree is an AP host, so a wrong root fails at New-ApSession, not later.</summary>
        private static void RequireApBus(ISysfs sysfs, ApSessionKind kind)
        {
            SysfsReadResult result;
            try
            {
                result = sysfs.ReadMany(new[] { new SysfsQuery(SysfsLayout.ApBus, SysfsQueryKind.Exists) });
            }
            catch
            {
                sysfs.Dispose();
                throw;
            }
            if (result[SysfsLayout.ApBus] is { Ok: true }) return;
            sysfs.Dispose();
            var path = sysfs.Root.TrimEnd('/') + "/" + SysfsLayout.ApBus;
            throw new VfioApException(VfioApErrorId.NoApBus, ErrorCategory.ResourceUnavailable,
                kind == ApSessionKind.Local
                    ? $"Host '{sysfs.HostName}' has no AP bus: {path} does not exist. This is not an IBM Z / LinuxONE Linux with the AP bus."
                    : kind == ApSessionKind.Ssh
                    ? $"Host '{sysfs.HostName}' has no AP bus: {path} does not exist there."
                    : $"'{sysfs.Root}' is not a sysfs root of an AP host: {path} does not exist.",
                kind == ApSessionKind.Local
                    ? "Run on an IBM Z or LinuxONE Linux, or open a simulated host: New-ApSession -Simulation seed."
                    : kind == ApSessionKind.Ssh
                    ? "Check that the host is an IBM Z / LinuxONE Linux with the ap module loaded, and -SysfsRoot (default /sys)."
                    : "Give the directory that holds bus/ap and devices/ap (the sysfs root itself, not a subdirectory).",
                sysfs.HostName, path, Errno.ENOENT);
        }
    }
}
