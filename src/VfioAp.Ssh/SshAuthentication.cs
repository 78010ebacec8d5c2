using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Common;
using VfioAp.Ssh.Agent;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The login methods for one connection, chosen as ssh chooses them: an explicit key file or password only; else
    /// the agent's keys (all of them, or with IdentitiesOnly only those matching an IdentityFile's public key), then the
    /// IdentityFiles of the configuration, then (when the configuration names none) ~/.ssh/id_ed25519, id_ecdsa, id_rsa.
    /// <see cref="Tried"/> says what was offered, so a refused login can say what to fix.
    /// </summary>
    internal sealed class SshAuthentication
    {
        private readonly SshConnectionOptions _o;
        private readonly string _display;
        private readonly List<string> _tried = new List<string>();

        private SshAuthentication(SshConnectionOptions o, string display)
        {
            _o = o;
            _display = display;
        }

        /// <summary>What was offered or could not be used, for messages ("agent key SHA256:… (ED25519)", "~/.ssh/id_rsa", "agent: not reachable …").</summary>
        public IReadOnlyList<string> Tried => _tried;
        /// <summary>Why the agent could not be used, when it was meant to be; null otherwise.</summary>
        public string? AgentProblem { get; private set; }
        public bool UsedAgent { get; private set; }

        public static (List<AuthenticationMethod> Methods, SshAuthentication Plan) Build(SshConnectionOptions o, string user, string display)
        {
            var plan = new SshAuthentication(o, display);
            return (plan.Methods(user), plan);
        }

        private List<AuthenticationMethod> Methods(string user)
        {
            var o = _o;
            var methods = new List<AuthenticationMethod>();
            var keys = new List<IPrivateKeySource>();
            if (!string.IsNullOrEmpty(o.KeyFile))
            {
                keys.Add(LoadKey(o.KeyFile!, o.KeyPassphrase, required: true)!);
                _tried.Add(o.KeyFile!);
            }
            else if (o.Password is null)
            {
                var offered = new HashSet<string>(StringComparer.Ordinal);
                IReadOnlyList<string> configured = o.IdentityFiles.ToList();
                if (!string.IsNullOrEmpty(o.AgentSocket)) AddAgentKeys(keys, offered, configured);
                var files = configured.Count > 0 ? configured : DefaultIdentityFiles();
                foreach (var path in files)
                {
                    if (!File.Exists(path))
                    {
                        if (configured.Count > 0) _tried.Add(path + " (missing)");
                        continue;
                    }
                    var pubBlob = PublicBlobOf(path);
                    if (pubBlob != null && offered.Contains(Convert.ToBase64String(pubBlob))) continue;
                    if (LoadKey(path, o.KeyPassphrase, required: false) is { } k)
                    {
                        keys.Add(k);
                        _tried.Add(path);
                    }
                    else if (configured.Count > 0)
                    {
                        _tried.Add(path + " (encrypted or unreadable, and not in the agent)");
                    }
                }
            }
            if (keys.Count > 0) methods.Add(new PrivateKeyAuthenticationMethod(user, keys.ToArray()));
            if (o.Password != null)
            {
                var password = o.Password.Reveal();
                methods.Add(new PasswordAuthenticationMethod(user, password));
                var kbd = new KeyboardInteractiveAuthenticationMethod(user);
                kbd.AuthenticationPrompt += (_, e) =>
                {
                    foreach (var prompt in e.Prompts) prompt.Response = password;
                };
                methods.Add(kbd);
            }
            if (methods.Count == 0)
                throw new SshHostException(_display, SshFailure.AuthenticationFailed,
                    $"Host {_display}: no way to log in: " + (AgentProblem != null ? AgentProblem + " " : "") +
                    (_tried.Count > 0 ? "No usable key (" + string.Join(", ", _tried) + "). " : "") +
                    "Give -KeyFile (an OpenSSH private key) or -Credential, add a key to ssh-agent (ssh-add), or create ~/.ssh/id_ed25519.");
            return methods;
        }

        private void AddAgentKeys(List<IPrivateKeySource> keys, HashSet<string> offered, IReadOnlyList<string> identityFiles)
        {
            var agent = new SshAgentClient(_o.AgentSocket!, _o.ConnectTimeout);
            IReadOnlyList<SshAgentIdentity> identities;
            try
            {
                identities = agent.RequestIdentities();
            }
            catch (SshAgentException e)
            {
                AgentProblem = e.Message;
                return;
            }
            HashSet<string>? allowed = null;
            if (_o.IdentitiesOnly)
            {
                // As ssh: with IdentitiesOnly, an agent key is used only when it is the key of a configured IdentityFile.
                allowed = new HashSet<string>(identityFiles.Select(PublicBlobOf).Where(b => b != null).Select(b => Convert.ToBase64String(b!)), StringComparer.Ordinal);
            }
            int used = 0;
            foreach (var id in identities)
            {
                if (id.KeyType.Contains("-cert-")) continue;
                var b64 = Convert.ToBase64String(id.Blob);
                if (allowed != null && !allowed.Contains(b64)) continue;
                if (!offered.Add(b64)) continue;
                keys.Add(new SshAgentKey(agent, id));
                _tried.Add($"agent key {id.Fingerprint} ({KnownHosts.DisplayType(id.KeyType)}{(string.IsNullOrEmpty(id.Comment) ? "" : " " + id.Comment)})");
                used++;
            }
            UsedAgent = used > 0;
            if (identities.Count == 0) AgentProblem = $"The SSH agent at {_o.AgentSocket} holds no keys (add one with ssh-add).";
            else if (used == 0 && allowed != null) AgentProblem = $"IdentitiesOnly is set and none of the SSH agent's {identities.Count} keys is the key of an IdentityFile.";
        }

        /// <summary>The public key of a private key file: its .pub beside it (works for encrypted keys, as ssh uses it), else null.</summary>
        internal static byte[]? PublicBlobOf(string privateKeyPath)
        {
            foreach (var path in new[] { privateKeyPath + ".pub", privateKeyPath })
            {
                try
                {
                    if (!File.Exists(path)) continue;
                    var text = File.ReadAllText(path).Trim();
                    var parts = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && !parts[0].StartsWith("-----", StringComparison.Ordinal)) return Convert.FromBase64String(parts[1]);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException) { }
            }
            return null;
        }

        private static IReadOnlyList<string> DefaultIdentityFiles()
        {
            var home = Path.GetDirectoryName(Path.GetDirectoryName(KnownHosts.DefaultPath()))!;
            return new[] { "id_ed25519", "id_ecdsa", "id_rsa" }.Select(n => Path.Combine(home, ".ssh", n)).ToList();
        }

        private IPrivateKeySource? LoadKey(string path, SshSecret? passphrase, bool required)
        {
            try
            {
                return passphrase is null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, passphrase.Reveal());
            }
            catch (Exception ex) when (ex is SshPassPhraseNullOrEmptyException || ex is SshException || ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException)
            {
                if (!required) return null;
                string why = ex is SshPassPhraseNullOrEmptyException ? "it is encrypted: give -KeyPassphrase"
                    : !File.Exists(path) ? "the file does not exist"
                    : ex is UnauthorizedAccessException ? "it cannot be read by this user"
                    : passphrase != null ? "wrong passphrase, or not a private key SSH.NET can read (OpenSSH, PEM or PuTTY format)"
                    : "not a private key SSH.NET can read (OpenSSH, PEM or PuTTY format)";
                throw new SshHostException(_display, SshFailure.KeyFileUnusable, $"Host {_display}: cannot use the key file '{path}': {why} ({ex.Message}).", ex);
            }
        }

        /// <summary>The advice for a refused login, naming what was offered (and the agent when it was involved).</summary>
        public string RefusedAdvice(string user)
        {
            if (_o.Password != null)
                return "Check -UserName and the password in -Credential, and whether the host allows password logins (PasswordAuthentication).";
            var offered = _tried.Count > 0 ? "Offered: " + string.Join(", ", _tried) + ". " : "";
            var agent = AgentProblem != null ? AgentProblem + " " : UsedAgent ? $"The SSH agent at {_o.AgentSocket} was asked to sign. " : "";
            return offered + agent + $"Is one of these public keys in ~{user}/.ssh/authorized_keys on the host? Check -UserName, -KeyFile, ssh-add -l and the IdentityFile lines of your ssh config.";
        }
    }
}
