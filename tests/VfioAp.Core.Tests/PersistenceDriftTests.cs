using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Tests;

public class PersistenceDriftTests
{
    private static readonly Guid Same = Guid.Parse("11111111-1111-4111-8111-111111111111");
    private static readonly Guid Changed = Guid.Parse("22222222-2222-4222-8222-222222222222");
    private static readonly Guid LiveOnly = Guid.Parse("33333333-3333-4333-8333-333333333333");
    private static readonly Guid DefinedOnly = Guid.Parse("44444444-4444-4444-8444-444444444444");
    private static readonly Guid Broken = Guid.Parse("55555555-5555-4555-8555-555555555555");
    private static readonly ApMatrix Base = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22), ApMask.Of(4));

    [Fact]
    public void Each_mdev_gets_one_drift_object_saying_exactly_what_differs()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(root));
        // The persisted side of "Changed" has adapter 6 and control domain 0x22 that live does not; live has domain 0x35.
        var persistedChanged = new ApMatrix(Base.Adapters.With(6), Base.Domains, Base.ControlDomains.With(0x22));
        var liveChanged = Base.WithDomains(Base.Domains.With(0x35));
        store.PlanPersist(new[]
        {
            MdevctlDefinition.FromMatrix(Same, Base, MdevStartMode.Auto),
            MdevctlDefinition.FromMatrix(Changed, persistedChanged, MdevStartMode.Manual),
            MdevctlDefinition.FromMatrix(DefinedOnly, Base, MdevStartMode.Auto),
        }).Persist();
        File.WriteAllText(store.PathOf(Broken), "{\"mdev_type\": \"vfio_ap-passthrough\"");

        var live = new[] { Mdev(Same, Base), Mdev(Changed, liveChanged), Mdev(LiveOnly, Base), Mdev(Broken, Base) };
        var drift = MdevDriftComparer.Compare("host1", live, store.ReadAll(), expectedStart: MdevStartMode.Auto);

        Assert.Equal(new[] { Same, Changed, LiveOnly, DefinedOnly, Broken }, drift.Select(d => d.Uuid));
        Assert.All(drift, d => Assert.Equal("host1", d.ComputerName));
        var byUuid = drift.ToDictionary(d => d.Uuid);

        Assert.True(byUuid[Same].InSync, string.Join("; ", byUuid[Same].Differences));

        var c = byUuid[Changed];
        Assert.Equal(MdevDriftKind.MatrixDiffers | MdevDriftKind.StartDiffers, c.Kind);
        Assert.Equal(ApMask.Of(6), c.AdaptersOnlyPersisted);
        Assert.Equal(ApMask.Empty, c.AdaptersOnlyLive);
        Assert.Equal(ApMask.Of(0x35), c.DomainsOnlyLive);
        Assert.Equal(ApMask.Empty, c.DomainsOnlyPersisted);
        Assert.Equal(ApMask.Of(0x22), c.ControlDomainsOnlyPersisted);
        Assert.Equal(MdevStartMode.Manual, c.PersistedStart);
        Assert.Equal(store.PathOf(Changed), c.DefinitionPath);
        Assert.Contains(c.Differences, w => w.Contains("adapters 0x06 persisted only"));
        Assert.Contains(c.Differences, w => w.Contains("start is manual, expected auto"));

        Assert.Equal(MdevDriftKind.NotPersisted, byUuid[LiveOnly].Kind);
        Assert.False(byUuid[LiveOnly].Persisted);
        Assert.Equal(MdevDriftKind.NotLive, byUuid[DefinedOnly].Kind);
        Assert.False(byUuid[DefinedOnly].Live);
        Assert.Equal(Base, byUuid[DefinedOnly].PersistedMatrix);

        var b = byUuid[Broken];
        Assert.Equal(MdevDriftKind.InvalidDefinition, b.Kind);
        Assert.Equal(store.PathOf(Broken), b.DefinitionPath);
        Assert.Contains("malformed JSON", b.Problem);
    }

    [Fact]
    public void Without_an_expected_start_mode_start_is_shown_but_not_drift()
    {
        var contents = new MdevctlStoreContents(new[] { MdevctlDefinition.FromMatrix(Same, Base, MdevStartMode.Manual) }, Array.Empty<PersistenceException>(), Array.Empty<MdevctlConfigFile>());
        var d = Assert.Single(MdevDriftComparer.Compare("h", new[] { Mdev(Same, Base) }, contents));
        Assert.True(d.InSync);
        Assert.Equal(MdevStartMode.Manual, d.PersistedStart);
    }

    [Fact]
    public void A_definition_with_an_id_above_the_hosts_maximum_is_drift_not_a_crash()
    {
        var def = MdevctlDefinition.FromMatrix(Same, new ApMatrix(ApMask.Of(4), ApMask.Of(0x40), ApMask.Empty));
        var contents = new MdevctlStoreContents(new[] { def }, Array.Empty<PersistenceException>(), Array.Empty<MdevctlConfigFile>());
        var d = Assert.Single(MdevDriftComparer.Compare("h", new[] { Mdev(Same, def.ToMatrix()) }, contents, maxAdapterId: 63, maxDomainId: 15));
        Assert.Equal(MdevDriftKind.InvalidDefinition, d.Kind);
        Assert.Contains("ap_max_domain_id", d.Problem);
    }

    [Fact]
    public void Definitions_of_other_parents_are_not_vfio_ap_mdevs_and_are_left_out()
    {
        var gpu = MdevctlDefinition.ParseConfig("""{"mdev_type": "i915-GVTg_V5_4", "start": "auto"}""", "gpu", DefinedOnly, "0000:00:02.0");
        var contents = new MdevctlStoreContents(new[] { gpu }, Array.Empty<PersistenceException>(), Array.Empty<MdevctlConfigFile>());
        Assert.Empty(MdevDriftComparer.Compare("h", Array.Empty<VfioApMdev>(), contents));
    }

    private static VfioApMdev Mdev(Guid uuid, ApMatrix m) => new() { ComputerName = "host1", Uuid = uuid, Matrix = m };
}
