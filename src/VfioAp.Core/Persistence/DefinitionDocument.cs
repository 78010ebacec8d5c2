using System;
using System.Collections.Generic;

namespace VfioAp.Core.Persistence
{
    /// <summary>The kinds of document that hold mdev definitions or references to them.</summary>
    public enum DefinitionFormat
    {
        /// <summary>mdevctl's JSON: one definition (a file of mdevctl's directory) or the list form of <c>mdevctl list -d --dumpjson</c>.</summary>
        MdevctlJson,
        /// <summary>libvirt's node-device XML (<c>virsh nodedev-dumpxml</c>): a definition with its matrix.</summary>
        NodeDeviceXml,
        /// <summary>A guest's <c>&lt;hostdev type='mdev'&gt;</c> elements (or a whole domain XML): the UUIDs it uses, no matrix.</summary>
        HostdevXml,
    }

    /// <summary>What one document held: mdev definitions, and hostdev references (UUIDs without a matrix).</summary>
    public sealed class DefinitionDocumentContents
    {
        public DefinitionDocumentContents(IReadOnlyList<MdevctlDefinition> definitions, IReadOnlyList<HostdevReference> hostdevs)
        {
            Definitions = definitions;
            Hostdevs = hostdevs;
        }

        public IReadOnlyList<MdevctlDefinition> Definitions { get; }
        public IReadOnlyList<HostdevReference> Hostdevs { get; }
    }

    /// <summary>
    /// Tells mdev definition documents apart and parses them: JSON is mdevctl's, XML whose first element is
    /// &lt;device&gt; is a libvirt node device, any other XML is read for the guest's hostdev elements.
    /// Parse errors are <see cref="PersistenceException"/>s naming the source and the entry.
    /// </summary>
    public static class DefinitionDocument
    {
        /// <summary>The document's format, judged from its first bracket or element.</summary>
        public static DefinitionFormat Detect(string text)
        {
            var t = text.TrimStart();
            if (!t.StartsWith("<", StringComparison.Ordinal)) return DefinitionFormat.MdevctlJson;
            return FirstElementIsDevice(t) ? DefinitionFormat.NodeDeviceXml : DefinitionFormat.HostdevXml;
        }

        /// <summary>
        /// Parses the document as <paramref name="format"/> (null: detected). <paramref name="uuid"/> is the UUID of a
        /// bare mdevctl definition, which does not hold its own (mdevctl names its files by it).
        /// </summary>
        public static DefinitionDocumentContents Parse(string text, string source, Guid? uuid, DefinitionFormat? format = null)
        {
            switch (format ?? Detect(text))
            {
                case DefinitionFormat.MdevctlJson:
                    return new DefinitionDocumentContents(MdevctlJson.ParseDocument(text, source, uuid), Array.Empty<HostdevReference>());
                case DefinitionFormat.NodeDeviceXml:
                    return new DefinitionDocumentContents(LibvirtNodeDevice.Parse(text, source), Array.Empty<HostdevReference>());
                default:
                    return new DefinitionDocumentContents(Array.Empty<MdevctlDefinition>(), LibvirtHostdev.Parse(text, source));
            }
        }

        /// <summary>
        /// The definitions of a document that must hold definitions (a repository of host configuration): XML is read
        /// as a node device, anything else as mdevctl's JSON.
        /// </summary>
        public static IReadOnlyList<MdevctlDefinition> ParseDefinitions(string text, string source, Guid? uuid) =>
            text.TrimStart().StartsWith("<", StringComparison.Ordinal) ? LibvirtNodeDevice.Parse(text, source) : MdevctlJson.ParseDocument(text, source, uuid);

        /// <summary>The first element, past any declaration, processing instruction or comment, is &lt;device&gt;.</summary>
        private static bool FirstElementIsDevice(string text)
        {
            int i = 0;
            while (i < text.Length)
            {
                int lt = text.IndexOf('<', i);
                if (lt < 0 || lt + 1 >= text.Length) return false;
                char c = text[lt + 1];
                if (c == '?' || c == '!') { i = lt + 2; continue; }
                return string.CompareOrdinal(text, lt + 1, "device", 0, 6) == 0;
            }
            return false;
        }
    }
}
