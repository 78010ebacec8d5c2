using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using Xunit.Abstractions;

namespace VfioAp.Core.Tests;

/// <summary>
/// libvirt XML. Validated with xmllint against libvirt's own RNG schemas (Debian's libvirt0 ships them in
/// /usr/share/libvirt/schemas, installed here when missing); where they cannot be installed, against the layout
/// libvirt documents (formatnode.rst, formatdomain.rst). Each test prints which one it used.
/// </summary>
public class PersistenceLibvirtTests
{
    private static readonly Guid A = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly ApMatrix Matrix = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4));
    private readonly ITestOutputHelper _out;

    public PersistenceLibvirtTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void Node_device_xml_validates_and_carries_type_uuid_and_ordered_attrs()
    {
        var def = MdevctlDefinition.FromMatrix(A, Matrix);
        var xml = LibvirtNodeDevice.Format(def);
        _out.WriteLine(xml);
        ValidateNodeDevice(xml, expectValid: true);

        var doc = XElement.Parse(xml);
        Assert.Equal("mdev_62177883_f1bb_47f0_914d_32a22e3a8804_matrix", (string?)doc.Element("name"));
        Assert.Equal("ap_matrix", (string?)doc.Element("parent"));
        var cap = doc.Element("capability")!;
        Assert.Equal("mdev", (string?)cap.Attribute("type"));
        Assert.Equal("vfio_ap-passthrough", (string?)cap.Element("type")!.Attribute("id"));
        Assert.Equal(A.ToString(), (string?)cap.Element("uuid"));
        Assert.Equal(def.Attributes.Select(a => (a.Name, a.Value)),
                     cap.Elements("attr").Select(e => ((string)e.Attribute("name")!, (string)e.Attribute("value")!)));
    }

    [Fact]
    public void Node_device_xml_reads_back_to_the_same_definition_and_matrix()
    {
        var def = MdevctlDefinition.FromMatrix(A, Matrix);
        var back = Assert.Single(LibvirtNodeDevice.Parse(LibvirtNodeDevice.Format(def), "nd.xml"));
        Assert.True(back.SameDefinition(def));
        Assert.Equal(Matrix, back.ToMatrix());
    }

    [Fact]
    public void Any_matrix_survives_node_device_xml_and_back()
    {
        var genMask = Gen.Int[0, 255].Array[0, 10].Select(b => ApMask.Of(b));
        Gen.Select(genMask, genMask, genMask, Gen.Guid).Sample((a, d, c, uuid) =>
        {
            var matrix = new ApMatrix(a, d, c);
            var back = Assert.Single(LibvirtNodeDevice.Parse(LibvirtNodeDevice.Format(MdevctlDefinition.FromMatrix(uuid, matrix)), "p.xml"));
            Assert.Equal(uuid, back.Uuid);
            Assert.Equal(matrix, back.ToMatrix());
            Assert.Equal(uuid, Assert.Single(LibvirtHostdev.Parse(LibvirtHostdev.Format(uuid), "h.xml")).Uuid);
        }, iter: 300);
    }

    [Fact]
    public void Node_device_xml_as_libvirt_documents_it_is_read_without_uuid_element_and_with_several_documents()
    {
        // IBM's libvirt example: parent ap_matrix, no <name> or <uuid>; and a dumpxml with name and uuid after it.
        var text = """
        <device>
            <parent>ap_matrix</parent>
            <capability type="mdev">
                <type id="vfio_ap-passthrough"/>
                <uuid>783e6dbb-ea0e-411f-94e2-717eaad438bf</uuid>
                <attr name="assign_adapter" value="0x09"/>
                <attr name="assign_domain" value="0x0001"/>
            </capability>
        </device>
        <device>
          <name>mdev_62177883_f1bb_47f0_914d_32a22e3a8804_matrix</name>
          <path>/sys/devices/vfio_ap/matrix/62177883-f1bb-47f0-914d-32a22e3a8804</path>
          <parent>ap_matrix</parent>
          <driver><name>vfio_ap_mdev</name></driver>
          <capability type='mdev'>
            <type id='vfio_ap-passthrough'/>
            <iommuGroup number='0'/>
            <attr name='assign_adapter' value='5'/>
          </capability>
        </device>
        """;
        var defs = LibvirtNodeDevice.Parse(text, "two.xml");
        Assert.Equal(2, defs.Count);
        Assert.Equal(new ApMatrix(ApMask.Of(9), ApMask.Of(1), ApMask.Empty), defs[0].ToMatrix());
        Assert.Equal("matrix", defs[0].Parent);
        Assert.Equal(A, defs[1].Uuid);
        Assert.Equal(ApMask.Of(5), defs[1].ToMatrix().Adapters.Mask);
    }

    [Theory]
    [InlineData("<device><parent>ap_matrix</parent><capability type='mdev'><type id='vfio_ap-passthrough'/><uuid>not-a-uuid</uuid></capability></device>", "<device>/<capability>/<uuid>", "not a UUID")]
    [InlineData("<device><parent>ap_matrix</parent><capability type='mdev'><type id='vfio_ap-passthrough'/></capability></device>", "<device>/<capability>", "no <uuid>")]
    [InlineData("<device><capability type='pci'/></device>", "<device>", "not a mediated device")]
    [InlineData("<device><capability type='mdev'><uuid>62177883-f1bb-47f0-914d-32a22e3a8804</uuid></capability></device>", "<device>/<capability>/<type>", "no <type")]
    [InlineData("<device><capability type='mdev'><type id='vfio_ap-passthrough'/><uuid>62177883-f1bb-47f0-914d-32a22e3a8804</uuid>\n<attr name='assign_adapter'/></capability></device>", "<device>/<capability>/<attr>[1]", "name and value")]
    [InlineData("<device><capability type='mdev'>", null, "malformed XML")]
    public void Bad_node_device_xml_names_the_file_and_the_element(string xml, string? entry, string words)
    {
        var ex = Assert.Throws<PersistenceException>(() => LibvirtNodeDevice.Parse(xml, "/srv/nd.xml"));
        Assert.Equal("/srv/nd.xml", ex.Source);
        Assert.Equal(entry, ex.Entry);
        Assert.Contains(words, ex.Message);
        Assert.NotNull(ex.Line);
    }

    [Fact]
    public void A_node_device_of_another_type_reads_but_is_refused_as_a_vfio_ap_matrix()
    {
        var def = Assert.Single(LibvirtNodeDevice.Parse(
            "<device><parent>css_0_0_0072</parent><capability type='mdev'><type id='vfio_ccw-io'/><uuid>62177883-f1bb-47f0-914d-32a22e3a8804</uuid></capability></device>", "ccw.xml"));
        var ex = Assert.Throws<PersistenceException>(() => def.ToMatrix());
        Assert.Equal("mdev_type", ex.Entry);
        Assert.Contains("vfio_ccw-io", ex.Message);
    }

    [Fact]
    public void Hostdev_xml_validates_alone_and_inside_a_domain()
    {
        var xml = LibvirtHostdev.Format(A);
        _out.WriteLine(xml);
        var h = XElement.Parse(xml);
        Assert.Equal(("subsystem", "mdev", "no", "vfio-ap"),
            ((string?)h.Attribute("mode"), (string?)h.Attribute("type"), (string?)h.Attribute("managed"), (string?)h.Attribute("model")));
        Assert.Equal(A.ToString(), (string?)h.Element("source")!.Element("address")!.Attribute("uuid"));

        var domain = DomainWith(xml);
        if (LibvirtSchemas.WhyUnavailable is string why)
        {
            _out.WriteLine("Validated against libvirt's documented hostdev layout only: " + why);
            CheckDocumentedHostdevLayout(h);
            return;
        }
        _out.WriteLine($"Validated with xmllint against {LibvirtSchemas.Directory}/domain.rng and domaincommon.rng's hostdev.");
        using var dir = new PersistenceTempDir();
        var grammar = LibvirtSchemas.HostdevGrammar(dir.Path);
        var (ok, messages) = LibvirtSchemas.Validate(grammar, xml);
        Assert.True(ok, messages);
        (ok, messages) = LibvirtSchemas.Validate(Path.Combine(LibvirtSchemas.Directory, "domain.rng"), domain);
        Assert.True(ok, messages);
        // The validator can say no: a model libvirt does not know is refused.
        (ok, _) = LibvirtSchemas.Validate(grammar, xml.Replace("vfio-ap", "vfio-xx"));
        Assert.False(ok);
    }

    [Fact]
    public void Hostdevs_are_read_from_a_whole_domain_skipping_other_hostdevs()
    {
        var other = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
        var domain = DomainWith(
            "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0002' bus='0x00' slot='0x00' function='0x0'/></source></hostdev>\n" +
            LibvirtHostdev.Format(A) + "\n" +
            "<hostdev mode='subsystem' type='mdev' model='vfio-ccw'><source><address uuid='" + other + "'/></source></hostdev>");
        var refs = LibvirtHostdev.Parse(domain, "guest1.xml");
        var r = Assert.Single(refs);
        Assert.Equal(A, r.Uuid);
        Assert.Equal("guest1", r.Guest);
        Assert.True(r.Line > 1);

        Assert.Equal(A, Assert.Single(LibvirtHostdev.Parse(LibvirtHostdev.Format(A), "h.xml")).Uuid);
    }

    [Fact]
    public void A_hostdev_with_a_bad_uuid_names_the_file_entry_and_line()
    {
        var ex = Assert.Throws<PersistenceException>(() => LibvirtHostdev.Parse(
            "<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>\n<source>\n<address uuid='62177883-nope'/>\n</source>\n</hostdev>", "/etc/libvirt/qemu/g.xml"));
        Assert.Equal("/etc/libvirt/qemu/g.xml", ex.Source);
        Assert.Equal("<hostdev>/<source>/<address uuid>", ex.Entry);
        Assert.Equal(3, ex.Line);
        Assert.Contains("62177883-nope", ex.Message);
    }

    private void ValidateNodeDevice(string xml, bool expectValid)
    {
        var element = XElement.Parse(xml);
        if (LibvirtSchemas.WhyUnavailable is string why)
        {
            _out.WriteLine("Validated against libvirt's documented node-device layout only: " + why);
            CheckDocumentedNodeDeviceLayout(element);
            return;
        }
        _out.WriteLine($"Validated with xmllint against {LibvirtSchemas.Directory}/nodedev.rng.");
        var schema = Path.Combine(LibvirtSchemas.Directory, "nodedev.rng");
        var (ok, messages) = LibvirtSchemas.Validate(schema, xml);
        Assert.True(ok == expectValid, messages);
        // The schema can say no: an attr without value is not a node device.
        var broken = new XElement(element);
        broken.Element("capability")!.Element("attr")!.Attribute("value")!.Remove();
        Assert.False(LibvirtSchemas.Validate(schema, broken.ToString()).Valid);
    }

    /// <summary>formatnode.rst: device/name, optional parent, capability type='mdev' with type@id, optional uuid, attr@name@value.</summary>
    private static void CheckDocumentedNodeDeviceLayout(XElement device)
    {
        Assert.Equal("device", device.Name.LocalName);
        Assert.Equal(new[] { "name", "parent", "capability" }, device.Elements().Select(e => e.Name.LocalName));
        var cap = device.Element("capability")!;
        Assert.Equal("mdev", (string?)cap.Attribute("type"));
        Assert.NotNull((string?)cap.Element("type")!.Attribute("id"));
        Assert.All(cap.Elements("attr"), a => Assert.True(a.Attribute("name") is not null && a.Attribute("value") is not null));
        Assert.All(cap.Elements(), e => Assert.Contains(e.Name.LocalName, new[] { "type", "uuid", "iommuGroup", "attr", "parent_addr" }));
    }

    /// <summary>formatdomain.rst, mdev host device: hostdev mode/type/model (+managed) with source/address@uuid.</summary>
    private static void CheckDocumentedHostdevLayout(XElement h)
    {
        Assert.Equal("hostdev", h.Name.LocalName);
        Assert.Equal(new[] { "source" }, h.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(new[] { "address" }, h.Element("source")!.Elements().Select(e => e.Name.LocalName));
        Assert.True(MdevUuid.TryParse((string?)h.Element("source")!.Element("address")!.Attribute("uuid"), out _));
    }

    private static string DomainWith(string hostdevs) => $"""
        <domain type='kvm'>
          <name>guest1</name>
          <memory unit='KiB'>1048576</memory>
          <os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
          <devices>
        {hostdevs}
          </devices>
        </domain>
        """;
}
