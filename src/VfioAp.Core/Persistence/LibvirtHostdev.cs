using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;

namespace VfioAp.Core.Persistence
{
    /// <summary>A guest's reference to a vfio_ap mdev, read from a <c>&lt;hostdev&gt;</c> element.</summary>
    public sealed class HostdevReference
    {
        public HostdevReference(Guid uuid, string source, int? line, string? guest)
        {
            Uuid = uuid;
            Source = source;
            Line = line;
            Guest = guest;
        }

        public Guid Uuid { get; }
        public string Source { get; }
        public int? Line { get; }
        /// <summary>The domain's <c>&lt;name&gt;</c> when the hostdev was read from a whole domain XML.</summary>
        public string? Guest { get; }
    }

    /// <summary>
    /// The guest side: <c>&lt;hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'&gt;&lt;source&gt;&lt;address uuid='…'/&gt;&lt;/source&gt;&lt;/hostdev&gt;</c>
    /// in a libvirt domain's <c>&lt;devices&gt;</c> (libvirt's domaincommon.rng, hostdevsubsysmdev). managed='no' because
    /// libvirt does not create or remove mdevs for a guest: the mdev must exist (mdevctl, or this module) before the guest starts.
    /// </summary>
    public static class LibvirtHostdev
    {
        public const string Model = "vfio-ap";

        public static XElement ToXml(Guid uuid) =>
            new XElement("hostdev",
                new XAttribute("mode", "subsystem"),
                new XAttribute("type", "mdev"),
                new XAttribute("managed", "no"),
                new XAttribute("model", Model),
                new XElement("source", new XElement("address", new XAttribute("uuid", MdevUuid.Format(uuid)))));

        public static string Format(Guid uuid) => LibvirtXmlText.Format(ToXml(uuid));

        /// <summary>
        /// Every vfio-ap mdev hostdev in the text: a bare <c>&lt;hostdev&gt;</c>, several, or a whole domain XML
        /// (<c>virsh dumpxml guest</c>). Other hostdevs (PCI, vfio-ccw) are skipped; a vfio-ap one without a valid UUID is an error.
        /// </summary>
        public static IReadOnlyList<HostdevReference> Parse(string xml, string source)
        {
            var result = new List<HostdevReference>();
            foreach (var root in LibvirtXmlText.LoadElements(xml, source))
            {
                var guest = root.Name.LocalName == "domain" ? ((string?)root.Element("name"))?.Trim() : null;
                var hostdevs = root.Name.LocalName == "hostdev" ? new[] { root } : root.Descendants("hostdev");
                foreach (var h in hostdevs)
                {
                    if ((string?)h.Attribute("type") != "mdev" || (string?)h.Attribute("model") != Model) continue;
                    var address = h.Element("source")?.Element("address");
                    var text = (string?)address?.Attribute("uuid");
                    if (text is null)
                        throw new PersistenceException(source, "<hostdev>/<source>/<address uuid>", "the vfio-ap hostdev names no mdev: expected <source><address uuid='…'/></source>.", LibvirtXmlText.LineOf(address ?? h));
                    if (!MdevUuid.TryParse(text, out var uuid))
                        throw new PersistenceException(source, "<hostdev>/<source>/<address uuid>", MdevUuid.Describe(text), LibvirtXmlText.LineOf(address));
                    if ((string?)h.Attribute("mode") != "subsystem")
                        throw new PersistenceException(source, "<hostdev mode>", $"an mdev hostdev has mode='subsystem', not '{(string?)h.Attribute("mode")}'.", LibvirtXmlText.LineOf(h));
                    result.Add(new HostdevReference(uuid, source, LibvirtXmlText.LineOf(h), guest));
                }
            }
            if (result.Count == 0)
                throw new PersistenceException(source, null, "no <hostdev type='mdev' model='vfio-ap'> found.");
            return result;
        }
    }
}
