using System;
using System.Collections.Generic;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace VfioAp.Ssh.Agent
{
    /// <summary>
    /// An agent identity as SSH.NET's private-key source: SSH.NET asks a <see cref="HostAlgorithm"/> for the public key
    /// (Data) and a signature (Sign), and both come from the agent, so the private key never enters this process.
    /// RSA keys offer rsa-sha2-512 and rsa-sha2-256 (the agent's SHA-2 flags), never SHA-1 ssh-rsa, as current ssh does.
    /// </summary>
    internal sealed class SshAgentKey : IPrivateKeySource
    {
        public SshAgentKey(SshAgentClient agent, SshAgentIdentity identity)
        {
            Identity = identity;
            var algorithms = new List<HostAlgorithm>();
            if (identity.KeyType == "ssh-rsa")
            {
                algorithms.Add(new AgentAlgorithm("rsa-sha2-512", agent, identity.Blob, SshAgentClient.SSH_AGENT_RSA_SHA2_512));
                algorithms.Add(new AgentAlgorithm("rsa-sha2-256", agent, identity.Blob, SshAgentClient.SSH_AGENT_RSA_SHA2_256));
            }
            else
            {
                algorithms.Add(new AgentAlgorithm(identity.KeyType, agent, identity.Blob, 0));
            }
            HostKeyAlgorithms = algorithms;
        }

        public SshAgentIdentity Identity { get; }
        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

        private sealed class AgentAlgorithm : HostAlgorithm
        {
            private readonly SshAgentClient _agent;
            private readonly byte[] _blob;
            private readonly uint _flags;

            public AgentAlgorithm(string name, SshAgentClient agent, byte[] blob, uint flags) : base(name)
            {
                _agent = agent;
                _blob = blob;
                _flags = flags;
            }

            public override byte[] Data => _blob;

            public override byte[] Sign(byte[] data) => _agent.Sign(_blob, data, _flags);

            /// <summary>Only ever used for the server's host key, never for a user key.</summary>
            public override bool VerifySignature(byte[] data, byte[] signature) =>
                throw new NotSupportedException("An agent key is only used to sign.");
        }
    }
}
