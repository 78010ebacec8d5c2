using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace VfioAp.Core.Persistence
{
    /// <summary>Reading and printing libvirt XML with System.Xml.Linq: line numbers kept for errors, output indented as virsh prints it.</summary>
    internal static class LibvirtXmlText
    {
        /// <summary>One or more top-level elements (virsh prints one document per device; files may hold several).</summary>
        public static IReadOnlyList<XElement> LoadElements(string text, string source)
        {
            var result = new List<XElement>();
            var settings = new XmlReaderSettings
            {
                ConformanceLevel = ConformanceLevel.Fragment,
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
            };
            try
            {
                using var reader = XmlReader.Create(new StringReader(text), settings);
                while (reader.Read())
                {
                    if (reader.NodeType != XmlNodeType.Element || reader.Depth != 0) continue;
                    // A subtree reader forwards line numbers; disposing it leaves the outer reader on the element's end.
                    using var subtree = reader.ReadSubtree();
                    result.Add(XElement.Load(subtree, LoadOptions.SetLineInfo));
                }
            }
            catch (XmlException ex)
            {
                throw new PersistenceException(source, null, "malformed XML: " + StripPosition(ex.Message), ex.LineNumber, ex.LinePosition, ex);
            }
            if (result.Count == 0) throw new PersistenceException(source, null, "no XML element found.");
            return result;
        }

        public static int? LineOf(XObject? o) => o is IXmlLineInfo li && li.HasLineInfo() ? li.LineNumber : (int?)null;

        /// <summary>As virsh prints: no declaration, two-space indent, <c>\n</c> line ends, no final newline.</summary>
        public static string Format(XElement element)
        {
            var sb = new StringBuilder();
            var settings = new XmlWriterSettings
            {
                OmitXmlDeclaration = true,
                Indent = true,
                IndentChars = "  ",
                NewLineChars = "\n",
                NewLineHandling = NewLineHandling.Replace,
                Encoding = new UTF8Encoding(false),
            };
            using (var w = XmlWriter.Create(sb, settings)) element.WriteTo(w);
            return sb.ToString();
        }

        private static string StripPosition(string message)
        {
            int i = message.IndexOf(" Line ", StringComparison.Ordinal);
            return i > 0 ? message.Substring(0, i) : message;
        }
    }
}
