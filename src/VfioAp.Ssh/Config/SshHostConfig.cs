using System;
using System.Collections.Generic;

namespace VfioAp.Ssh.Config
{
    /// <summary>
    /// What an OpenSSH client configuration says for one host alias: the first value obtained for each keyword (as
    /// ssh_config(5) rules), IdentityFile accumulated, tokens and ~ already expanded. Null means "not set".
    /// </summary>
    public sealed class SshHostConfig
    {
        internal SshHostConfig(string alias)
        {
            Alias = alias;
        }

        /// <summary>The name the user typed (what <c>Host</c> patterns were matched against).</summary>
        public string Alias { get; }
        public string? HostName { get; internal set; }
        public int? Port { get; internal set; }
        public string? User { get; internal set; }
        /// <summary>Every IdentityFile of every matching block, in order (they accumulate, unlike other keywords).</summary>
        public IReadOnlyList<string> IdentityFiles => _identityFiles;
        public bool? IdentitiesOnly { get; internal set; }
        /// <summary>The files of the first UserKnownHostsFile line (it takes several, space-separated); null when not set.</summary>
        public IReadOnlyList<string>? UserKnownHostsFiles { get; internal set; }
        /// <summary>yes, ask, accept-new, no or off, lower case, as written.</summary>
        public string? StrictHostKeyChecking { get; internal set; }
        /// <summary>ProxyJump's value (<c>[user@]host[:port]</c>, comma-separated); "none" when the config turns it off.</summary>
        public string? ProxyJump { get; internal set; }
        public TimeSpan? ConnectTimeout { get; internal set; }
        public TimeSpan? ServerAliveInterval { get; internal set; }
        /// <summary>IdentityAgent: a socket path, "SSH_AUTH_SOCK" or "none".</summary>
        public string? IdentityAgent { get; internal set; }
        /// <summary>Things the reader skipped and the user should hear about (Match blocks), each naming file:line.</summary>
        public IReadOnlyList<string> Warnings => _warnings;
        /// <summary>The files that were read, in order (the main file first, then every Include as it was reached).</summary>
        public IReadOnlyList<string> FilesRead => _filesRead;
        /// <summary>True when at least one Host block other than <c>Host *</c> matched the alias: the alias is a configured host.</summary>
        public bool MatchedHostBlock { get; internal set; }

        internal readonly List<string> _identityFiles = new List<string>();
        internal readonly List<string> _warnings = new List<string>();
        internal readonly List<string> _filesRead = new List<string>();

        /// <summary>The name to connect to: HostName, else the alias itself.</summary>
        public string EffectiveHostName => string.IsNullOrEmpty(HostName) ? Alias : HostName!;
    }
}
