using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// One mdevctl definition: the file <c>/etc/mdevctl.d/&lt;parent&gt;/&lt;uuid&gt;</c> that makes an mdev survive a reboot.
    /// The JSON object is kept as read, so fields and attributes this module does not know (written by a newer
    /// mdevctl or by hand) come back unchanged when the definition is written again; only <c>start</c> and the
    /// matrix attributes are ever replaced. Immutable: the <c>With…</c> methods return changed copies.
    /// </summary>
    public sealed class MdevctlDefinition
    {
        /// <summary>The sysfs name of vfio_ap's parent device (<c>/sys/devices/vfio_ap/matrix</c>), mdevctl's parent for every vfio_ap mdev.</summary>
        public const string MatrixParent = "matrix";
        public const string VfioApType = "vfio_ap-passthrough";

        internal const string TypeField = "mdev_type";
        internal const string StartField = "start";
        internal const string AttrsField = "attrs";

        private readonly JObject _json;

        private MdevctlDefinition(Guid uuid, string parent, JObject json, string source, IReadOnlyList<MdevctlAttribute> attributes,
                                  string mdevType, MdevStartMode start, IReadOnlyList<string> warnings)
        {
            Uuid = uuid;
            Parent = parent;
            _json = json;
            Source = source;
            Attributes = attributes;
            MdevType = mdevType;
            Start = start;
            Warnings = warnings;
        }

        public Guid Uuid { get; }
        /// <summary>mdevctl's parent: the directory under <c>/etc/mdevctl.d</c> (<c>matrix</c> for vfio_ap).</summary>
        public string Parent { get; }
        public string MdevType { get; }
        public MdevStartMode Start { get; }
        /// <summary>The ordered <c>attrs</c>, unknown ones included.</summary>
        public IReadOnlyList<MdevctlAttribute> Attributes { get; }
        /// <summary>Where the definition was read from (a file path, <c>mdevctl list</c>, a pipeline string), or <c>generated</c>.</summary>
        public string Source { get; }
        /// <summary>What mdevctl would read differently from what the text seems to say; never a reason to refuse.</summary>
        public IReadOnlyList<string> Warnings { get; }

        public bool IsVfioAp => MdevType == VfioApType && Parent == MatrixParent;

        /// <summary>Top-level fields other than <c>mdev_type</c>, <c>start</c> and <c>attrs</c>, in file order: kept, never interpreted.</summary>
        public IReadOnlyList<string> UnknownFields =>
            _json.Properties().Select(p => p.Name).Where(n => n != TypeField && n != StartField && n != AttrsField).ToList();

        /// <summary>Attributes that do not set the matrix, in order: kept, and written back after the matrix attributes.</summary>
        public IReadOnlyList<MdevctlAttribute> UnknownAttributes => Attributes.Where(a => !a.IsMatrixAttribute).ToList();

        /// <summary>A new definition of a vfio_ap mdev with this matrix, as mdevctl itself would write it.</summary>
        public static MdevctlDefinition FromMatrix(Guid uuid, ApMatrix matrix, MdevStartMode start = MdevStartMode.Manual)
        {
            var attrs = MdevMatrixAttributes.FromMatrix(matrix);
            var json = new JObject
            {
                [TypeField] = VfioApType,
                [StartField] = start.ToMdevctl(),
                [AttrsField] = ToJArray(attrs),
            };
            return new MdevctlDefinition(uuid, MatrixParent, json, "generated", attrs, VfioApType, start, Array.Empty<string>());
        }

        /// <summary>
        /// This definition with its matrix attributes replaced by <paramref name="matrix"/> (<see cref="MdevMatrixAttributes.FromMatrix"/>);
        /// unknown attributes follow in their old order, unknown fields stay where they were.
        /// </summary>
        public MdevctlDefinition WithMatrix(ApMatrix matrix)
        {
            var attrs = MdevMatrixAttributes.FromMatrix(matrix).Concat(UnknownAttributes).ToList();
            var json = (JObject)_json.DeepClone();
            json[AttrsField] = ToJArray(attrs);
            return new MdevctlDefinition(Uuid, Parent, json, Source, attrs, MdevType, Start, Warnings);
        }

        public MdevctlDefinition WithStart(MdevStartMode start)
        {
            var json = (JObject)_json.DeepClone();
            json[StartField] = start.ToMdevctl();
            return new MdevctlDefinition(Uuid, Parent, json, Source, Attributes, MdevType, start,
                                         Warnings.Where(w => !w.Contains("\"start\"")).ToList());
        }

        public MdevctlDefinition WithUuid(Guid uuid) =>
            new MdevctlDefinition(uuid, Parent, (JObject)_json.DeepClone(), Source, Attributes, MdevType, Start, Warnings);

        /// <summary>
        /// The matrix that <c>mdevctl start</c> would leave on the mdev: the attribute writes replayed with the kernel's
        /// parsing. Throws <see cref="PersistenceException"/> naming the file and entry when the definition is not a
        /// vfio_ap one or an id is not one the kernel would take (pass the host's <c>ap_max_*_id</c> to check against it).
        /// </summary>
        public ApMatrix ToMatrix(int maxAdapterId = ApId.Max, int maxDomainId = DomainId.Max, ICollection<string>? warnings = null)
        {
            if (MdevType != VfioApType)
                throw new PersistenceException(Source, TypeField,
                    $"mdev type '{MdevType}' is not {VfioApType}; this definition is for another kind of mdev, not a vfio_ap matrix.", LineOf(_json[TypeField]));
            if (Parent != MatrixParent)
                throw new PersistenceException(Source, "parent",
                    $"parent '{Parent}' is not '{MatrixParent}', the vfio_ap device every vfio_ap mdev is created on (/sys/devices/vfio_ap/matrix).");
            var attrsToken = _json[AttrsField] as JArray;
            return MdevMatrixAttributes.Replay(Attributes, Source, i => (EntryName(i, Attributes[i].Name), LineOf(attrsToken?[i])),
                                               maxAdapterId, maxDomainId, warnings);
        }

        /// <summary>The file's text exactly as mdevctl writes it (serde_json's pretty form: two-space indent, no final newline).</summary>
        public string ToConfigJson() => MdevctlJson.Pretty(_json);

        /// <summary>A copy of the JSON object, for callers that embed it (the <c>list --dumpjson</c> shape).</summary>
        public JObject ToJObject() => (JObject)_json.DeepClone();

        /// <summary>
        /// Reads one definition in mdevctl's configuration format. Structure is checked as mdevctl 1.2 checks it
        /// (an object with string <c>mdev_type</c> and <c>start</c>, <c>attrs</c> a list of single-field objects
        /// with string values); the type and ids are checked later, by <see cref="ToMatrix"/>.
        /// </summary>
        public static MdevctlDefinition ParseConfig(string json, string source, Guid uuid, string parent = MatrixParent) =>
            FromConfigObject(MdevctlJson.Load(json, source) as JObject ?? throw new PersistenceException(source, null,
                "an mdevctl definition is a JSON object with mdev_type, start and attrs; this is not an object.", 1), source, uuid, parent, "");

        internal static MdevctlDefinition FromConfigObject(JObject json, string source, Guid uuid, string parent, string entryPrefix)
        {
            var warnings = new List<string>();
            var typeToken = json[TypeField];
            if (typeToken is null || typeToken.Type == JTokenType.Null)
                throw new PersistenceException(source, entryPrefix + TypeField, "the definition has no mdev_type; mdevctl refuses it (\"invalid json\"). Add \"mdev_type\": \"vfio_ap-passthrough\".", LineOf(json));
            if (typeToken.Type != JTokenType.String)
                throw new PersistenceException(source, entryPrefix + TypeField, $"mdev_type must be a string such as \"{VfioApType}\", not {Describe(typeToken)}.", LineOf(typeToken));
            var startToken = json[StartField];
            if (startToken is null || startToken.Type == JTokenType.Null)
                throw new PersistenceException(source, entryPrefix + StartField, "the definition has no start; mdevctl refuses it (\"invalid json\"). Add \"start\": \"auto\" or \"manual\".", LineOf(json));
            MdevStartMode start;
            if (startToken.Type == JTokenType.String)
            {
                start = MdevStartModeText.FromMdevctl((string)startToken!, out bool exact);
                if (!exact) warnings.Add($"{source}, {entryPrefix}start: \"start\" is '{(string)startToken!}'; mdevctl treats anything but \"auto\" as manual.");
            }
            else
            {
                start = MdevStartMode.Manual;
                warnings.Add($"{source}, {entryPrefix}start: \"start\" is {Describe(startToken)}, not a string; mdevctl treats it as manual.");
            }

            var attrs = new List<MdevctlAttribute>();
            var attrsToken = json[AttrsField];
            if (attrsToken is not null && attrsToken.Type != JTokenType.Null)
            {
                if (attrsToken is not JArray array)
                    throw new PersistenceException(source, entryPrefix + AttrsField, $"attrs must be a list of {{\"name\": \"value\"}} objects, not {Describe(attrsToken)}; mdevctl refuses it too.", LineOf(attrsToken));
                for (int i = 0; i < array.Count; i++)
                {
                    var item = array[i];
                    string entry = entryPrefix + "attrs[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                    if (item is not JObject o)
                        throw new PersistenceException(source, entry, $"an attribute is an object with one field, {{\"assign_adapter\": \"0x5\"}}, not {Describe(item)}.", LineOf(item));
                    if (o.Count != 1)
                        throw new PersistenceException(source, entry, $"an attribute object has exactly one field (name: value); this one has {o.Count}. Split it into one object per attribute: order matters to mdevctl.", LineOf(item));
                    var prop = o.Properties().First();
                    if (prop.Value.Type != JTokenType.String)
                        throw new PersistenceException(source, entry + " (" + prop.Name + ")", $"the value must be a string, e.g. \"0x5\", not {Describe(prop.Value)}; mdevctl cannot read it.", LineOf(prop.Value));
                    attrs.Add(new MdevctlAttribute(prop.Name, (string)prop.Value!));
                }
            }
            return new MdevctlDefinition(uuid, parent, (JObject)json.DeepClone(), source, attrs, (string)typeToken!, start, warnings);
        }

        /// <summary>A definition from parts read elsewhere (libvirt's node-device XML), in mdevctl's field order.</summary>
        internal static MdevctlDefinition FromParts(Guid uuid, string parent, string mdevType, MdevStartMode start, IReadOnlyList<MdevctlAttribute> attrs,
                                                    string source, IReadOnlyList<string>? warnings = null)
        {
            var json = new JObject
            {
                [TypeField] = mdevType,
                [StartField] = start.ToMdevctl(),
                [AttrsField] = ToJArray(attrs),
            };
            return new MdevctlDefinition(uuid, parent, json, source, attrs.ToList(), mdevType, start, warnings ?? Array.Empty<string>());
        }

        internal static JArray ToJArray(IEnumerable<MdevctlAttribute> attrs) =>
            new JArray(attrs.Select(a => new JObject { [a.Name] = a.Value }));

        private static string EntryName(int index, string name) => "attrs[" + index.ToString(CultureInfo.InvariantCulture) + "] (" + name + ")";

        internal static int? LineOf(JToken? token) => token is IJsonLineInfo li && li.HasLineInfo() ? li.LineNumber : (int?)null;

        private static string Describe(JToken t) => t.Type switch
        {
            JTokenType.Integer or JTokenType.Float => "the number " + t.ToString(Formatting.None),
            JTokenType.Boolean => t.ToString(Formatting.None),
            JTokenType.Array => "a list",
            JTokenType.Object => "an object",
            JTokenType.Null => "null",
            _ => t.ToString(Formatting.None),
        };

        /// <summary>Equal when mdevctl would act the same: uuid, parent, type, start and the ordered attributes. Unknown fields do not count.</summary>
        public bool SameDefinition(MdevctlDefinition other) =>
            Uuid == other.Uuid && Parent == other.Parent && MdevType == other.MdevType && Start == other.Start && Attributes.SequenceEqual(other.Attributes);

        public override string ToString() => $"{MdevUuid.Format(Uuid)} {Parent} {MdevType} {Start.ToMdevctl()}";
    }
}
