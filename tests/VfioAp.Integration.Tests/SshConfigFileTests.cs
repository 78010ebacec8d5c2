using System;
using System.IO;
using System.Linq;
using VfioAp.Ssh.Config;
using VfioAp.Ssh.Jump;
using Xunit;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The ssh_config reader against the rules of ssh_config(5): patterns, negation, first value wins, Include, tokens,
    /// Match skipped with a warning. The host patterns, negation, Include order and the
    /// Match case were checked against `ssh -G -F` of the same files (OpenSSH on this machine); ssh -G prints IdentityFile
    /// unexpanded, so the token expectations follow ssh_config(5) TOKENS.
    /// </summary>
    public sealed class SshConfigFileTests : IDisposable
    {
        private readonly string _home;
        private readonly SshConfigContext _context;

        public SshConfigFileTests()
        {
            _home = Path.Combine(Path.GetTempPath(), "vfioap-sshcfg-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Path.Combine(_home, ".ssh", "conf.d"));
            _context = new SshConfigContext(_home, "alice");
        }

        public void Dispose() => Directory.Delete(_home, recursive: true);

        private string Write(string relative, params string[] lines)
        {
            var path = Path.Combine(_home, ".ssh", relative);
            File.WriteAllLines(path, lines);
            return path;
        }

        private SshHostConfig Resolve(string alias, string file, SshConfigContext? context = null) => SshConfigFile.Resolve(alias, context ?? _context, file);

        [Fact]
        public void KeywordsInAnyCase_EqualsSign_Quotes_AndComments()
        {
            var f = Write("config",
                "# comment",
                "HOST zlpar1",
                "  hostname=10.0.0.1",
                "  PORT = 2222",
                "  User\t\"admin user\"",
                "  IdentityFile '~/keys/my key' # trailing comment",
                "  ConnectTimeout 1m30s",
                "  ServerAliveInterval 15");
            var c = Resolve("zlpar1", f);
            Assert.Equal("10.0.0.1", c.HostName);
            Assert.Equal(2222, c.Port);
            Assert.Equal("admin user", c.User);
            Assert.Equal(new[] { Path.Combine(_home, "keys/my key") }, c.IdentityFiles);
            Assert.Equal(TimeSpan.FromSeconds(90), c.ConnectTimeout);
            Assert.Equal(TimeSpan.FromSeconds(15), c.ServerAliveInterval);
            Assert.True(c.MatchedHostBlock);
        }

        [Theory]
        [InlineData("db1.lab", "lab")]
        [InlineData("DB1.LAB", "default")]
        [InlineData("bad.lab", "bad")]
        [InlineData("x.lab", "x")]
        [InlineData("other", "default")]
        [InlineData("z9", "z?")]
        [InlineData("z10", "default")]
        public void HostPatterns_StarQuestionMarkAndNegation(string alias, string expectedUser)
        {
            var f = Write("config",
                "Host *.lab !bad.lab !x.lab",
                "  User lab",
                "Host bad.lab",
                "  User bad",
                "Host x.lab",
                "  User x",
                "Host z?",
                "  User z?",
                "Host *",
                "  User default");
            Assert.Equal(expectedUser, Resolve(alias, f).User);
        }

        [Fact]
        public void ANegatedPatternAloneNeverMatches()
        {
            var f = Write("config", "Host !bad", "  User never", "Host *", "  User star");
            Assert.Equal("star", Resolve("good", f).User);
        }

        [Fact]
        public void FirstValueWins_ButIdentityFilesAccumulate()
        {
            var f = Write("config",
                "Host zlpar1",
                "  Port 2201",
                "  IdentityFile ~/.ssh/first",
                "  UserKnownHostsFile ~/.ssh/kh1 ~/.ssh/kh2",
                "Host z*",
                "  Port 2202",
                "  IdentityFile ~/.ssh/second",
                "  UserKnownHostsFile ~/.ssh/kh3");
            var c = Resolve("zlpar1", f);
            Assert.Equal(2201, c.Port);
            Assert.Equal(new[] { "first", "second" }, c.IdentityFiles.Select(Path.GetFileName));
            Assert.Equal(new[] { "kh1", "kh2" }, c.UserKnownHostsFiles!.Select(Path.GetFileName));
        }

        [Fact]
        public void Include_IsRelativeToDotSsh_WithGlobs_InOrder_AndOnlyInsideAnActiveBlock()
        {
            Write(Path.Combine("conf.d", "b.conf"), "Host inc", "  Port 2002", "  User from-b");
            Write(Path.Combine("conf.d", "a.conf"), "Host inc", "  Port 2001");
            Write("inactive.conf", "Host *", "  User from-inactive");
            var f = Write("config",
                "Include conf.d/*.conf",
                "Host nothing-matches",
                "  Include inactive.conf",
                "Host *",
                "  User last");
            var c = Resolve("inc", f);
            Assert.Equal(2001, c.Port);          // a.conf is read before b.conf
            Assert.Equal("from-b", c.User);      // inactive.conf's Host * never turns on
            Assert.Contains(c.FilesRead, p => p.EndsWith("b.conf", StringComparison.Ordinal));
        }

        [Fact]
        public void Tokens_UseTheFinalHostUserAndPort_AndExplicitValues()
        {
            var f = Write("config",
                "Host zlpar1",
                "  HostName %h.example.com",
                "  User admin",
                "  Port 2222",
                "  IdentityFile %d/.ssh/id_%r@%h:%p-%u-%n%%");
            var c = Resolve("zlpar1", f);
            Assert.Equal("zlpar1.example.com", c.HostName);
            Assert.Equal(Path.Combine(_home, ".ssh/id_admin@zlpar1.example.com:2222-alice-zlpar1%"), c.IdentityFiles.Single());
            var explicitCtx = new SshConfigContext(_home, "alice") { UserOverride = "root", PortOverride = 22 };
            Assert.EndsWith("id_root@zlpar1.example.com:22-alice-zlpar1%", Resolve("zlpar1", f, explicitCtx).IdentityFiles.Single());
        }

        [Fact]
        public void MatchBlocks_AreSkipped_WithOneWarningNamingFileAndLine()
        {
            var f = Write("config",
                "Host zlpar1",
                "  User first",
                "Match host zlpar1 exec \"true\"",
                "  Port 1",
                "  User fromMatch",
                "Host *",
                "  Port 2200");
            var c = Resolve("zlpar1", f);
            Assert.Equal("first", c.User);
            Assert.Equal(2200, c.Port);
            var w = Assert.Single(c.Warnings);
            Assert.StartsWith(f + ":3:", w);
        }

        [Fact]
        public void BadValues_NameFileAndLine()
        {
            var f = Write("config", "Host a", "  Port 70000");
            var e = Assert.Throws<SshConfigException>(() => Resolve("a", f));
            Assert.Equal(2, e.Line);
            Assert.Contains("70000", e.Message);
            var g = Write("config2", "Host a", "  User \"unterminated");
            Assert.Equal(2, Assert.Throws<SshConfigException>(() => Resolve("a", g)).Line);
        }

        [Fact]
        public void StrictHostKeyCheckingNo_IsRefusedByTheOptionsBuilder_AcceptNewBecomesAcceptNewHostKey()
        {
            var f = Write("config", "Host off", "  StrictHostKeyChecking no", "Host new", "  StrictHostKeyChecking accept-new");
            var given = new SshExplicitSettings { ConfigFiles = new[] { f } };
            var e = Assert.Throws<SshConfigException>(() => SshOptionsBuilder.Build("off", given, _context, new System.Collections.Generic.List<string>()));
            Assert.True(e.DisablesHostKeyCheck);
            Assert.True(SshOptionsBuilder.Build("new", given, _context, new System.Collections.Generic.List<string>()).AcceptNewHostKey);
        }

        [Fact]
        public void ExplicitSettingsWin_AndProxyJumpHopsAreResolvedThroughTheConfig()
        {
            var f = Write("config",
                "Host bastion", "  HostName 192.0.2.10", "  Port 2200", "  User jump",
                "Host zlpar1", "  HostName 10.0.0.1", "  Port 2222", "  User admin", "  ProxyJump bastion,ops@second:2022");
            var given = new SshExplicitSettings { ConfigFiles = new[] { f }, Port = 22, UserName = "root" };
            var o = SshOptionsBuilder.Build("zlpar1", given, _context, new System.Collections.Generic.List<string>());
            Assert.Equal(("10.0.0.1", 22, "root"), (o.HostName, o.Port, o.UserName));
            Assert.Equal("zlpar1", o.Display);
            Assert.Equal(new[] { ("192.0.2.10", 2200, "jump"), ("second", 2022, "ops") }, o.JumpHosts.Select(h => (h.HostName, h.Port, h.UserName!)));
            Assert.Empty(SshOptionsBuilder.Build("zlpar1", new SshExplicitSettings { ConfigFiles = new[] { f }, JumpHost = "none" }, _context, new System.Collections.Generic.List<string>()).JumpHosts);
        }

        [Theory]
        [InlineData("bastion", null, "bastion", null)]
        [InlineData("ops@bastion:2222", "ops", "bastion", 2222)]
        [InlineData("ops@[2001:db8::1]:2222", "ops", "2001:db8::1", 2222)]
        [InlineData("ssh://a@b:3", "a", "b", 3)]
        public void JumpHostSpecs(string spec, string? user, string host, int? port)
        {
            var hop = Assert.Single(SshJumpHost.ParseList(spec));
            Assert.Equal((user, host, port), (hop.User, hop.Host, hop.Port));
        }

        [Theory]
        [InlineData("a,,b")]
        [InlineData("@b")]
        [InlineData("a:0")]
        [InlineData("a:x")]
        [InlineData("a b")]
        public void BadJumpHostSpecs(string spec) => Assert.Throws<FormatException>(() => SshJumpHost.ParseList(spec));
    }
}
