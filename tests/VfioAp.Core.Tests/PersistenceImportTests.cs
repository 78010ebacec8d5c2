using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Tests;

/// <summary>Import planning against a host snapshot shaped like the seed host (about_VfioAp_Apcb: WORKED EXAMPLES).</summary>
public class PersistenceImportTests
{
    private static readonly Guid Seed = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly Guid Other = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
    private static readonly Guid Third = Guid.Parse("9f579710-6ffc-4201-987a-4ffa0fb1f3a5");
    private static readonly ApMatrix SeedMatrix = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Empty);

    /// <summary>Adapters 04, 05 (+06 to spare) and domains 04, 22, 35, 47 given to vfio_ap; everything else default-owned; the seed mdev exists.</summary>
    private static HostSnapshot SeedHost(bool vfioApLoaded = true, int maxId = 255)
    {
        var vfioAdapters = ApMask.Of(4, 5, 6);
        var vfioDomains = ApMask.Of(4, 0x22, 0x35, 0x47);
        var bus = new ApBusConfig
        {
            ComputerName = "seedhost",
            ApMask = ~vfioAdapters,
            AqMask = ~vfioDomains,
            HostAdapters = vfioAdapters,
            HostDomains = vfioDomains,
            HostControlDomains = vfioDomains,
            MaxAdapterId = maxId,
            MaxDomainId = maxId,
        };
        var queues = vfioAdapters.SelectMany(a => vfioDomains.Select(d => new ApQueue { ComputerName = "seedhost", Apqn = new Apqn(a, d), Driver = "vfio_ap" }));
        var mdevs = new[] { new VfioApMdev { ComputerName = "seedhost", Uuid = Seed, Matrix = SeedMatrix, HasApConfig = true } };
        return new HostSnapshot("seedhost", bus, Array.Empty<ApCard>(), queues, mdevs, availableInstances: 10, vfioApLoaded: vfioApLoaded);
    }

    [Fact]
    public void A_missing_mdev_is_created_with_its_matrix_and_an_existing_one_is_changed_minimally()
    {
        var newMatrix = new ApMatrix(ApMask.Of(6), ApMask.Of(0x47), ApMask.Of(0x47));
        var changed = SeedMatrix.WithAdapters(ApMask.Of(4));
        var items = MdevImportPlanner.Plan(SeedHost(), new[] { MdevctlDefinition.FromMatrix(Other, newMatrix), MdevctlDefinition.FromMatrix(Seed, changed) });

        Assert.Equal(MdevImportAction.Create, items[0].Action);
        Assert.Equal(newMatrix, items[0].Matrix);
        Assert.Equal("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create", items[0].Plan!.Writes[0].Path);
        Assert.Equal(Other.ToString(), items[0].Plan!.Writes[0].Value);

        Assert.Equal(MdevImportAction.Update, items[1].Action);
        Assert.Equal(SeedMatrix, items[1].Current);
        // The host has ap_config: one atomic write.
        var write = Assert.Single(items[1].Plan!.Writes);
        Assert.EndsWith("/ap_config", write.Path);
    }

    [Fact]
    public void The_same_matrix_again_writes_nothing()
    {
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(), new[] { MdevctlDefinition.FromMatrix(Seed, SeedMatrix) }));
        Assert.Equal(MdevImportAction.None, item.Action);
        Assert.Null(item.Plan);
    }

    [Fact]
    public void An_apqn_of_another_mdev_is_refused_naming_that_mdev()
    {
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(), new[] { MdevctlDefinition.FromMatrix(Other, new ApMatrix(ApMask.Of(5), ApMask.Of(0x22), ApMask.Empty)) }));
        Assert.True(item.Refused);
        var error = Assert.Single(item.Errors);
        Assert.Equal(Errno.EADDRINUSE, error.KernelErrno);
        Assert.Equal(Seed, error.OtherMdev);
        Assert.Null(item.Plan);
    }

    [Fact]
    public void A_default_owned_apqn_is_refused()
    {
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(), new[] { MdevctlDefinition.FromMatrix(Other, new ApMatrix(ApMask.Of(7), ApMask.Of(1), ApMask.Empty)) }));
        Assert.True(item.Refused);
        Assert.Contains(item.Errors, f => f.KernelErrno == Errno.EADDRNOTAVAIL);
    }

    [Fact]
    public void An_id_above_the_hosts_maximum_is_refused_naming_the_file_and_entry()
    {
        var def = MdevctlDefinition.ParseConfig("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "0x4"}, {"assign_domain": "0x40"}]}""", "/etc/mdevctl.d/matrix/" + Other, Other);
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(maxId: 63), new[] { def }));
        Assert.True(item.Refused);
        Assert.Equal("attrs[1] (assign_domain)", item.Problem!.Entry);
        Assert.Equal("/etc/mdevctl.d/matrix/" + Other, item.Problem.Source);
        Assert.Contains("ENODEV", item.Problem.Message);
    }

    [Fact]
    public void Two_imported_definitions_claiming_one_apqn_refuse_the_second()
    {
        var a = MdevctlDefinition.FromMatrix(Other, new ApMatrix(ApMask.Of(6), ApMask.Of(0x47), ApMask.Empty));
        var b = MdevctlDefinition.FromMatrix(Third, new ApMatrix(ApMask.Of(6), ApMask.Of(0x47, 0x35), ApMask.Empty));
        var items = MdevImportPlanner.Plan(SeedHost(), new[] { a, b });
        Assert.Equal(MdevImportAction.Create, items[0].Action);
        Assert.True(items[1].Refused);
        var conflict = Assert.Single(items[1].Errors);
        Assert.Equal(Other, conflict.OtherMdev);
        Assert.Equal(new[] { new Apqn(6, 0x47) }, conflict.Apqns);
    }

    [Fact]
    public void A_uuid_given_twice_uses_the_first_definition_only()
    {
        var m = new ApMatrix(ApMask.Of(6), ApMask.Of(0x47), ApMask.Empty);
        var items = MdevImportPlanner.Plan(SeedHost(), new[] { MdevctlDefinition.FromMatrix(Other, m), MdevctlDefinition.FromMatrix(Other, m) });
        Assert.Equal(MdevImportAction.Create, items[0].Action);
        Assert.True(items[1].Refused);
        Assert.Contains("more than once", items[1].Problem!.Message);
    }

    [Fact]
    public void Without_vfio_ap_nothing_can_be_created()
    {
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(vfioApLoaded: false), new[] { MdevctlDefinition.FromMatrix(Other, new ApMatrix(ApMask.Of(6), ApMask.Of(0x47), ApMask.Empty)) }));
        Assert.True(item.Refused);
        Assert.Contains("modprobe vfio_ap", item.HostProblem);
    }

    [Fact]
    public void A_definition_for_another_mdev_type_is_refused()
    {
        var gpu = MdevctlDefinition.ParseConfig("""{"mdev_type": "i915-GVTg_V5_4", "start": "auto"}""", "gpu.json", Other);
        var item = Assert.Single(MdevImportPlanner.Plan(SeedHost(), new[] { gpu }));
        Assert.True(item.Refused);
        Assert.Equal("mdev_type", item.Problem!.Entry);
    }
}
