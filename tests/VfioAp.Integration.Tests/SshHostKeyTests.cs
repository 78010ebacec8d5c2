using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>Host key verification and login against a real sshd; fingerprints are computed by ssh-keygen, not by the code under test.</summary>
    [Trait("Category", "Ssh")]
    public sealed class SshHostKeyTests : IDisposable
    {
        private readonly SshdHost _sshd = SshdHost.Start();

        public void Dispose() => _sshd.Dispose();

        private string HostEntry => $"[127.0.0.1]:{_sshd.Port}";

        [Fact]
        public void An_unknown_host_key_is_refused_with_its_fingerprint_and_what_to_do()
        {
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(_sshd.Options("/sys")));
            Assert.Equal(SshFailure.HostKeyUnknown, ex.Failure);
            Assert.Contains(_sshd.HostKeyFingerprint(), ex.Message);
            Assert.Contains(HostEntry, ex.Message);
            Assert.Contains("-AcceptNewHostKey", ex.Message);
            Assert.Equal("", File.ReadAllText(_sshd.KnownHostsFile));
            Assert.Equal(0, _sshd.CommandCount());
        }

        [Fact]
        public void AcceptNewHostKey_trusts_an_unknown_key_and_records_it_where_ssh_keygen_finds_it()
        {
            using (var ssh = SshSysfs.Connect(_sshd.Options("/sys", acceptNew: true))) { }
            // ssh-keygen -F looks the host up the way ssh does, including [host]:port.
            var found = SshdHost.Run("ssh-keygen", "-F", HostEntry, "-f", _sshd.KnownHostsFile);
            Assert.Contains(_sshd.HostPublicKey().Base64, found);
            // From now on the key is known: no accept-new needed.
            using (var ssh = SshSysfs.Connect(_sshd.Options("/sys"))) { }
            Assert.Single(File.ReadAllLines(_sshd.KnownHostsFile));
        }

        [Fact]
        public void A_changed_host_key_is_refused_loudly_even_with_AcceptNewHostKey()
        {
            _sshd.TrustHostKey();
            var oldFingerprint = _sshd.HostKeyFingerprint();
            using (var ssh = SshSysfs.Connect(_sshd.Options("/sys"))) { }
            _sshd.RegenerateHostKey();
            var newFingerprint = _sshd.HostKeyFingerprint();
            Assert.NotEqual(oldFingerprint, newFingerprint);
            var before = File.ReadAllText(_sshd.KnownHostsFile);
            foreach (var acceptNew in new[] { false, true })
            {
                var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(_sshd.Options("/sys", acceptNew)));
                Assert.Equal(SshFailure.HostKeyChanged, ex.Failure);
                Assert.Contains("man-in-the-middle", ex.Message);
                Assert.Contains(oldFingerprint, ex.Message);
                Assert.Contains(newFingerprint, ex.Message);
                Assert.Contains("ssh-keygen -R", ex.Message);
            }
            Assert.Equal(before, File.ReadAllText(_sshd.KnownHostsFile));
        }

        [Fact]
        public void A_hashed_known_hosts_entry_is_accepted_and_new_entries_are_hashed_too()
        {
            _sshd.TrustHostKey();
            // ssh-keygen -H hashes the file in place, as HashKnownHosts users have it.
            SshdHost.Run("ssh-keygen", "-H", "-f", _sshd.KnownHostsFile);
            Assert.StartsWith("|1|", File.ReadAllText(_sshd.KnownHostsFile));
            Assert.DoesNotContain("127.0.0.1", File.ReadAllText(_sshd.KnownHostsFile));
            using (var ssh = SshSysfs.Connect(_sshd.Options("/sys"))) { }

            // A second host (another port) accepted into the hashed file is recorded hashed, findable by ssh-keygen.
            using var other = SshdHost.Start();
            var options = other.Options("/sys", acceptNew: true);
            options.KnownHostsFile = _sshd.KnownHostsFile;
            options.KeyFile = other.ClientKeyFile;
            using (var ssh = SshSysfs.Connect(options)) { }
            var lines = File.ReadAllLines(_sshd.KnownHostsFile);
            Assert.Equal(2, lines.Length);
            Assert.All(lines, l => Assert.StartsWith("|1|", l));
            var found = SshdHost.Run("ssh-keygen", "-F", $"[127.0.0.1]:{other.Port}", "-f", _sshd.KnownHostsFile);
            Assert.Contains(other.HostPublicKey().Base64, found);
        }

        [Fact]
        public void Comma_lists_and_wildcards_match_and_a_plain_host_entry_does_not_cover_another_port()
        {
            var (type, b64) = _sshd.HostPublicKey();
            // An entry for port 22 only: ssh would not use it for this port either.
            File.WriteAllText(_sshd.KnownHostsFile, $"127.0.0.1 {type} {b64}\n");
            Assert.Equal(SshFailure.HostKeyUnknown, Assert.Throws<SshHostException>(() => SshSysfs.Connect(_sshd.Options("/sys"))).Failure);

            File.WriteAllText(_sshd.KnownHostsFile, $"# comment\n\nother.example,[127.0.0.?]:{_sshd.Port},!bad.example {type} {b64} comment\n");
            using (var ssh = SshSysfs.Connect(_sshd.Options("/sys"))) { }

            // A negated pattern that matches rejects the line.
            File.WriteAllText(_sshd.KnownHostsFile, $"[127.0.0.*]:*,![127.0.0.1]:{_sshd.Port} {type} {b64}\n");
            Assert.Equal(SshFailure.HostKeyUnknown, Assert.Throws<SshHostException>(() => SshSysfs.Connect(_sshd.Options("/sys"))).Failure);
        }

        [Fact]
        public void A_revoked_key_is_refused()
        {
            var (type, b64) = _sshd.HostPublicKey();
            File.WriteAllText(_sshd.KnownHostsFile, $"{HostEntry} {type} {b64}\n@revoked * {type} {b64}\n");
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(_sshd.Options("/sys", acceptNew: true)));
            Assert.Equal(SshFailure.HostKeyRevoked, ex.Failure);
        }

        [Fact]
        [Trait("Category", "Slow")]
        public void KnownHosts_parses_rsa_and_ecdsa_keys_made_by_ssh_keygen()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-kh-").FullName;
            try
            {
                var file = Path.Combine(dir, "known_hosts");
                foreach (var (t, bits) in new[] { ("rsa", "3072"), ("ecdsa", "256"), ("ecdsa", "384"), ("ed25519", "") })
                {
                    var key = Path.Combine(dir, $"k_{t}{bits}");
                    var args = new[] { "-q", "-t", t, "-N", "", "-f", key }.Concat(bits.Length > 0 ? new[] { "-b", bits } : Array.Empty<string>()).ToArray();
                    SshdHost.Run("ssh-keygen", args);
                    var pub = File.ReadAllText(key + ".pub").Split(' ');
                    var blob = Convert.FromBase64String(pub[1]);
                    var kh = new KnownHosts(file);
                    Assert.Equal(HostKeyStatus.Unknown, kh.Check("h.example", 2222, blob).Status);
                    kh.Append("h.example", 2222, blob);
                    Assert.Equal(HostKeyStatus.Known, kh.Check("h.example", 2222, blob).Status);
                    Assert.Equal(HostKeyStatus.Known, kh.Check("H.EXAMPLE", 2222, blob).Status);
                    Assert.Equal(HostKeyStatus.Unknown, kh.Check("h.example", 22, blob).Status);
                    Assert.Equal(pub[0], KnownHosts.KeyTypeOf(blob));
                    // Our fingerprint is ssh-keygen's.
                    Assert.Equal(SshdHost.Run("ssh-keygen", "-l", "-f", key + ".pub").Split(' ')[1], KnownHosts.Fingerprint(blob));
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void A_key_the_server_does_not_authorize_fails_clearly()
        {
            _sshd.TrustHostKey();
            var stranger = Path.Combine(_sshd.Dir, "stranger");
            SshdHost.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger);
            var options = _sshd.Options("/sys");
            options.KeyFile = stranger;
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(options));
            Assert.Equal(SshFailure.AuthenticationFailed, ex.Failure);
            Assert.Contains("authorized_keys", ex.Message);
            Assert.Contains(Environment.UserName, ex.Message);
        }

        [Fact]
        public void A_password_the_server_does_not_take_fails_clearly()
        {
            _sshd.TrustHostKey();
            var options = _sshd.Options("/sys");
            options.KeyFile = null;
            options.Password = "not-the-password";
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(options));
            Assert.Equal(SshFailure.AuthenticationFailed, ex.Failure);
            Assert.Contains("-Credential", ex.Message);
        }

        [Fact]
        public void An_encrypted_key_needs_its_passphrase()
        {
            _sshd.TrustHostKey();
            var locked = Path.Combine(_sshd.Dir, "locked");
            SshdHost.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret pass", "-f", locked);
            File.AppendAllText(Path.Combine(_sshd.Dir, "authorized_keys"), File.ReadAllText(locked + ".pub"));
            var options = _sshd.Options("/sys");
            options.KeyFile = locked;
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(options));
            Assert.Equal(SshFailure.KeyFileUnusable, ex.Failure);
            Assert.Contains("-KeyPassphrase", ex.Message);

            options.KeyPassphrase = "wrong";
            Assert.Equal(SshFailure.KeyFileUnusable, Assert.Throws<SshHostException>(() => SshSysfs.Connect(options)).Failure);

            var secure = new System.Security.SecureString();
            foreach (var c in "s3cret pass") secure.AppendChar(c);
            options.KeyPassphrase = secure;
            using var ssh = SshSysfs.Connect(options);
            Assert.Empty(ssh.ReadMany(new[] { new SysfsQuery("vfioap-none-*") }).Entries);
        }

        [Fact]
        public void A_closed_port_fails_within_the_connect_timeout()
        {
            var options = _sshd.Options("/sys");
            options.Port = SshdHost.FreePort();
            options.ConnectTimeout = TimeSpan.FromSeconds(3);
            var sw = Stopwatch.StartNew();
            var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(options));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
            Assert.True(ex.Failure == SshFailure.ConnectFailed || ex.Failure == SshFailure.Timeout, ex.Failure.ToString());
            Assert.Contains($"127.0.0.1:{options.Port}", ex.Message);
        }

        [Fact]
        public void A_port_that_accepts_but_never_speaks_SSH_times_out()
        {
            // A listener that accepts TCP connections and says nothing: what a hung or wrong service looks like.
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var options = _sshd.Options("/sys");
                options.Port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
                options.ConnectTimeout = TimeSpan.FromSeconds(2);
                var sw = Stopwatch.StartNew();
                var ex = Assert.Throws<SshHostException>(() => SshSysfs.Connect(options));
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
                Assert.True(ex.Failure == SshFailure.Timeout || ex.Failure == SshFailure.ConnectFailed, ex.Failure + ": " + ex.Message);
            }
            finally
            {
                listener.Stop();
            }
        }
    }
}
