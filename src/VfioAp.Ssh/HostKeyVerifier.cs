using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Verifies one host's key against one or more known_hosts files (ssh_config's UserKnownHostsFile takes several):
    /// known in any file is known; a different key of the same type recorded in any file is a changed key and always
    /// refused; a revoked key is refused; an unknown key is recorded in the first file only with accept-new. The same
    /// rules hold for a jump host and for the target behind it, each under its own name and port.
    /// </summary>
    internal sealed class HostKeyVerifier
    {
        private readonly IReadOnlyList<KnownHosts> _files;
        private readonly string _host;
        private readonly int _port;
        private readonly bool _acceptNew;

        public HostKeyVerifier(IReadOnlyList<string> knownHostsFiles, string host, int port, bool acceptNew)
        {
            if (knownHostsFiles.Count == 0) throw new ArgumentException("At least one known_hosts file is needed.", nameof(knownHostsFiles));
            _files = knownHostsFiles.Select(f => new KnownHosts(f)).ToList();
            _host = host;
            _port = port;
            _acceptNew = acceptNew;
        }

        /// <summary>The verdict that made <see cref="Attach"/> refuse the key, and the file it concerns.</summary>
        public HostKeyVerdict? Rejected { get; private set; }
        public string RejectedFile { get; private set; } = "";

        /// <summary>Files as messages name them (the first one is where accept-new writes).</summary>
        public string FirstPath => _files[0].Path;

        public void Attach(BaseClient client)
        {
            client.HostKeyReceived += (_, e) =>
            {
                HostKeyVerdict? unknown = null;
                foreach (var f in _files)
                {
                    var v = f.Check(_host, _port, e.HostKey);
                    if (v.Status == HostKeyStatus.Known) { e.CanTrust = true; return; }
                    if (v.Status == HostKeyStatus.Changed || v.Status == HostKeyStatus.Revoked)
                    {
                        Rejected = v;
                        RejectedFile = f.Path;
                        e.CanTrust = false;
                        return;
                    }
                    unknown ??= v;
                }
                if (_acceptNew)
                {
                    _files[0].Append(_host, _port, e.HostKey);
                    e.CanTrust = true;
                    return;
                }
                Rejected = unknown;
                RejectedFile = FirstPath;
                e.CanTrust = false;
            };
        }

        /// <summary>
        /// Puts the host key algorithms of already-recorded key types first, as ssh does, so a host with an RSA key on
        /// record is not reported as unknown just because it also has an ED25519 key. Certificate algorithms are dropped:
        /// known_hosts @cert-authority lines are not supported, so a certificate could never be verified.
        /// </summary>
        public void PreferKnownHostKeyTypes(ConnectionInfo info)
        {
            var knownTypes = _files.SelectMany(f => f.KnownKeyTypes(_host, _port)).Distinct().ToList();
            var algorithms = info.HostKeyAlgorithms;
            var all = algorithms.ToList();
            foreach (var kv in all)
                if (kv.Key.Contains("-cert-")) algorithms.Remove(kv.Key);
            if (knownTypes.Count == 0) return;
            var kept = algorithms.ToList();
            static string TypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;
            var preferred = kept.Where(kv => knownTypes.Contains(TypeOf(kv.Key))).ToList();
            if (preferred.Count == 0) return;
            algorithms.Clear();
            foreach (var kv in preferred) algorithms.Add(kv.Key, kv.Value);
            foreach (var kv in kept) if (!preferred.Contains(kv)) algorithms.Add(kv.Key, kv.Value);
        }

        /// <summary>The refusal as the module reports it: what was offered, what is on record, and what to do.</summary>
        public SshHostException Failure(string display, Exception inner)
        {
            var v = Rejected!;
            var knownHostsPath = RejectedFile;
            string type = KnownHosts.DisplayType(v.KeyType);
            string q = "'" + v.HostEntry + "'";
            switch (v.Status)
            {
                case HostKeyStatus.Changed:
                    var old = string.Join(", ", v.RecordedKeys.Select(k => $"{k.Fingerprint} ({knownHostsPath}:{k.Line})"));
                    return new SshHostException(display, SshFailure.HostKeyChanged,
                        $"REMOTE HOST IDENTIFICATION HAS CHANGED for {v.HostEntry}: it offered the {type} key {v.Fingerprint}, but known_hosts records {old}. " +
                        "Someone could be eavesdropping on you right now (man-in-the-middle attack), or the host key has just been changed. Nothing was sent. " +
                        $"If you have verified the new key on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileWord(v.KeyType)}_key.pub), remove the old entry with: ssh-keygen -R {q} -f '{knownHostsPath}' and connect again with -AcceptNewHostKey.",
                        inner, v);
                case HostKeyStatus.Revoked:
                    return new SshHostException(display, SshFailure.HostKeyRevoked,
                        $"Host {v.HostEntry} offered the {type} key {v.Fingerprint}, which {knownHostsPath} marks @revoked. Refusing to connect.", inner, v);
                default:
                    var others = v.OtherKnownTypes.Count > 0
                        ? $" (known_hosts has {string.Join(", ", v.OtherKnownTypes.Select(KnownHosts.DisplayType))} keys for it, but the server did not offer them)"
                        : "";
                    var where = _files.Count == 1 ? knownHostsPath : string.Join(" or ", _files.Select(f => f.Path));
                    return new SshHostException(display, SshFailure.HostKeyUnknown,
                        $"The authenticity of host {v.HostEntry} can't be established: its {type} key fingerprint is {v.Fingerprint} and it is not in {where}{others}. " +
                        $"Compare the fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileWord(v.KeyType)}_key.pub); if it matches, connect once with -AcceptNewHostKey to record it, or add the host with ssh-keyscan.",
                        inner, v);
            }
        }

        private static string KeyFileWord(string keyType) => keyType switch
        {
            "ssh-ed25519" => "ed25519",
            "ssh-rsa" => "rsa",
            _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ecdsa",
            _ => "*",
        };
    }
}
