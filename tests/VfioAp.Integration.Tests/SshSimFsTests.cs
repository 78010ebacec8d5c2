using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.Core.Tests;
using VfioAp.Ssh;
using Xunit.Abstractions;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The whole test bed: sshd serving a SimFs (FUSE) mount of a scenario. Reads and writes over SSH must give what the
    /// same scenario gives in memory (SimulatedSysfs), kernel errnos included, in one remote command each.
    /// </summary>
    [Trait("Category", "Ssh")]
    [Trait("Category", "Fuse")]
    public sealed class SshSimFsTests : IClassFixture<SshdFixture>
    {
        private readonly SshdHost _sshd;
        private readonly ITestOutputHelper _out;

        public SshSimFsTests(SshdFixture fixture, ITestOutputHelper output)
        {
            _sshd = fixture.Host;
            _out = output;
        }

        private static string[] Describe(SysfsReadResult? r) =>
            r is null ? new[] { "(none)" } : r.Entries.Select(e => $"{e.Kind} {e.Path} {e.Error} [{e.Value}]").OrderBy(s => s, StringComparer.Ordinal).ToArray();

        private static string Describe(PlanRunResult r) => $"applied={r.Applied} failed={r.FailedStep} errno={r.Error}";

        [SimFsTheory]
        [InlineData("seed")]
        [InlineData("kernel-doc")]
        [InlineData("over-provisioned")]
        [InlineData("large-60x85")]
        [Trait("Category", "Slow")]
        public void A_snapshot_over_SSH_of_a_SimFs_mount_equals_the_scenario_in_memory_in_one_command(string scenario)
        {
            using var mount = SimFsMount.Start(scenario);
            using var memory = new SimulatedSysfs(ScenarioLibrary.Load(scenario), "127.0.0.1");
            using var ssh = SshSysfs.Connect(_sshd.Options(mount.Root));
            var queries = HostReader.QueriesFor(SnapshotParts.All);
            Assert.Equal(Describe(memory.ReadMany(queries)), Describe(ssh.ReadMany(queries)));

            int before = _sshd.CommandCount();
            var overSsh = HostReader.Read(ssh);
            Assert.Equal(before + 1, _sshd.CommandCount());
            Assert.Equal(SshSnapshotText.Of(HostReader.Read(memory)), SshSnapshotText.Of(overSsh));
        }

        [SimFsFact]
        [Trait("Category", "Slow")]
        public void The_256_by_256_host_is_one_remote_command_per_snapshot()
        {
            using var mount = SimFsMount.Start("large-256x256");
            using var memory = new SimulatedSysfs(ScenarioLibrary.Load("large-256x256"), "127.0.0.1");
            using var ssh = SshSysfs.Connect(_sshd.Options(mount.Root));
            int before = _sshd.CommandCount();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var overSsh = HostReader.Read(ssh);
            _out.WriteLine($"HostReader.Read over SSH of a SimFs 256x256 mount: {sw.Elapsed}");
            Assert.Equal(before + 1, _sshd.CommandCount());
            Assert.Equal(SshSnapshotText.Of(HostReader.Read(memory)), SshSnapshotText.Of(overSsh));
        }

        [SimFsFact]
        public void Plans_over_SSH_get_the_kernels_answers_and_errnos_like_the_simulated_kernel()
        {
            using var mount = SimFsMount.Start("seed");
            using var memory = new SimulatedSysfs(ScenarioLibrary.Load("seed"), "127.0.0.1");
            using var ssh = SshSysfs.Connect(_sshd.Options(mount.Root));
            // The seed mdev and one APQN it holds, taken from the scenario, not written down here.
            var seed = HostReader.Read(memory);
            var held = seed.Mdevs.First(m => m.Matrix.ApqnCount > 0);
            var apqn = held.Apqns.First();
            var other = Guid.NewGuid();
            var readAfter = HostReader.QueriesFor(SnapshotParts.Mdevs | SnapshotParts.Bus);

            var plans = new List<(string Name, SysfsWrite[] Writes, Errno Expected)>
            {
                ("an adapter above ap_max_adapter_id", new[] { new SysfsWrite(SysfsLayout.MdevAttribute(held.Uuid, "assign_adapter"), "0x100") }, Errno.ENODEV),
                ("not a number", new[] { new SysfsWrite(SysfsLayout.MdevAttribute(held.Uuid, "assign_domain"), "5,6") }, Errno.EINVAL),
                ("an APQN another mdev holds", new[]
                {
                    new SysfsWrite(SysfsLayout.MdevCreate, SysfsLayout.FormatUuid(other)),
                    new SysfsWrite(SysfsLayout.MdevAttribute(other, "assign_adapter"), "0x" + apqn.Adapter.Value.ToString("x")),
                    new SysfsWrite(SysfsLayout.MdevAttribute(other, "assign_domain"), "0x" + apqn.Domain.Value.ToString("x")),
                }, Errno.EADDRINUSE),
                ("a control domain (always accepted below the maximum)", new[] { new SysfsWrite(SysfsLayout.MdevAttribute(held.Uuid, "assign_control_domain"), "0x3") }, Errno.None),
            };
            foreach (var (name, writes, expected) in plans)
            {
                int before = _sshd.CommandCount();
                var remote = ssh.RunPlan(new PlanRequest(writes.AsSteps(), readAfter));
                Assert.Equal(before + 1, _sshd.CommandCount());
                var local = memory.RunPlan(new PlanRequest(writes.AsSteps(), readAfter));
                _out.WriteLine($"{name}: ssh {Describe(remote)}, memory {Describe(local)}");
                Assert.Equal(expected, remote.Error);
                Assert.Equal(Describe(local), Describe(remote));
                Assert.Equal(Describe(local.After), Describe(remote.After));
            }
            // A single Write is the kernel's errno too.
            Assert.Equal(Errno.ENODEV, ssh.WriteAsPlan(SysfsLayout.MdevAttribute(held.Uuid, "assign_domain"), "0x100"));
        }
    }
}
