using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Security;
using VfioAp.Ssh;
using VfioAp.Ssh.Agent;
using Xunit;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The agent protocol client against the real OpenSSH ssh-agent started here: the identities ssh-add put in are
    /// listed with the fingerprints ssh-keygen prints, and the signatures the agent makes verify with the public key
    /// (RSA with the hash the SHA-2 flag asks for). A stopped agent is an error that names its socket.
    /// </summary>
    public sealed class SshAgentClientTests : IDisposable
    {
        private readonly string _dir;
        private readonly string _socket;
        private readonly Process _agent;

        public SshAgentClientTests()
        {
            _dir = Path.Combine(Path.GetTempPath(), "vfioap-agent-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(_dir);
            _socket = Path.Combine(_dir, "agent.sock");
            var psi = new ProcessStartInfo("ssh-agent") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "-D", "-a", _socket }) psi.ArgumentList.Add(a);
            _agent = Process.Start(psi)!;
            for (int i = 0; i < 100 && !File.Exists(_socket); i++) Thread.Sleep(50);
        }

        public void Dispose()
        {
            if (!_agent.HasExited) { _agent.Kill(); _agent.WaitForExit(5000); }
            _agent.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private string NewKey(params string[] type)
        {
            var file = Path.Combine(_dir, "key_" + type[0]);
            Tool("ssh-keygen", new[] { "-q", "-t" }.Concat(type).Concat(new[] { "-N", "", "-C", "agent-test-" + type[0], "-f", file }).ToArray());
            Tool("ssh-add", file);
            return file;
        }

        private string Tool(string file, params string[] args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["SSH_AUTH_SOCK"] = _socket;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{file} {string.Join(" ", args)}: {err.Result}");
            return output;
        }

        [Fact]
        public void ListsTheKeysSshAddPutIn_WithSshKeygensFingerprints()
        {
            var ed = NewKey("ed25519");
            var ec = NewKey("ecdsa", "-b", "384");
            var agent = new SshAgentClient(_socket, TimeSpan.FromSeconds(5));
            var ids = agent.RequestIdentities();
            Assert.Equal(new[] { "ssh-ed25519", "ecdsa-sha2-nistp384" }, ids.Select(i => i.KeyType));
            Assert.Equal(new[] { "agent-test-ed25519", "agent-test-ecdsa" }, ids.Select(i => i.Comment));
            Assert.Equal(Tool("ssh-keygen", "-l", "-f", ed + ".pub").Split(' ')[1], ids[0].Fingerprint);
            Assert.Equal(Tool("ssh-keygen", "-l", "-f", ec + ".pub").Split(' ')[1], ids[1].Fingerprint);
        }

        [Theory]
        [InlineData("ed25519", 0u, "ssh-ed25519")]
        [InlineData("ecdsa", 0u, "ecdsa-sha2-nistp256")]
        [InlineData("rsa", SshAgentClient.SSH_AGENT_RSA_SHA2_256, "rsa-sha2-256")]
        [InlineData("rsa", SshAgentClient.SSH_AGENT_RSA_SHA2_512, "rsa-sha2-512")]
        [Trait("Category", "Slow")]
        public void SignaturesVerifyWithThePublicKey(string type, uint flags, string algorithm)
        {
            var file = NewKey(type);
            var agent = new SshAgentClient(_socket, TimeSpan.FromSeconds(5));
            var id = agent.RequestIdentities().Single();
            var data = Encoding.UTF8.GetBytes("session id and userauth request " + Guid.NewGuid());
            var signature = agent.Sign(id.Blob, data, flags);
            Assert.Equal(algorithm, KnownHosts.KeyTypeOf(signature));
            // Verified by SSH.NET's own implementation of the algorithm, from the private key file.
            using var key = new PrivateKeyFile(file);
            var verifier = key.HostKeyAlgorithms.Single(a => a.Name == algorithm);
            Assert.True(verifier.VerifySignature(data, signature));
            data[0] ^= 1;
            Assert.False(verifier.VerifySignature(data, signature));
        }

        [Fact]
        public void AStoppedAgent_IsAnErrorNamingItsSocket()
        {
            NewKey("ed25519");
            _agent.Kill();
            _agent.WaitForExit(5000);
            var e = Assert.Throws<SshAgentException>(() => new SshAgentClient(_socket, TimeSpan.FromSeconds(5)).RequestIdentities());
            Assert.Contains(_socket, e.Message);
            Assert.Contains("ssh-agent", e.Message);
        }

        [Fact]
        public void AKeyTheAgentDoesNotHold_IsRefusedByTheAgent()
        {
            NewKey("ed25519");
            var agent = new SshAgentClient(_socket, TimeSpan.FromSeconds(5));
            var blob = agent.RequestIdentities().Single().Blob;
            Tool("ssh-add", "-D");
            var e = Assert.Throws<SshAgentException>(() => agent.Sign(blob, new byte[] { 1, 2, 3 }, 0));
            Assert.Contains("SSH_AGENT_FAILURE", e.Message);
        }
    }
}
