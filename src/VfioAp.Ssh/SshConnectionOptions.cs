using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security;

namespace VfioAp.Ssh
{
    /// <summary>A password or passphrase, given either as a SecureString (PowerShell's -Credential, Read-Host -AsSecureString) or as plain text.</summary>
    public sealed class SshSecret
    {
        private readonly SecureString? _secure;
        private readonly string? _plain;

        private SshSecret(SecureString? secure, string? plain)
        {
            _secure = secure;
            _plain = plain;
        }

        public static SshSecret FromString(string value) => new SshSecret(null, value ?? throw new ArgumentNullException(nameof(value)));
        public static SshSecret FromSecureString(SecureString value) => new SshSecret(value ?? throw new ArgumentNullException(nameof(value)), null);

        public static implicit operator SshSecret(string value) => FromString(value);
        public static implicit operator SshSecret(SecureString value) => FromSecureString(value);

        /// <summary>The text, for the one moment SSH.NET or sudo's stdin needs it. Never logged, never put on a command line.</summary>
        internal string Reveal()
        {
            if (_plain != null) return _plain;
            IntPtr p = IntPtr.Zero;
            try
            {
                p = Marshal.SecureStringToGlobalAllocUnicode(_secure!);
                return Marshal.PtrToStringUni(p) ?? "";
            }
            finally
            {
                if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p);
            }
        }

        public override string ToString() => "********";
    }

    /// <summary>Everything needed to reach one host's sysfs over SSH.</summary>
    public sealed class SshConnectionOptions
    {
        public SshConnectionOptions(string hostName)
        {
            if (string.IsNullOrWhiteSpace(hostName)) throw new ArgumentException("A host name is required.", nameof(hostName));
            HostName = hostName.Trim();
        }

        public string HostName { get; }
        public int Port { get; set; } = 22;
        /// <summary>Login name; the local user's name when null, as ssh does.</summary>
        public string? UserName { get; set; }
        /// <summary>An OpenSSH (or PEM/PuTTY) private key file. When neither a key nor a password is given, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried.</summary>
        public string? KeyFile { get; set; }
        public SshSecret? KeyPassphrase { get; set; }
        /// <summary>Password for password or keyboard-interactive authentication (and for sudo, unless <see cref="SudoPassword"/> is set).</summary>
        public SshSecret? Password { get; set; }
        /// <summary>known_hosts to verify the host key against; ~/.ssh/known_hosts when null.</summary>
        public string? KnownHostsFile { get; set; }
        /// <summary>Trust and record a host key that is not yet known (never one that changed), like StrictHostKeyChecking=accept-new.</summary>
        public bool AcceptNewHostKey { get; set; }
        /// <summary>Run the remote scripts through sudo: <c>sudo -n</c>, or <c>sudo -S</c> with the password fed on stdin.</summary>
        public bool UseSudo { get; set; }
        public SshSecret? SudoPassword { get; set; }
        /// <summary>Where sysfs is on the remote host.</summary>
        public string SysfsRoot { get; set; } = "/sys";
        /// <summary>
        /// The directory standing for the remote host's <c>/</c> (libvirt's domain files, mdevctl's directory, the kernel
        /// log). Null: the parent of <see cref="SysfsRoot"/> when that ends in <c>/sys</c> (so <c>/</c> for a real host),
        /// else none, and then only sysfs is read.
        /// </summary>
        public string? HostRoot { get; set; }

        /// <summary>The host root in effect (see <see cref="HostRoot"/>).</summary>
        public string? EffectiveHostRoot
        {
            get
            {
                if (!string.IsNullOrEmpty(HostRoot)) return HostRoot;
                var s = SysfsRoot.TrimEnd('/');
                if (s == "/sys") return "/";
                return s.EndsWith("/sys", StringComparison.Ordinal) ? s.Substring(0, s.Length - 4) : null;
            }
        }
        /// <summary>TCP connect, key exchange and authentication, each.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
        /// <summary>One remote command (a whole snapshot read or a whole plan).</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>How much output one remote command may send (see <see cref="RemoteOutputLimits"/>); the defaults fit every host the architecture allows.</summary>
        public RemoteOutputLimits OutputLimits { get; set; } = RemoteOutputLimits.Default;
        /// <summary>SSH keepalive, so NAT and firewalls keep an idle session open and a dead peer is noticed.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Identity files from ssh_config (IdentityFile), tried in order when no <see cref="KeyFile"/> is given; they replace the default ~/.ssh/id_* files.</summary>
        public IList<string> IdentityFiles { get; } = new List<string>();
        /// <summary>ssh_config IdentitiesOnly: use only the identity files (and agent keys whose public key is one of theirs).</summary>
        public bool IdentitiesOnly { get; set; }
        /// <summary>The ssh-agent socket to take keys from (SSH_AUTH_SOCK); null for no agent. Not used with <see cref="KeyFile"/> or <see cref="Password"/>.</summary>
        public string? AgentSocket { get; set; }
        /// <summary>known_hosts files from ssh_config (UserKnownHostsFile, several); <see cref="KnownHostsFile"/> wins when given.</summary>
        public IList<string> KnownHostsFiles { get; } = new List<string>();
        /// <summary>Jump hosts in order (first is connected directly), each fully described: host key, login and timeouts of its own.</summary>
        public IList<SshConnectionOptions> JumpHosts { get; } = new List<SshConnectionOptions>();
        /// <summary>The name the user typed when it is an ssh_config alias; messages name the host by it.</summary>
        public string? Alias { get; set; }

        internal IReadOnlyList<string> EffectiveKnownHostsFiles =>
            !string.IsNullOrEmpty(KnownHostsFile) ? new[] { KnownHostsFile! }
            : KnownHostsFiles.Count > 0 ? KnownHostsFiles.ToList()
            : new[] { KnownHosts.DefaultPath() };

        internal string EffectiveUserName => string.IsNullOrEmpty(UserName) ? Environment.UserName : UserName!;
        internal string EffectiveKnownHostsFile => string.IsNullOrEmpty(KnownHostsFile) ? KnownHosts.DefaultPath() : KnownHostsFile!;
        internal SshSecret? EffectiveSudoPassword => SudoPassword ?? Password;

        /// <summary>The name output objects carry (ComputerName); <see cref="Display"/> when null.</summary>
        public string? ComputerName { get; set; }

        /// <summary>host, or host:port when the port is not 22: how messages name the host.</summary>
        public string Display => !string.IsNullOrEmpty(Alias) ? Alias! : Port == 22 ? HostName : HostName + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
