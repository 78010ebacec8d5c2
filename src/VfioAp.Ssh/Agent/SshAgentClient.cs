using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VfioAp.Ssh.Agent
{
    /// <summary>An agent that could not be reached or refused a request; the message says which socket and what to do.</summary>
    public sealed class SshAgentException : Exception
    {
        public SshAgentException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>One public key the agent holds (its private half stays in the agent).</summary>
    public sealed class SshAgentIdentity
    {
        internal SshAgentIdentity(byte[] blob, string comment)
        {
            Blob = blob;
            Comment = comment;
            KeyType = KnownHosts.KeyTypeOf(blob);
            Fingerprint = KnownHosts.Fingerprint(blob);
        }

        /// <summary>The public key in SSH wire format, as in a .pub file's base64.</summary>
        public byte[] Blob { get; }
        public string Comment { get; }
        public string KeyType { get; }
        /// <summary>SHA256:… as ssh-add -l prints it.</summary>
        public string Fingerprint { get; }
    }

    /// <summary>
    /// The client side of the SSH agent protocol (draft-miller-ssh-agent) over the agent's UNIX socket: list the
    /// identities and have the agent sign. One short connection per request, so no state is shared between threads and
    /// a restarted agent is picked up.
    /// </summary>
    public sealed class SshAgentClient
    {
        private const byte SSH_AGENT_FAILURE = 5;
        private const byte SSH_AGENTC_REQUEST_IDENTITIES = 11;
        private const byte SSH_AGENT_IDENTITIES_ANSWER = 12;
        private const byte SSH_AGENTC_SIGN_REQUEST = 13;
        private const byte SSH_AGENT_SIGN_RESPONSE = 14;
        /// <summary>Sign flags for RSA keys: which hash the signature uses (rsa-sha2-256 / rsa-sha2-512).</summary>
        public const uint SSH_AGENT_RSA_SHA2_256 = 2;
        public const uint SSH_AGENT_RSA_SHA2_512 = 4;
        /// <summary>A sane bound on one answer (an agent with hundreds of RSA keys stays far below).</summary>
        private const int MaxMessage = 256 * 1024;

        public SshAgentClient(string socketPath, TimeSpan timeout)
        {
            if (string.IsNullOrEmpty(socketPath)) throw new ArgumentException("The agent socket path is empty.", nameof(socketPath));
            SocketPath = socketPath;
            Timeout = timeout;
        }

        public string SocketPath { get; }
        public TimeSpan Timeout { get; }

        /// <summary>The agent named by SSH_AUTH_SOCK, or null when the variable is not set.</summary>
        public static SshAgentClient? FromEnvironment(TimeSpan timeout)
        {
            var path = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
            return string.IsNullOrEmpty(path) ? null : new SshAgentClient(path!, timeout);
        }

        public IReadOnlyList<SshAgentIdentity> RequestIdentities()
        {
            var answer = Request(new[] { SSH_AGENTC_REQUEST_IDENTITIES }, "list its keys");
            var r = new WireReader(answer);
            byte type = r.Byte();
            if (type != SSH_AGENT_IDENTITIES_ANSWER) throw Refused("list its keys", type);
            uint n = r.UInt32();
            var keys = new List<SshAgentIdentity>();
            for (uint i = 0; i < n; i++)
            {
                var blob = r.String();
                var comment = Encoding.UTF8.GetString(r.String());
                keys.Add(new SshAgentIdentity(blob, comment));
            }
            return keys;
        }

        /// <summary>The agent's signature blob (string algorithm, string signature) over <paramref name="data"/>, as the SSH protocol carries it.</summary>
        public byte[] Sign(byte[] keyBlob, byte[] data, uint flags)
        {
            var w = new MemoryStream();
            w.WriteByte(SSH_AGENTC_SIGN_REQUEST);
            WireWriter.String(w, keyBlob);
            WireWriter.String(w, data);
            WireWriter.UInt32(w, flags);
            var answer = Request(w.ToArray(), "sign");
            var r = new WireReader(answer);
            byte type = r.Byte();
            if (type != SSH_AGENT_SIGN_RESPONSE)
                throw Refused($"sign with the {KnownHosts.DisplayType(KnownHosts.KeyTypeOf(keyBlob))} key {KnownHosts.Fingerprint(keyBlob)}", type);
            return r.String();
        }

        private SshAgentException Refused(string what, byte type) =>
            new SshAgentException(type == SSH_AGENT_FAILURE
                ? $"The SSH agent at {SocketPath} refused to {what} (SSH_AGENT_FAILURE): the key may be locked (ssh-add -X), need a confirmation, or be gone (ssh-add -l)."
                : $"The SSH agent at {SocketPath} answered an unexpected message ({type}) when asked to {what}.");

        private byte[] Request(byte[] message, string what)
        {
            Socket socket;
            try
            {
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            }
            catch (SocketException e)
            {
                throw new SshAgentException($"Cannot use the SSH agent at {SocketPath}: this system has no UNIX sockets ({e.Message}).", e);
            }
            using (socket)
            {
                int ms = Timeout <= TimeSpan.Zero || Timeout.TotalMilliseconds > int.MaxValue ? 0 : (int)Timeout.TotalMilliseconds;
                socket.SendTimeout = ms;
                socket.ReceiveTimeout = ms;
                try
                {
                    socket.Connect(UnixEndPoint(SocketPath));
                }
                catch (SocketException e)
                {
                    throw new SshAgentException(
                        $"Cannot reach the SSH agent at {SocketPath} (SSH_AUTH_SOCK): {e.Message} ({e.SocketErrorCode}). Is ssh-agent running? Start it (eval $(ssh-agent)) and add your key (ssh-add), or give -KeyFile.", e);
                }
                try
                {
                    var frame = new byte[4 + message.Length];
                    WriteUInt32(frame, 0, (uint)message.Length);
                    Buffer.BlockCopy(message, 0, frame, 4, message.Length);
                    SendAll(socket, frame);
                    var head = ReceiveExactly(socket, 4);
                    uint len = ((uint)head[0] << 24) | ((uint)head[1] << 16) | ((uint)head[2] << 8) | head[3];
                    if (len == 0 || len > MaxMessage) throw new SshAgentException($"The SSH agent at {SocketPath} sent a message of {len} bytes when asked to {what}; that is not an agent answer.");
                    return ReceiveExactly(socket, (int)len);
                }
                catch (SocketException e)
                {
                    throw new SshAgentException($"The SSH agent at {SocketPath} did not answer when asked to {what}: {e.Message} ({e.SocketErrorCode}).", e);
                }
            }
        }

        /// <summary>
        /// System.Net.Sockets.UnixDomainSocketEndPoint exists in every runtime PowerShell 7 runs on, but not in the
        /// netstandard2.0 surface this assembly compiles against; it is found at run time instead of multi-targeting the
        /// whole assembly for one constructor.
        /// </summary>
        private static EndPoint UnixEndPoint(string path)
        {
            var type = typeof(Socket).Assembly.GetType("System.Net.Sockets.UnixDomainSocketEndPoint")
                       ?? Type.GetType("System.Net.Sockets.UnixDomainSocketEndPoint, System.Net.Sockets");
            if (type is null) throw new SshAgentException("This .NET runtime has no UNIX domain socket support (UnixDomainSocketEndPoint), so the SSH agent cannot be used; give -KeyFile.");
            return (EndPoint)Activator.CreateInstance(type, path)!;
        }

        private static void SendAll(Socket s, byte[] data)
        {
            int sent = 0;
            while (sent < data.Length) sent += s.Send(data, sent, data.Length - sent, SocketFlags.None);
        }

        private byte[] ReceiveExactly(Socket s, int count)
        {
            var buf = new byte[count];
            int got = 0;
            while (got < count)
            {
                int n = s.Receive(buf, got, count - got, SocketFlags.None);
                if (n == 0) throw new SshAgentException($"The SSH agent at {SocketPath} closed the connection in the middle of an answer.");
                got += n;
            }
            return buf;
        }

        private static void WriteUInt32(byte[] b, int at, uint v)
        {
            b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v;
        }

        private static class WireWriter
        {
            public static void UInt32(Stream s, uint v)
            {
                s.WriteByte((byte)(v >> 24)); s.WriteByte((byte)(v >> 16)); s.WriteByte((byte)(v >> 8)); s.WriteByte((byte)v);
            }

            public static void String(Stream s, byte[] v)
            {
                UInt32(s, (uint)v.Length);
                s.Write(v, 0, v.Length);
            }
        }

        private sealed class WireReader
        {
            private readonly byte[] _b;
            private int _at;

            public WireReader(byte[] b) { _b = b; }

            public byte Byte()
            {
                if (_at >= _b.Length) throw Short();
                return _b[_at++];
            }

            public uint UInt32()
            {
                if (_at + 4 > _b.Length) throw Short();
                uint v = ((uint)_b[_at] << 24) | ((uint)_b[_at + 1] << 16) | ((uint)_b[_at + 2] << 8) | _b[_at + 3];
                _at += 4;
                return v;
            }

            public byte[] String()
            {
                uint len = UInt32();
                if (len > (uint)(_b.Length - _at)) throw Short();
                var v = new byte[len];
                Buffer.BlockCopy(_b, _at, v, 0, (int)len);
                _at += (int)len;
                return v;
            }

            private static SshAgentException Short() => new SshAgentException("The SSH agent sent a truncated answer.");
        }
    }
}
