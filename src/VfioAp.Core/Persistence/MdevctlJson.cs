using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// mdevctl's JSON shapes. mdevctl writes three: the configuration file (<c>{"mdev_type", "start", "attrs"}</c>,
    /// also what <c>define --jsonfile</c> reads and <c>list -d -u UUID --dumpjson</c> prints), the keyed form
    /// <c>{"&lt;uuid&gt;": {…}}</c>, and the list (<c>list -d --dumpjson</c>: <c>[{"&lt;parent&gt;": [{"&lt;uuid&gt;": {…}}, …]}]</c>).
    /// All three are read; the file form and the list form are written.
    /// </summary>
    public static class MdevctlJson
    {
        /// <summary>
        /// Reads any of the three shapes. The file form carries no UUID: <paramref name="uuid"/> gives it (from the
        /// file name or the user); without it the input is refused with a message saying how to name one.
        /// </summary>
        public static IReadOnlyList<MdevctlDefinition> ParseDocument(string text, string source, Guid? uuid = null, string parent = MdevctlDefinition.MatrixParent)
        {
            var root = Load(text, source);
            var result = new List<MdevctlDefinition>();
            switch (root)
            {
                case JArray list:
                    for (int i = 0; i < list.Count; i++)
                    {
                        string at = "[" + N(i) + "]";
                        if (list[i] is not JObject byParent)
                            throw new PersistenceException(source, at, "mdevctl's list form is a list of {\"<parent>\": [ {\"<uuid>\": {definition}} ]} objects; this entry is not an object.", MdevctlDefinition.LineOf(list[i]));
                        foreach (var p in byParent.Properties())
                        {
                            string pat = at + "." + p.Name;
                            if (p.Value is not JArray devices)
                                throw new PersistenceException(source, pat, "under a parent name mdevctl lists devices as [ {\"<uuid>\": {definition}} ]; this is not a list.", MdevctlDefinition.LineOf(p.Value));
                            for (int j = 0; j < devices.Count; j++)
                            {
                                string dat = pat + "[" + N(j) + "]";
                                if (devices[j] is not JObject keyed)
                                    throw new PersistenceException(source, dat, "each device is an object {\"<uuid>\": {definition}}; this one is not an object.", MdevctlDefinition.LineOf(devices[j]));
                                result.AddRange(Keyed(keyed, source, p.Name, dat + "."));
                            }
                        }
                    }
                    break;
                case JObject o when o.Property(MdevctlDefinition.TypeField) is not null || o.Property(MdevctlDefinition.StartField) is not null || o.Property(MdevctlDefinition.AttrsField) is not null:
                    if (uuid is not Guid u)
                        throw new PersistenceException(source, null,
                            "this is an mdevctl definition without its UUID (mdevctl keeps the UUID in the file name). Name the file by the UUID, give the UUID explicitly, or use the form {\"<uuid>\": {definition}}.");
                    result.Add(MdevctlDefinition.FromConfigObject(o, source, u, parent, ""));
                    break;
                case JObject keyedRoot:
                    result.AddRange(Keyed(keyedRoot, source, parent, ""));
                    break;
                default:
                    throw new PersistenceException(source, null, "not an mdevctl definition: expected a JSON object or mdevctl's list (a JSON array).", 1);
            }
            return result;
        }

        private static IEnumerable<MdevctlDefinition> Keyed(JObject keyed, string source, string parent, string prefix)
        {
            if (keyed.Count == 0)
                throw new PersistenceException(source, prefix.TrimEnd('.'), "an empty object: expected {\"<uuid>\": {definition}}.", MdevctlDefinition.LineOf(keyed));
            foreach (var p in keyed.Properties())
            {
                if (!MdevUuid.TryParse(p.Name, out var u))
                    throw new PersistenceException(source, prefix + p.Name, MdevUuid.Describe(p.Name) + " Expected {\"<uuid>\": {definition}}.", MdevctlDefinition.LineOf(p));
                if (p.Value is not JObject def)
                    throw new PersistenceException(source, prefix + p.Name, "the definition under a UUID is an object with mdev_type, start and attrs.", MdevctlDefinition.LineOf(p.Value));
                yield return MdevctlDefinition.FromConfigObject(def, source, u, parent, prefix + MdevUuid.Format(u) + ".");
            }
        }

        /// <summary>
        /// The list form, as <c>mdevctl list -d --dumpjson</c> prints it: parents in ordinal order (mdevctl keeps them in
        /// a BTreeMap), devices by UUID within each (mdevctl shows directory order, which has no meaning).
        /// </summary>
        public static string FormatList(IEnumerable<MdevctlDefinition> definitions)
        {
            var root = new JArray();
            var byParent = new JObject();
            foreach (var g in definitions.GroupBy(d => d.Parent, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                byParent[g.Key] = new JArray(g.OrderBy(d => MdevUuid.Format(d.Uuid), StringComparer.Ordinal)
                                              .Select(d => new JObject { [MdevUuid.Format(d.Uuid)] = d.ToJObject() }));
            }
            if (byParent.Count > 0) root.Add(byParent);
            return Pretty(root);
        }

        /// <summary>Parses JSON keeping line numbers, every string as written (no date conversion) and numbers exactly.</summary>
        internal static JToken Load(string text, string source)
        {
            try
            {
                using var reader = new JsonTextReader(new StringReader(text))
                {
                    DateParseHandling = DateParseHandling.None,
                    FloatParseHandling = FloatParseHandling.Decimal,
                };
                var token = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, CommentHandling = CommentHandling.Ignore });
                // serde_json refuses trailing content; so do we, rather than silently ignoring a second document.
                bool more;
                try { more = reader.Read() && reader.TokenType != JsonToken.Comment; }
                catch (JsonReaderException) { more = true; }
                if (more)
                    throw new PersistenceException(source, null, "there is more text after the JSON value; mdevctl would refuse the file.", reader.LineNumber, reader.LinePosition);
                return token;
            }
            catch (JsonReaderException ex)
            {
                string problem = ex.Message;
                int cut = problem.IndexOf(" Path '", StringComparison.Ordinal);
                if (cut > 0) problem = problem.Substring(0, cut);
                throw new PersistenceException(source, string.IsNullOrEmpty(ex.Path) ? null : ex.Path,
                    "malformed JSON: " + problem.TrimEnd('.') + ". mdevctl would refuse the file as well.", ex.LineNumber, ex.LinePosition, ex);
            }
        }

        /// <summary>serde_json's <c>to_string_pretty</c>: two-space indent, <c>"key": value</c>, <c>[]</c> for an empty list, <c>\n</c> line ends, no final newline.</summary>
        internal static string Pretty(JToken token)
        {
            var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
            using (var w = new JsonTextWriter(sw) { Formatting = Formatting.Indented, Indentation = 2, IndentChar = ' ' })
                token.WriteTo(w);
            return sw.ToString();
        }

        private static string N(int i) => i.ToString(CultureInfo.InvariantCulture);
    }
}
