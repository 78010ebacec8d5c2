using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// Persistence against the simulated kernel: what mdevctl would re-create from a persisted definition, built by the
/// import planner and applied through the write side's PlanRunner, ends as the original mdev with the same guest matrix.
/// Expected matrices are the seed host's (about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host"), not the module's output.
/// </summary>
public class PersistenceSimulatedHostTests
{
    private static readonly Guid Seed = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly ApMatrix SeedMatrix = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Empty);
    private const SnapshotParts All = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Persist_remove_and_import_brings_the_seed_mdev_back_with_the_kernels_guest_matrix(bool apConfig)
    {
        var kernel = SeedKernel(apConfig);
        using var sysfs = new SimulatedSysfs(kernel, "seed");
        using var dir = new PersistenceTempDir();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(dir.MdevctlRoot(), "seed"));

        var before = HostReader.Read(sysfs, All);
        var live = before.FindMdev(Seed)!;
        Assert.Equal(SeedMatrix, live.Matrix);
        store.PlanPersist(MdevctlStore.Merge(store.ReadAll(), new[] { (live.Uuid, live.Matrix) }, null)).Persist();

        Assert.Equal(Errno.None, sysfs.WriteAsPlan(SysfsLayout.MdevAttribute(Seed, "remove"), "1"));
        Assert.Null(HostReader.Read(sysfs, All).FindMdev(Seed));

        var host = HostReader.Read(sysfs, All);
        var item = Assert.Single(MdevImportPlanner.Plan(host, store.ReadAll().Definitions));
        Assert.Equal(MdevImportAction.Create, item.Action);
        // The seed's known cut shows up as a warning, not a refusal.
        Assert.Contains(item.Findings, f => f.Severity == FindingSeverity.Warning && f.Adapter == new ApId(5));
        var outcome = PlanRunner.Apply(sysfs, item.Plan!);
        Assert.True(outcome.Succeeded, outcome.VerificationProblem);

        var after = HostReader.Read(sysfs, All).FindMdev(Seed)!;
        Assert.Equal(SeedMatrix, after.Matrix);
        Assert.Equal(live.GuestMatrixText, after.GuestMatrixText);
        Assert.Equal("04.0004\n04.0022\n04.0035\n", kernel.Read(SysfsLayout.MdevAttribute(Seed, "guest_matrix")));
        Assert.Equal(MdevDriftKind.None, Assert.Single(MdevDriftComparer.Compare("seed", new[] { after }, store.ReadAll())).Kind);
    }

    [Fact]
    public void An_update_that_fails_at_any_step_leaves_the_mdev_as_it_was()
    {
        var desired = new ApMatrix(ApMask.Of(4), ApMask.Of(4, 0x22), ApMask.Of(4, 0x22));
        var def = MdevctlDefinition.FromMatrix(Seed, desired);
        var kernel = SeedKernel(apConfig: false);   // many single writes, so every step can fail
        using var sysfs = new SimulatedSysfs(kernel, "seed");
        var plan = Assert.Single(MdevImportPlanner.Plan(HostReader.Read(sysfs, All), new[] { def })).Plan!;
        Assert.True(plan.Steps.Count > 2);

        for (int step = 0; step < plan.Steps.Count; step++)
        {
            sysfs.FailNextPlanAt(step, Errno.EIO);
            var outcome = PlanRunner.Apply(sysfs, plan);
            Assert.False(outcome.Succeeded);
            Assert.Equal(SeedMatrix, HostReader.Read(sysfs, All).FindMdev(Seed)!.Matrix);
        }
        Assert.True(PlanRunner.Apply(sysfs, plan).Succeeded);
        Assert.Equal(desired, HostReader.Read(sysfs, All).FindMdev(Seed)!.Matrix);
    }

    /// <summary>The built-in seed scenario, on a kernel with or without the atomic ap_config attribute.</summary>
    private static SimulatedKernel SeedKernel(bool apConfig)
    {
        var json = Newtonsoft.Json.Linq.JObject.Parse(ScenarioLibrary.BuiltInJson("seed")!);
        json["kernel"] = new Newtonsoft.Json.Linq.JObject { ["apConfig"] = apConfig };
        return ScenarioLibrary.FromJson(json.ToString(), "seed");
    }

    [Fact]
    public void The_kernel_doc_hosts_mdevs_round_trip_through_node_device_xml_and_import_as_no_change()
    {
        var kernel = ScenarioLibrary.Load("kernel-doc");
        using var sysfs = new SimulatedSysfs(kernel, "kdoc");
        var host = HostReader.Read(sysfs, All);
        Assert.Equal(3, host.Mdevs.Count);
        var xml = string.Join("\n", host.Mdevs.Select(m => LibvirtNodeDevice.Format(MdevctlDefinition.FromMatrix(m.Uuid, m.Matrix))));
        var items = MdevImportPlanner.Plan(host, LibvirtNodeDevice.Parse(xml, "kdoc.xml"));
        Assert.Equal(3, items.Count);
        Assert.All(items, i => Assert.Equal(MdevImportAction.None, i.Action));
    }

    [Fact]
    public void The_kernel_doc_example_assigning_adapter_6_to_guest_2_is_refused_naming_guest_3()
    {
        // about_VfioAp_Apcb: WORKED EXAMPLES, "The kernel documentation example": guest 2's mdev gets adapter 6 → EADDRINUSE,
        // because 06.0047 and 06.00ff belong to guest 3.
        var kernel = ScenarioLibrary.Load("kernel-doc");
        using var sysfs = new SimulatedSysfs(kernel, "kdoc");
        var host = HostReader.Read(sysfs, All);
        var guest2 = host.FindMdev(Sim.Guest2)!;
        var item = Assert.Single(MdevImportPlanner.Plan(host, new[] { MdevctlDefinition.FromMatrix(guest2.Uuid, guest2.Matrix.WithAdapters(guest2.Adapters.With(6))) }));
        Assert.True(item.Refused);
        var error = Assert.Single(item.Errors);
        Assert.Equal(Errno.EADDRINUSE, error.KernelErrno);
        Assert.Equal(Sim.Guest3, error.OtherMdev);
        Assert.Equal(new[] { new Apqn(6, 0x47), new Apqn(6, 0xff) }, error.Apqns.OrderBy(q => q));
    }
}
