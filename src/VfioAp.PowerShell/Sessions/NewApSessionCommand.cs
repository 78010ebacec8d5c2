using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using VfioAp.Ssh;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// New-ApSession: opens a session to a host's AP bus (this machine, a sysfs tree, a simulated host, or a remote
    /// host over SSH). Parameter sets: Local (no parameters), SysfsRoot, Simulation, Ssh (-HostName); -Name is common to all.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ApSession", DefaultParameterSetName = LocalSet)]
    [OutputType(typeof(ApSession))]
    public sealed class NewApSessionCommand : PSCmdlet
    {
        private const string LocalSet = "Local";
        private const string SysfsRootSet = "SysfsRoot";
        private const string HostRootSet = "HostRoot";
        private const string SimulationSet = "Simulation";
        private const string SshSet = "Ssh";

        /// <summary>A built-in scenario name (seed, kernel-doc, large-60x85, large-256x256 …) or a scenario JSON file.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SimulationSet)]
        [ArgumentCompleter(typeof(ScenarioNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Simulation { get; set; } = "";

        /// <summary>A directory laid out as sysfs (it holds bus/ap and devices/ap); with -HostName, that directory on the remote host (default /sys).</summary>
        [Parameter(Mandatory = true, ParameterSetName = SysfsRootSet)]
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string SysfsRoot { get; set; } = "";

        /// <summary>
        /// A directory standing for the host's / (a test root): sysfs at &lt;dir&gt;/sys, mdevctl's files at
        /// &lt;dir&gt;/etc/mdevctl.d, libvirt's at &lt;dir&gt;/etc/libvirt/qemu and &lt;dir&gt;/run/libvirt/qemu, the kernel log at
        /// &lt;dir&gt;/var/log/kern.log. Locally, or on the remote host with -HostName.
        /// </summary>
        [Parameter(Mandatory = true, ParameterSetName = HostRootSet)]
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string HostRoot { get; set; } = "";

        /// <summary>The host name output objects carry (default: the scenario's name, this machine's name for -SysfsRoot, host or host:port for -HostName).</summary>
        [Parameter(ParameterSetName = SimulationSet)]
        [Parameter(ParameterSetName = SysfsRootSet)]
        [Parameter(ParameterSetName = HostRootSet)]
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>Remote hosts to open over SSH; each becomes one session (opened in parallel).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = SshSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public string[] HostName { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = SshSet)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 22;

        /// <summary>Login name; default the user name of -Credential, else the local user's name (as ssh does).</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>An OpenSSH private key file (PEM and PuTTY keys work too).</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string? KeyFile { get; set; }

        [Parameter(ParameterSetName = SshSet)]
        public SecureString? KeyPassphrase { get; set; }

        /// <summary>User name and password for password login; the password is also what sudo gets with -UseSudo.</summary>
        [Parameter(ParameterSetName = SshSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string? KnownHostsFile { get; set; }

        [Parameter(ParameterSetName = SshSet)]
        public SwitchParameter AcceptNewHostKey { get; set; }

        [Parameter(ParameterSetName = SshSet)]
        public SwitchParameter UseSudo { get; set; }

        /// <summary>Seconds for the TCP connect, the key exchange and the login, each.</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateRange(1, 3600)]
        public int ConnectTimeout { get; set; } = 15;

        /// <summary>Seconds one remote command (a whole snapshot or a whole plan) may take.</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateRange(1, 86400)]
        public int CommandTimeout { get; set; } = 300;

        /// <summary>Seconds between SSH keepalives on an idle session.</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateRange(1, 3600)]
        public int KeepAliveInterval { get; set; } = 30;

        /// <summary>A name for Get-ApSession -Name (default ApSession&lt;Id&gt;).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == SshSet)
            {
                if (!string.IsNullOrEmpty(HostRoot) && !string.IsNullOrEmpty(SysfsRoot))
                {
                    WriteError(new VfioApException(VfioApErrorId.HostRootAndSysfsRoot, ErrorCategory.InvalidArgument,
                        "-HostRoot and -SysfsRoot both say where sysfs is: -HostRoot <dir> means sysfs at <dir>/sys.",
                        "Give -HostRoot for a whole test host, or -SysfsRoot for a sysfs tree alone.").ToErrorRecord(HostRoot));
                    return;
                }
                OpenSshSessions();
                return;
            }
            try
            {
                ApSession session = ParameterSetName switch
                {
                    SimulationSet => ApSessionFactory.OpenSimulation(Simulation, ResolvePath(Simulation), Name, ComputerName),
                    SysfsRootSet => ApSessionFactory.OpenSysfsRoot(ResolvePath(SysfsRoot) ?? SysfsRoot, Name, ComputerName),
                    HostRootSet => ApSessionFactory.OpenHostRoot(ResolvePath(HostRoot) ?? HostRoot, Name, ComputerName),
                    _ => ApSessionFactory.OpenLocal(Name),
                };
                WriteVerbose($"Opened session {session.Id} '{session.Name}': {session.Kind} {session.ComputerName}.");
                WriteObject(session);
            }
            catch (VfioApException e)
            {
                WriteError(e.ToErrorRecord(ParameterSetName == SimulationSet ? Simulation : ParameterSetName == SysfsRootSet ? SysfsRoot : ParameterSetName == HostRootSet ? HostRoot : "/sys"));
            }
        }

        /// <summary>Opens every -HostName in parallel (a host that does not answer costs its timeout, not everyone's) and writes them in the order given.</summary>
        private void OpenSshSessions()
        {
            if (HostName.Length > 1 && ComputerName is not null)
            {
                WriteError(new VfioApException("VfioAp.ComputerNameNeedsOneHost", ErrorCategory.InvalidArgument,
                    "-ComputerName names one session, but -HostName gives " + HostName.Length + " hosts.",
                    "Open the hosts one by one to give each its own -ComputerName.").ToErrorRecord(HostName));
                return;
            }
            var keyFile = KeyFile is null ? null : ResolvePath(KeyFile) ?? KeyFile;
            var knownHosts = KnownHostsFile is null ? null : ResolvePath(KnownHostsFile) ?? KnownHostsFile;
            var opening = HostName.Select(h => Task.Run(() =>
            {
                var options = new SshConnectionOptions(h)
                {
                    Port = Port,
                    UserName = UserName ?? (string.IsNullOrEmpty(Credential?.UserName) ? null : Credential!.UserName),
                    KeyFile = keyFile,
                    KeyPassphrase = KeyPassphrase is null ? null : SshSecret.FromSecureString(KeyPassphrase),
                    Password = Credential is null || Credential.Password is null || Credential.Password.Length == 0 ? null : SshSecret.FromSecureString(Credential.Password),
                    KnownHostsFile = knownHosts,
                    AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                    UseSudo = UseSudo.IsPresent,
                    SysfsRoot = !string.IsNullOrEmpty(HostRoot) ? HostRoot.TrimEnd('/') + "/sys" : string.IsNullOrEmpty(SysfsRoot) ? "/sys" : SysfsRoot,
                    HostRoot = string.IsNullOrEmpty(HostRoot) ? null : HostRoot,
                    ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeout),
                    CommandTimeout = TimeSpan.FromSeconds(CommandTimeout),
                    KeepAliveInterval = TimeSpan.FromSeconds(KeepAliveInterval),
                    ComputerName = ComputerName,
                };
                return ApSessionFactory.OpenSsh(options, Name);
            })).ToList();
            for (int i = 0; i < opening.Count; i++)
            {
                try
                {
                    var session = opening[i].GetAwaiter().GetResult();
                    WriteVerbose($"Opened session {session.Id} '{session.Name}': {session.Kind} {session.ComputerName} ({session.SysfsRoot}).");
                    WriteObject(session);
                }
                catch (VfioApException e)
                {
                    WriteError(e.ToErrorRecord(HostName[i]));
                }
                catch (ArgumentException e)
                {
                    WriteError(new VfioApException("VfioAp.InvalidHostName", ErrorCategory.InvalidArgument, e.Message,
                        "Give a host name or address.", HostName[i]).ToErrorRecord(HostName[i]));
                }
            }
        }

        /// <summary>Paths are relative to the PowerShell location ($PWD), not the process's directory; null when not a file-system path.</summary>
        private string? ResolvePath(string path)
        {
            try
            {
                return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is NotSupportedException || e is PSArgumentException)
            {
                return null;
            }
        }
    }
}
