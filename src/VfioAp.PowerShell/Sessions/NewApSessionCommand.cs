using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using VfioAp.Ssh;
using VfioAp.Ssh.Config;
using VfioAp.PowerShell.Errors;

using VfioAp.PowerShell.Threading;

namespace VfioAp.PowerShell.Sessions
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

        // The admin's own SSH setup (ssh_config, ssh-agent, jump hosts); explicit parameters above win over the config.

        /// <summary>An OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config; "none" reads none (as ssh -F).</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string? SshConfigFile { get; set; }

        /// <summary>Jump hosts as ssh -J takes them: [user@]host[:port], several comma-separated, first hop first; "none" ignores ProxyJump.</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateNotNullOrEmpty]
        public string[]? JumpHost { get; set; }

        /// <summary>How many hosts of -HostName are opened at the same time (each on its own thread; default 32).</summary>
        [Parameter(ParameterSetName = SshSet)]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

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

        /// <summary>
        /// Opens every -HostName in parallel, at most -ThrottleLimit at a time on dedicated threads (see
        /// <see cref="WorkerFanOut{TKey,T}"/>: a host that does not answer costs its timeout, not everyone's), and
        /// writes them in the order given.
        /// </summary>
        private void OpenSshSessions()
        {
            if (HostName.Length > 1 && ComputerName is not null)
            {
                WriteError(new VfioApException(VfioApErrorId.ComputerNameNeedsOneHost, ErrorCategory.InvalidArgument,
                    "-ComputerName names one session, but -HostName gives " + HostName.Length + " hosts.",
                    "Open the hosts one by one to give each its own -ComputerName.").ToErrorRecord(HostName));
                return;
            }
            var context = SshConfigContext.Current();
            var given = Given(context);
            if (given.ConfigFiles.Count == 1 && !System.IO.File.Exists(given.ConfigFiles[0]) && SshConfigFile is not null)
            {
                WriteError(new VfioApException(VfioApErrorId.SshConfigInvalid, ErrorCategory.ObjectNotFound,
                    $"-SshConfigFile '{given.ConfigFiles[0]}' does not exist.", "Give an OpenSSH client config file, or -SshConfigFile none to read none.", null,
                    given.ConfigFiles[0], VfioAp.Core.Model.Errno.ENOENT).ToErrorRecord(given.ConfigFiles[0]));
                return;
            }
            // The config is read here, on the pipeline thread, so its warnings (Match blocks) are written once, in order.
            var warnings = new List<string>();
            var planned = HostName.Select(h => Plan(h, given, context, warnings)).ToList();
            foreach (var w in warnings) WriteWarning(w);
            // Hosts whose configuration was refused above fail on their own; the rest open on the opener's own threads.
            // (Opening blocks on TCP, key exchange and login: see WorkerFanOut for why these are dedicated threads.)
            using var opener = new WorkerFanOut<int, ApSession>(ThrottleLimit, "VfioAp session opener");
            _opener = opener;
            for (int i = 0; i < planned.Count; i++)
            {
                int index = i;
                opener.Enqueue(index, () => planned[index].Options is { } options ? ApSessionFactory.OpenSsh(options, Name) : throw planned[index].Error!);
            }
            // Written in the order the hosts were given, each as soon as it and every host before it are done.
            var finished = new Dictionary<int, FanOutResult<int, ApSession>>();
            for (int i = 0; i < planned.Count; i++)
            {
                if (!NextInOrder(opener, finished, i)) break;
                var session = finished[i].Value;
                var failure = finished[i].Failure;
                try
                {
                    if (failure != null) throw failure;
                    WriteVerbose($"Opened session {session!.Id} '{session.Name}': {session.Kind} {session.ComputerName} ({session.SysfsRoot}).");
                    WriteObject(session);
                }
                catch (VfioApException e)
                {
                    WriteError(e.ToErrorRecord(HostName[i]));
                }
                catch (ArgumentException e)
                {
                    WriteError(new VfioApException(VfioApErrorId.InvalidHostName, ErrorCategory.InvalidArgument, e.Message,
                        "Give a host name or address.", HostName[i]).ToErrorRecord(HostName[i]));
                }
            }
        }

        /// <summary>Waits until host <paramref name="index"/> is done, keeping hosts that finish before it; false after Ctrl+C.</summary>
        private static bool NextInOrder(WorkerFanOut<int, ApSession> opener, Dictionary<int, FanOutResult<int, ApSession>> finished, int index)
        {
            try
            {
                while (!finished.ContainsKey(index))
                {
                    if (!opener.TryTake(wait: true, out var done) || done is null) return false;
                    finished[done.Key] = done;
                }
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        /// <summary>What the parameters say about every host (ssh_config fills in the rest per host).</summary>
        private SshExplicitSettings Given(SshConfigContext context)
        {
            var keyFile = KeyFile is null ? null : ResolvePath(KeyFile) ?? KeyFile;
            var knownHosts = KnownHostsFile is null ? null : ResolvePath(KnownHostsFile) ?? KnownHostsFile;
            var bound = MyInvocation.BoundParameters;
            return new SshExplicitSettings
            {
                Port = bound.ContainsKey(nameof(Port)) ? Port : null,
                UserName = UserName ?? (string.IsNullOrEmpty(Credential?.UserName) ? null : Credential!.UserName),
                KeyFile = keyFile,
                KeyPassphrase = KeyPassphrase is null ? null : SshSecret.FromSecureString(KeyPassphrase),
                Password = Credential is null || Credential.Password is null || Credential.Password.Length == 0 ? null : SshSecret.FromSecureString(Credential.Password),
                KnownHostsFile = knownHosts,
                AcceptNewHostKey = AcceptNewHostKey.IsPresent,
                ConnectTimeout = bound.ContainsKey(nameof(ConnectTimeout)) ? TimeSpan.FromSeconds(ConnectTimeout) : null,
                KeepAliveInterval = bound.ContainsKey(nameof(KeepAliveInterval)) ? TimeSpan.FromSeconds(KeepAliveInterval) : null,
                JumpHost = JumpHost is null ? null : string.Join(",", JumpHost),
                ConfigFiles = ConfigFiles(context),
                AgentSocketFromEnvironment = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK"),
            };
        }

        /// <summary>One host's connection options from the parameters and ssh_config, or why it cannot be opened.</summary>
        private (SshConnectionOptions? Options, VfioApException? Error) Plan(string h, SshExplicitSettings given, SshConfigContext context, List<string> warnings)
        {
            try
            {
                var options = SshOptionsBuilder.Build(h, given, context, warnings);
                options.UseSudo = UseSudo.IsPresent;
                options.SysfsRoot = !string.IsNullOrEmpty(HostRoot) ? HostRoot!.TrimEnd('/') + "/sys" : string.IsNullOrEmpty(SysfsRoot) ? "/sys" : SysfsRoot;
                options.HostRoot = string.IsNullOrEmpty(HostRoot) ? null : HostRoot;
                options.CommandTimeout = TimeSpan.FromSeconds(CommandTimeout);
                options.ComputerName = ComputerName;
                return (options, null);
            }
            catch (SshConfigException e)
            {
                return (null, e.DisablesHostKeyCheck
                    ? new VfioApException(VfioApErrorId.SshHostKeyCheckingDisabled, ErrorCategory.SecurityError, e.Message,
                        "Remove StrictHostKeyChecking no/off for this host (or override it with a Host block before it: first value wins), record the host key with ssh-keyscan, or connect once with -AcceptNewHostKey.", h)
                    : new VfioApException(VfioApErrorId.SshConfigInvalid, ErrorCategory.InvalidData, "Cannot use the SSH configuration: " + e.Message,
                        "Fix the line named above (ssh -G " + h + " shows how ssh reads it), or give -SshConfigFile none.", h));
            }
            catch (ArgumentException e)
            {
                return (null, new VfioApException(VfioApErrorId.InvalidHostName, ErrorCategory.InvalidArgument, e.Message, "Give a host name or address.", h));
            }
        }

        /// <summary>-SshConfigFile (resolved against $PWD), or ~/.ssh/config then /etc/ssh/ssh_config as ssh reads them; none for "none".</summary>
        private IReadOnlyList<string> ConfigFiles(SshConfigContext context)
        {
            if (SshConfigFile is null) return new[] { VfioAp.Ssh.Config.SshConfigFile.DefaultUserPath(context), VfioAp.Ssh.Config.SshConfigFile.SystemPath };
            if (string.Equals(SshConfigFile, "none", StringComparison.OrdinalIgnoreCase)) return Array.Empty<string>();
            return new[] { ResolvePath(SshConfigFile) ?? SshConfigFile };
        }

        private WorkerFanOut<int, ApSession>? _opener;

        protected override void StopProcessing() => _opener?.Cancel();

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
