using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Reading a scenario document: the JSON itself (one object, comments allowed, duplicate fields refused) and its
    /// values (strings, booleans, ids in the kernel's syntax), each error naming the file, line, column and entry
    /// (about_VfioAp_Kernel: SCENARIO FILES). What the values mean for the kernel is <see cref="ScenarioBuilder"/>'s job.
    /// </summary>
    internal sealed class ScenarioJson
    {
        private readonly string _source;

        public ScenarioJson(string source) { _source = source; }

        /// <summary>The scenario object of <paramref name="json"/>, with line information for the errors.</summary>
        public static JObject Parse(string json, string source)
        {
            try
            {
                using var text = new StringReader(json);
                using var reader = new JsonTextReader(text) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal };
                var settings = new JsonLoadSettings
                {
                    LineInfoHandling = LineInfoHandling.Load,
                    CommentHandling = CommentHandling.Ignore,
                    DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
                };
                var token = JToken.ReadFrom(reader, settings);
                while (reader.Read())
                    if (reader.TokenType != JsonToken.Comment)
                        throw new ScenarioException(source, reader.LineNumber, reader.LinePosition, null, "unexpected content after the scenario object.");
                return token as JObject ?? throw new ScenarioException(source, Line(token), Column(token), null, $"a scenario is a JSON object, not {Kind(token)}.");
            }
            catch (JsonReaderException ex)
            {
                var message = ex.Message;
                int at = message.IndexOf(" Path '", StringComparison.Ordinal);
                if (at < 0) at = message.IndexOf(", line ", StringComparison.Ordinal);
                if (at > 0) message = message.Substring(0, at);
                throw new ScenarioException(source, ex.LineNumber, ex.LinePosition, string.IsNullOrEmpty(ex.Path) ? null : ex.Path, "malformed JSON: " + message, ex);
            }
        }

        public static int Line(JToken t) => t is IJsonLineInfo li && li.HasLineInfo() ? li.LineNumber : 0;
        public static int Column(JToken t) => t is IJsonLineInfo li && li.HasLineInfo() ? li.LinePosition : 0;

        public static string Kind(JToken t) => t.Type switch
        {
            JTokenType.Object => "an object",
            JTokenType.Array => "an array",
            JTokenType.String => "a string",
            JTokenType.Integer => "a number",
            JTokenType.Float => "a fractional number",
            JTokenType.Boolean => "true/false",
            JTokenType.Null => "null",
            _ => t.Type.ToString(),
        };

        public ScenarioException Error(JToken at, string problem) =>
            new ScenarioException(_source, Line(at), Column(at), EntryOf(at), problem);

        private static string? EntryOf(JToken t)
        {
            var path = t.Path;
            return string.IsNullOrEmpty(path) ? null : path;
        }

        public void CheckFields(JObject obj, string[] known, string what)
        {
            foreach (var p in obj.Properties())
                if (Array.IndexOf(known, p.Name) < 0)
                    throw Error(p, $"unknown field '{p.Name}' in {what}; known fields: {string.Join(", ", known.Where(k => k[0] != '$'))}.");
        }

        public JObject Object(JToken t, string what) =>
            t as JObject ?? throw Error(t, $"{what} must be an object, found {Kind(t)}.");

        public JArray Array_(JToken t, string what) =>
            t as JArray ?? throw Error(t, $"{what} must be an array, found {Kind(t)}.");

        public string ReadString(JToken t) =>
            t.Type == JTokenType.String ? (string)t! : throw Error(t, $"expected a string, found {Kind(t)}.");

        public bool ReadBool(JToken t) =>
            t.Type == JTokenType.Boolean ? (bool)t : throw Error(t, $"expected true or false, found {Kind(t)}.");

        /// <summary>An id as a JSON number, or a string in the kernel's id syntax (<c>"0x35"</c>, <c>"53"</c>, <c>"065"</c> is octal).</summary>
        public int ReadId(JToken t, string what, int max)
        {
            ulong v;
            if (t.Type == JTokenType.Integer)
            {
                var n = t.Value<decimal>();
                if (n < 0) throw Error(t, $"{what} {n} is negative.");
                v = n > ulong.MaxValue ? ulong.MaxValue : (ulong)n;
            }
            else if (t.Type == JTokenType.String)
            {
                var s = (string)t!;
                if (!KernelNumber.TryParse(s, out v, out var err) || s.EndsWith("\n", StringComparison.Ordinal))
                    throw Error(t, $"'{s}' is not a {what} in the kernel's syntax ({err}): write 5, 0x05 or \"0x05\"; a leading 0 means octal.");
            }
            else throw Error(t, $"{what} must be a number or a string such as \"0x05\", found {Kind(t)}.");
            if (v > (ulong)max) throw Error(t, $"{what} {v} (0x{v:x}) is above {max} (0x{max:x}).");
            return (int)v;
        }

        /// <summary>The text written to assign_* for an id: a number in decimal, a string exactly as given (the kernel parses it).</summary>
        public string IdArgument(JToken t)
        {
            if (t.Type == JTokenType.Integer)
            {
                var n = t.Value<decimal>();
                if (n < 0) throw Error(t, $"id {n} is negative.");
                return n.ToString(CultureInfo.InvariantCulture);
            }
            if (t.Type == JTokenType.String) return (string)t!;
            throw Error(t, $"an id must be a number or a string such as \"0x05\", found {Kind(t)}.");
        }

        public ApMask ReadIds(JToken t, string what, int max)
        {
            var m = ApMask.Empty;
            foreach (var item in Array_(t, what))
                m = m.With(ReadId(item, what, max));
            return m;
        }
    }
}
