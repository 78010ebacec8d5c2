using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;
using Xunit.Abstractions;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A simulated host's sysfs exported as real files (SysfsTreeExporter) and served by sshd: every read over SSH must
    /// equal the in-memory SimulatedSysfs answer for the same scenario, in one remote command.
    /// </summary>
    public sealed class SshSimulatedHostTests : IClassFixture<SshdFixture>
    {
        private readonly SshdHost _sshd;
        private readonly ITestOutputHelper _out;

        public SshSimulatedHostTests(SshdFixture fixture, ITestOutputHelper output)
        {
            _sshd = fixture.Host;
            _out = output;
        }

        private static string[] Describe(SysfsReadResult r) =>
            r.Entries.Select(e => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]").OrderBy(s => s, StringComparer.Ordinal).ToArray();

        [Theory]
        [InlineData("seed")]
        [InlineData("kernel-doc")]
        [InlineData("large-60x85")]
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

        [Fact]
        public void A_256_by_256_host_is_read_in_one_command()
        {
            var kernel = ScenarioLibrary.Load("large-256x256");
            var dir = Path.Combine(Path.GetTempPath(), "vfioap-export-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            try
            {
                var sw = Stopwatch.StartNew();
                SysfsTreeExporter.Export(kernel, dir);
                _out.WriteLine($"export: {sw.Elapsed}");
                using var memory = new SimulatedSysfs(kernel, "127.0.0.1");
                using var ssh = SshSysfs.Connect(_sshd.Options(dir));
                int before = _sshd.CommandCount();
                sw.Restart();
                var overSsh = HostReader.Read(ssh);
                _out.WriteLine($"HostReader.Read over SSH: {sw.Elapsed}");
                Assert.Equal(before + 1, _sshd.CommandCount());
                sw.Restart();
                var inMemory = HostReader.Read(memory);
                _out.WriteLine($"HostReader.Read in memory: {sw.Elapsed}");
                Assert.True(overSsh.Queues.Count > 65000, $"{overSsh.Queues.Count} queues");
                sw.Restart();
                Assert.Equal(SshSnapshotText.Of(inMemory), SshSnapshotText.Of(overSsh));
                _out.WriteLine($"compare: {sw.Elapsed}");
                sw.Restart();
            }
            finally
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, true);
            }
        }
    }
}
