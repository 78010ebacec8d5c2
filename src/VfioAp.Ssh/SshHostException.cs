using System;

namespace VfioAp.Ssh
{
    /// <summary>Why a host could not be used over SSH; the PowerShell layer turns each into a stable error id.</summary>
    public enum SshFailure
    {
        HostKeyUnknown,
        HostKeyChanged,
        HostKeyRevoked,
        ConnectFailed,
        Timeout,
        AuthenticationFailed,
        KeyFileUnusable,
        SudoFailed,
        ConnectionLost,
        RemoteShell,
    }

    /// <summary>A host that could not be reached, trusted, logged into or scripted; the message says which host, what happened and what to do.</summary>
    public sealed class SshHostException : Exception
    {
        public SshHostException(string host, SshFailure failure, string message, Exception? inner = null, HostKeyVerdict? hostKey = null)
            : base(message, inner)
        {
            Host = host;
            Failure = failure;
            HostKey = hostKey;
        }

        public string Host { get; }
        public SshFailure Failure { get; }
        /// <summary>For host key failures: the offered key, its fingerprint and what known_hosts holds.</summary>
        public HostKeyVerdict? HostKey { get; }
    }
}
