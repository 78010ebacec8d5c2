using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Xml.Linq;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// libvirt's node-device XML for a vfio_ap mdev (<c>virsh nodedev-define</c>, <c>nodedev-dumpxml</c>):
    /// <code>
    /// &lt;device&gt;
    ///   &lt;name&gt;mdev_&lt;uuid with underscores&gt;_matrix&lt;/name&gt;
    ///   &lt;parent&gt;ap_matrix&lt;/parent&gt;
    ///   &lt;capability type='mdev'&gt;
    ///     &lt;type id='vfio_ap-passthrough'/&gt;
    ///     &lt;uuid&gt;…&lt;/uuid&gt;
    ///     &lt;attr name='assign_adapter' value='0x4'/&gt; …
    ///   &lt;/capability&gt;
    /// &lt;/device&gt;
    /// </code>
    /// libvirt hands the attrs to mdevctl in this order, so the XML and mdevctl's JSON say the same thing.
    /// <c>name</c> is required by libvirt's schema (nodedev.rng) but ignored on define; libvirt calls the vfio_ap
    /// parent device <c>ap_matrix</c> (its node-device name for <c>/sys/devices/vfio_ap/matrix</c>), mdevctl calls it
    /// <c>matrix</c>. libvirt keeps the start mode outside this XML (<c>virsh nodedev-autostart</c>), so reading gives
    /// manual.
    /// </summary>
    public static class LibvirtNodeDevice
    {
        /// <summary>libvirt's node-device name of the vfio_ap matrix device.</summary>
        public const string MatrixNodeDevice = "ap_matrix";

        /// <summary>libvirt's name for a defined mdev: <c>mdev_</c>, the UUID with underscores, and the parent's address.</summary>
        public static string NodeDeviceName(Guid uuid, string parent = MdevctlDefinition.MatrixParent) =>
            "mdev_" + MdevUuid.Format(uuid).Replace('-', '_') + "_" + parent;

        public static XElement ToXml(MdevctlDefinition def)
        {
            var capability = new XElement("capability", new XAttribute("type", "mdev"),
                new XElement("type", new XAttribute("id", def.MdevType)),
                new XElement("uuid", MdevUuid.Format(def.Uuid)),
                def.Attributes.Select(a => new XElement("attr", new XAttribute("name", a.Name), new XAttribute("value", a.Value))));
            return new XElement("device",
                new XElement("name", NodeDeviceName(def.Uuid, def.Parent)),
                new XElement("parent", def.Parent == MdevctlDefinition.MatrixParent ? MatrixNodeDevice : def.Parent),
                capability);
        }

        public static string Format(MdevctlDefinition def) => LibvirtXmlText.Format(ToXml(def));

        /// <summary>Reads one or more <c>&lt;device&gt;</c> documents (several may follow each other, as <c>virsh</c> output concatenated).</summary>
        public static IReadOnlyList<MdevctlDefinition> Parse(string xml, string source)
        {
            var result = new List<MdevctlDefinition>();
            var elements = LibvirtXmlText.LoadElements(xml, source);
            for (int i = 0; i < elements.Count; i++)
                result.Add(FromXml(elements[i], source, elements.Count == 1 ? "<device>" : "<device>[" + (i + 1).ToString(CultureInfo.InvariantCulture) + "]"));
            return result;
        }

        public static MdevctlDefinition FromXml(XElement device, string source, string entry = "<device>")
        {
            if (device.Name.LocalName != "device")
                throw new PersistenceException(source, "<" + device.Name.LocalName + ">", "a libvirt node-device document starts with <device>; this is not one.", LibvirtXmlText.LineOf(device));
            var caps = device.Elements("capability").Where(c => (string?)c.Attribute("type") == "mdev").ToList();
            if (caps.Count != 1)
                throw new PersistenceException(source, entry, caps.Count == 0
                    ? "no <capability type='mdev'>: this node device is not a mediated device."
                    : "more than one <capability type='mdev'>; libvirt describes one mdev per <device>.", LibvirtXmlText.LineOf(device));
            var cap = caps[0];
            var typeEl = cap.Element("type");
            var typeId = (string?)typeEl?.Attribute("id");
            if (string.IsNullOrEmpty(typeId))
                throw new PersistenceException(source, entry + "/<capability>/<type>", "the mdev has no <type id='…'/>; for vfio_ap it is <type id='vfio_ap-passthrough'/>.", LibvirtXmlText.LineOf(typeEl ?? cap));

            Guid uuid;
            var uuidEl = cap.Element("uuid");
            if (uuidEl is not null)
            {
                if (!MdevUuid.TryParse(uuidEl.Value.Trim(), out uuid))
                    throw new PersistenceException(source, entry + "/<capability>/<uuid>", MdevUuid.Describe(uuidEl.Value.Trim()), LibvirtXmlText.LineOf(uuidEl));
            }
            else if (!TryUuidFromName((string?)device.Element("name"), out uuid))
            {
                throw new PersistenceException(source, entry + "/<capability>", "the mdev has no <uuid>, and its <name> does not carry one (mdev_<uuid with underscores>_…). Add <uuid>…</uuid>.", LibvirtXmlText.LineOf(cap));
            }

            var parentText = ((string?)device.Element("parent"))?.Trim();
            var parent = string.IsNullOrEmpty(parentText) || parentText == MatrixNodeDevice ? MdevctlDefinition.MatrixParent : parentText!;

            var attrs = new List<MdevctlAttribute>();
            int n = 0;
            foreach (var a in cap.Elements("attr"))
            {
                var name = (string?)a.Attribute("name");
                var value = (string?)a.Attribute("value");
                if (string.IsNullOrEmpty(name) || value is null)
                    throw new PersistenceException(source, entry + "/<capability>/<attr>[" + (n + 1).ToString(CultureInfo.InvariantCulture) + "]",
                        "an <attr> needs both name and value, e.g. <attr name='assign_adapter' value='0x4'/>.", LibvirtXmlText.LineOf(a));
                attrs.Add(new MdevctlAttribute(name!, value));
                n++;
            }
            return MdevctlDefinition.FromParts(uuid, parent, typeId!, MdevStartMode.Manual, attrs, source);
        }

        /// <summary><c>mdev_62177883_f1bb_47f0_914d_32a22e3a8804</c> with or without a <c>_&lt;parent&gt;</c> suffix.</summary>
        internal static bool TryUuidFromName(string? name, out Guid uuid)
        {
            uuid = Guid.Empty;
            if (name is null || !name.StartsWith("mdev_", StringComparison.Ordinal) || name.Length < 5 + 36) return false;
            var u = name.Substring(5, 36);
            if (name.Length > 41 && name[41] != '_') return false;
            return MdevUuid.TryParse(u.Replace('_', '-'), out uuid);
        }
    }
}
