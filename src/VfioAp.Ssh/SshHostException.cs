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
        /// <summary>A jump host (ProxyJump, -JumpHost) could not be reached, trusted or logged into, or could not reach the next hop.</summary>
        JumpFailed,
        /// <summary>
        /// The remote command's output broke its bounds (a line or the whole output too long) or is not what the
        /// module's script prints; the command was ended. The message names the host, the byte offset and what was expected.
        /// </summary>
        RemoteOutputInvalid,
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
        /// <summary>For <see cref="SshFailure.JumpFailed"/>: the hop that failed, as user@host:port.</summary>
        public string? JumpHost { get; internal set; }
    }
}
