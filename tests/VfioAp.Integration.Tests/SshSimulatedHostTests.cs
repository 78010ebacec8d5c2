using System;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A simulated host's sysfs exported as real files (SysfsTreeExporter) and served by sshd: every read over SSH must
    /// equal the in-memory SimulatedSysfs answer for the same scenario, in one remote command. (The 256 × 256 host is
    /// read from a SimFs mount in SshSimFsTests: exporting half a million files would cost minutes.)
    /// </summary>
    [Trait("Category", "Ssh")]
    public sealed class SshSimulatedHostTests : IClassFixture<SshdFixture>
    {
        private readonly SshdHost _sshd;

        public SshSimulatedHostTests(SshdFixture fixture) => _sshd = fixture.Host;

        private static string[] Describe(SysfsReadResult r) =>
            r.Entries.Select(e => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]").OrderBy(s => s, StringComparer.Ordinal).ToArray();

        [Theory]
        [InlineData("seed")]
        [InlineData("kernel-doc")]
        [InlineData("large-60x85")]
        [Trait("Category", "Slow")]
        public void Every_query_over_SSH_answers_as_the_simulated_kernel_in_one_command(string scenario)
        {
            var kernel = ScenarioLibrary.Load(scenario);
            var dir = Path.Combine(Path.GetTempPath(), "vfioap-export-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                SysfsTreeExporter.Export(kernel, dir);
                using var memory = new SimulatedSysfs(kernel, "127.0.0.1");
                using var ssh = SshSysfs.Connect(_sshd.Options(dir));
                var queries = HostReader.QueriesFor(SnapshotParts.All);
                int before = _sshd.CommandCount();
                var remote = ssh.ReadMany(queries);
                Assert.Equal(before + 1, _sshd.CommandCount());
                Assert.Equal(Describe(memory.ReadMany(queries)), Describe(remote));

                int before2 = _sshd.CommandCount();
                var overSsh = HostReader.Read(ssh);
                Assert.Equal(before2 + 1, _sshd.CommandCount());
                Assert.Equal(SshSnapshotText.Of(HostReader.Read(memory)), SshSnapshotText.Of(overSsh));
            }
            finally
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, true);
            }
        }
    }
}
