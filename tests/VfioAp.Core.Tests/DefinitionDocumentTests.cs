using System;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Tests;

/// <summary>
/// Telling definition documents apart (mdevctl JSON, libvirt node-device XML, a guest's hostdev XML) and parsing
/// them. The documents are made by the module's own writers and by hand as libvirt and mdevctl write them.
/// </summary>
public class DefinitionDocumentTests
{
    private static readonly Guid Seed = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly ApMatrix SeedMatrix = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Empty);
    private static MdevctlDefinition SeedDefinition => MdevctlDefinition.FromMatrix(Seed, SeedMatrix, MdevStartMode.Auto);

    [Fact]
    public void Json_is_mdevctls_and_xml_is_told_apart_by_its_first_element()
    {
        Assert.Equal(DefinitionFormat.MdevctlJson, DefinitionDocument.Detect("  \n" + MdevctlJson.FormatList(new[] { SeedDefinition })));
        Assert.Equal(DefinitionFormat.MdevctlJson, DefinitionDocument.Detect(SeedDefinition.ToConfigJson()));
        Assert.Equal(DefinitionFormat.NodeDeviceXml, DefinitionDocument.Detect(LibvirtNodeDevice.Format(SeedDefinition)));
        // A declaration and a comment before the element do not count.
        Assert.Equal(DefinitionFormat.NodeDeviceXml, DefinitionDocument.Detect("<?xml version='1.0'?>\n<!-- saved by virsh -->\n" + LibvirtNodeDevice.Format(SeedDefinition)));
        Assert.Equal(DefinitionFormat.HostdevXml, DefinitionDocument.Detect(LibvirtHostdev.Format(Seed)));
        Assert.Equal(DefinitionFormat.HostdevXml, DefinitionDocument.Detect("<domain type='kvm'><name>db1</name><devices>" + LibvirtHostdev.Format(Seed) + "</devices></domain>"));
    }

    [Fact]
    public void Each_format_parses_to_definitions_or_hostdev_references()
    {
        var json = DefinitionDocument.Parse(MdevctlJson.FormatList(new[] { SeedDefinition }), "list.json", null);
        var def = Assert.Single(json.Definitions);
        Assert.Equal((Seed, SeedMatrix), (def.Uuid, def.ToMatrix(255, 255)));
        Assert.Empty(json.Hostdevs);

        var node = DefinitionDocument.Parse(LibvirtNodeDevice.Format(SeedDefinition), "node.xml", null);
        Assert.Equal(Seed, Assert.Single(node.Definitions).Uuid);
        Assert.Empty(node.Hostdevs);

        var hostdev = DefinitionDocument.Parse(LibvirtHostdev.Format(Seed), "guest.xml", null);
        Assert.Empty(hostdev.Definitions);
        Assert.Equal(Seed, Assert.Single(hostdev.Hostdevs).Uuid);
    }

    [Fact]
    public void A_bare_mdevctl_definition_takes_the_uuid_it_is_given()
    {
        var contents = DefinitionDocument.Parse(SeedDefinition.ToConfigJson(), "/etc/mdevctl.d/matrix/x", Seed);
        Assert.Equal(Seed, Assert.Single(contents.Definitions).Uuid);
    }

    [Fact]
    public void A_format_given_is_used_instead_of_detection_and_a_mismatch_names_the_source()
    {
        var ex = Assert.Throws<PersistenceException>(() => DefinitionDocument.Parse(MdevctlJson.FormatList(new[] { SeedDefinition }), "list.json", null, DefinitionFormat.NodeDeviceXml));
        Assert.Contains("list.json", ex.Message + ex.Source);
    }

    [Fact]
    public void Where_definitions_are_required_xml_is_a_node_device_and_a_hostdev_is_refused()
    {
        Assert.Equal(Seed, Assert.Single(DefinitionDocument.ParseDefinitions(LibvirtNodeDevice.Format(SeedDefinition), "node.xml", null)).Uuid);
        Assert.Equal(Seed, Assert.Single(DefinitionDocument.ParseDefinitions(SeedDefinition.ToConfigJson(), "def", Seed)).Uuid);
        Assert.Throws<PersistenceException>(() => DefinitionDocument.ParseDefinitions(LibvirtHostdev.Format(Seed), "guest.xml", null));
    }
}
