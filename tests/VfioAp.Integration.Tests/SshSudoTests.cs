using System;
using System.IO;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.Core.Tests;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>A non-root login: EACCES is reported with the advice to use sudo, and sudo with a password (fed on stdin) works.</summary>
    [Trait("Category", "Ssh")]
    public sealed class SshSudoTests : IDisposable
    {
        private readonly SshdHost _sshd;
        private readonly SshdHostUser _user;
        private readonly SshTestTree _tree = new SshTestTree(1, 2);

        public SshSudoTests()
        {
            _sshd = SshdHost.Start();
            _sshd.TrustHostKey();
            _user = new SshdHostUser();
            // Like sysfs for a non-root user: attributes readable, not writable; write-only ones not even readable.
            _tree.File("bus/ap/wo_attribute", "", writeOnly: true);
        }

        public void Dispose()
        {
            _tree.Dispose();
            _user.Dispose();
            _sshd.Dispose();
        }

        private SshConnectionOptions Options()
        {
            var o = _sshd.Options(_tree.Root);
            o.UserName = _user.Name;
            return o;
        }

        [Fact]
        public void A_non_root_user_gets_EACCES_and_is_told_to_use_sudo()
        {
            using var ssh = SshSysfs.Connect(Options());
            var r = ssh.ReadMany(new[] { new SysfsQuery("bus/ap/wo_attribute"), new SysfsQuery(SysfsLayout.ApMask) });
            Assert.Equal(Errno.EACCES, r["bus/ap/wo_attribute"]!.Error);
            Assert.True(r[SysfsLayout.ApMask]!.Ok);

            var plan = ssh.RunPlan(new PlanRequest(new[] { new SysfsWrite(SysfsLayout.ApMask, "0x1") }.AsSteps()));
            Assert.Equal(Errno.EACCES, plan.Error);
            Assert.Equal(0, plan.FailedStep);
            Assert.Contains("-UseSudo", plan.Message);
            Assert.Contains(_user.Name, plan.Message);
            Assert.Contains(_tree.Root + "/" + SysfsLayout.ApMask, plan.Message);
            Assert.Equal(SysfsFormat.FormatMask(ApMask.Full), _tree.Read(SysfsLayout.ApMask));
        }

        [Fact]
        public void UseSudo_with_the_password_on_stdin_writes_as_root()
        {
            var o = Options();
            o.UseSudo = true;
            o.SudoPassword = _user.Password;
            using var ssh = SshSysfs.Connect(o);
            // The password goes to sudo's stdin only; the command line carries none.
            Assert.DoesNotContain(_user.Password, ssh.CommandText(":"));
            Assert.StartsWith("exec sudo -S -p '' -- /bin/sh -c ", ssh.CommandText(":"));
            Assert.Equal(Errno.None, ssh.WriteAsPlan(SysfsLayout.ApMask, "0x1"));
            Assert.Equal("0x1\n", _tree.Read(SysfsLayout.ApMask));
            var r = ssh.ReadMany(new[] { new SysfsQuery("bus/ap/wo_attribute") });
            Assert.True(r["bus/ap/wo_attribute"]!.Ok);
        }

        [Fact]
        public void UseSudo_without_a_password_says_sudo_needs_one()
        {
            var o = Options();
            o.UseSudo = true;
            using var ssh = SshSysfs.Connect(o);
            var ex = Assert.Throws<SshHostException>(() => ssh.ReadMany(HostReader.QueriesFor(SnapshotParts.Bus)));
            Assert.Equal(SshFailure.SudoFailed, ex.Failure);
            Assert.Contains("-Credential", ex.Message);
        }

        [Fact]
        public void UseSudo_with_a_wrong_password_fails_clearly_and_does_not_hang()
        {
            var o = Options();
            o.UseSudo = true;
            o.SudoPassword = "wrong-password";
            o.CommandTimeout = TimeSpan.FromSeconds(60);
            using var ssh = SshSysfs.Connect(o);
            var ex = Assert.Throws<SshHostException>(() => ssh.WriteAsPlan(SysfsLayout.ApMask, "0x1"));
            Assert.Equal(SshFailure.SudoFailed, ex.Failure);
            Assert.Contains("password", ex.Message);
            Assert.DoesNotContain("wrong-password", ex.Message);
            Assert.Equal(SysfsFormat.FormatMask(ApMask.Full), _tree.Read(SysfsLayout.ApMask));
        }
    }
}
