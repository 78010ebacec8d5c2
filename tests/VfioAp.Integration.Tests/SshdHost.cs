using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A real OpenSSH sshd on 127.0.0.1 and a free port, with its own host key, a generated client key, its own config
    /// (key auth only, LogLevel VERBOSE to a log file) and a known_hosts file for the client side. It serves whatever
    /// directory the test points SysfsRoot at. Installs openssh-server with apt-get when sshd is missing.
    /// Everything lives in a temp directory that is removed on dispose, and the sshd process (ours) is killed.
    /// </summary>
    public sealed class SshdHost : IDisposable
    {
        public const string Sshd = "/usr/sbin/sshd";
        private Process? _process;

        private SshdHost(string dir)
        {
            Dir = dir;
        }

        public string Dir { get; }
        public int Port { get; private set; }
        public string HostKeyFile => Path.Combine(Dir, "ssh_host_ed25519_key");
        public string ClientKeyFile => Path.Combine(Dir, "client_ed25519");
        /// <summary>A known_hosts file for the client that starts empty; <see cref="TrustHostKey"/> records the host key in it.</summary>
        public string KnownHostsFile => Path.Combine(Dir, "known_hosts");
        public string LogFile => Path.Combine(Dir, "sshd.log");
        public string ConfigFile => Path.Combine(Dir, "sshd_config");

        public static SshdHost Start()
        {
            EnsureInstalled();
            var dir = Path.Combine(Path.GetTempPath(), "vfioap-sshd-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(dir);
            var host = new SshdHost(dir);
            try
            {
                Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vfioap-test-host", "-f", host.HostKeyFile);
                Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vfioap-test-client", "-f", host.ClientKeyFile);
                File.WriteAllText(Path.Combine(dir, "authorized_keys"), File.ReadAllText(host.ClientKeyFile + ".pub"));
                File.WriteAllText(host.KnownHostsFile, "");
                host.Port = FreePort();
                host.WriteConfig();
                host.Launch();
                return host;
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }

        /// <summary>Client options with the generated key and this host's known_hosts file.</summary>
        public SshConnectionOptions Options(string sysfsRoot, bool acceptNew = false) => new SshConnectionOptions("127.0.0.1")
        {
            Port = Port,
            UserName = Environment.UserName,
            KeyFile = ClientKeyFile,
            KnownHostsFile = KnownHostsFile,
            AcceptNewHostKey = acceptNew,
            SysfsRoot = sysfsRoot,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromMinutes(5),
        };

        /// <summary>The host's public key line (type, base64) from the generated .pub file.</summary>
        public (string Type, string Base64) HostPublicKey()
        {
            var parts = File.ReadAllText(HostKeyFile + ".pub").Split(' ');
            return (parts[0], parts[1]);
        }

        /// <summary>The fingerprint as ssh-keygen itself computes it (not our code), e.g. SHA256:abc….</summary>
        public string HostKeyFingerprint() => Run("ssh-keygen", "-l", "-f", HostKeyFile + ".pub").Split(' ')[1];

        /// <summary>Records the current host key as <c>[127.0.0.1]:port</c>, the way ssh would.</summary>
        public void TrustHostKey()
        {
            var (type, b64) = HostPublicKey();
            File.AppendAllText(KnownHostsFile, $"[127.0.0.1]:{Port} {type} {b64}\n");
        }

        /// <summary>A new host key on the same port: what a reinstalled host, or a man in the middle, looks like to a client.</summary>
        public void RegenerateHostKey()
        {
            StopProcess();
            File.Delete(HostKeyFile);
            File.Delete(HostKeyFile + ".pub");
            Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "vfioap-test-host-2", "-f", HostKeyFile);
            Launch();
        }

        /// <summary>How many exec requests ("Starting session: command") sshd has logged: one per remote command.</summary>
        public int CommandCount()
        {
            // The session child writes its line before running the command; give a just-finished one a moment to land.
            int last = -1;
            for (int i = 0; i < 20; i++)
            {
                int n = ReadLog().Split('\n').Count(l => l.Contains("Starting session: command"));
                if (n == last) return n;
                last = n;
                Thread.Sleep(100);
            }
            return last;
        }

        public string ReadLog()
        {
            if (!File.Exists(LogFile)) return "";
            using var fs = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var r = new StreamReader(fs);
            return r.ReadToEnd();
        }

        /// <summary>The per-connection sshd processes (children of ours), to cut a connection from the server side.</summary>
        public int[] SessionProcessIds()
        {
            if (_process is null) return Array.Empty<int>();
            var children = Path.Combine("/proc", _process.Id.ToString(), "task", _process.Id.ToString(), "children");
            if (!File.Exists(children)) return Array.Empty<int>();
            return File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        }

        private void WriteConfig()
        {
            var sb = new StringBuilder();
            sb.AppendLine($"ListenAddress 127.0.0.1");
            sb.AppendLine($"Port {Port}");
            sb.AppendLine($"HostKey {HostKeyFile}");
            sb.AppendLine($"PidFile {Path.Combine(Dir, "sshd.pid")}");
            sb.AppendLine($"AuthorizedKeysFile {Path.Combine(Dir, "authorized_keys")}");
            sb.AppendLine("PubkeyAuthentication yes");
            sb.AppendLine("PasswordAuthentication no");
            sb.AppendLine("KbdInteractiveAuthentication no");
            sb.AppendLine("PermitRootLogin prohibit-password");
            sb.AppendLine("UsePAM no");
            // The temp directory is not owned the way StrictModes wants ~/.ssh to be.
            sb.AppendLine("StrictModes no");
            sb.AppendLine("LogLevel VERBOSE");
            sb.AppendLine("PrintMotd no");
            sb.AppendLine("MaxStartups 100");
            sb.AppendLine("MaxSessions 100");
            File.WriteAllText(ConfigFile, sb.ToString());
        }

        private void Launch()
        {
            // sshd's privilege separation needs its empty directory.
            Directory.CreateDirectory("/run/sshd");
            var psi = new ProcessStartInfo(Sshd)
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var a in new[] { "-D", "-f", ConfigFile, "-E", LogFile }) psi.ArgumentList.Add(a);
            _process = Process.Start(psi) ?? throw new InvalidOperationException("sshd did not start");
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"sshd exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd()} {ReadLog()}");
                try
                {
                    using var c = new TcpClient();
                    c.Connect(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(50);
                }
            }
            throw new TimeoutException($"sshd did not listen on 127.0.0.1:{Port} within 15 s: {ReadLog()}");
        }

        private void StopProcess()
        {
            if (_process is null) return;
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
            _process = null;
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        private static readonly object InstallLock = new object();

        private static void EnsureInstalled()
        {
            lock (InstallLock)
            {
                if (File.Exists(Sshd) && File.Exists("/usr/bin/ssh-keygen")) return;
                if (Environment.UserName != "root")
                    throw new InvalidOperationException($"{Sshd} is missing and installing openssh-server needs root.");
            }
            EnsurePackage("openssh-server", Sshd);
        }

        /// <summary>Installs a Debian package when <paramref name="probe"/> is missing (tests run as root).</summary>
        public static void EnsurePackage(string package, string probe)
        {
            lock (InstallLock)
            {
                if (File.Exists(probe)) return;
                if (!TryRun("apt-get", "install", "-y", package))
                {
                    Run("apt-get", "update");
                    Run("apt-get", "install", "-y", package);
                }
            }
        }

        private static bool TryRun(string file, params string[] args)
        {
            try { Run(file, args); return true; }
            catch (InvalidOperationException) { return false; }
        }

        public static string Run(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
            return stdout.Result;
        }

        public void Dispose()
        {
            StopProcess();
            try { if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
