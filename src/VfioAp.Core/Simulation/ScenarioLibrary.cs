using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Scenario files (spec §8) and the built-in scenarios. A scenario is applied to a fresh
    /// <see cref="SimulatedKernel"/> through the kernel's own write paths (apmask, bind/unbind, create, assign_*),
    /// so a state the kernel would refuse is refused here too, naming the entry.
    /// </summary>
    public static class ScenarioLibrary
    {
        /// <summary>The built-in scenarios: <c>seed</c>, <c>kernel-doc</c>, <c>over-provisioned</c>, <c>large-60x85</c>, <c>large-256x256</c>.</summary>
        public static IReadOnlyList<string> BuiltInNames { get; } = BuiltInScenarios.Names;

        /// <summary>
        /// A scenario file when <paramref name="nameOrPath"/> names an existing file or ends in <c>.json</c>;
        /// otherwise a built-in scenario by name.
        /// </summary>
        public static SimulatedKernel Load(string nameOrPath)
        {
            if (string.IsNullOrWhiteSpace(nameOrPath))
                throw new ScenarioException("(scenario)", 0, 0, null, "No scenario given. Built-in scenarios: " + string.Join(", ", BuiltInNames) + "; or give the path of a .json file.");
            if (File.Exists(nameOrPath) || nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                string text;
                try
                {
                    text = File.ReadAllText(nameOrPath);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new ScenarioException(nameOrPath, 0, 0, null, $"cannot read the scenario file: {ex.Message}", ex);
                }
                return FromJson(text, nameOrPath);
            }
            var json = BuiltInScenarios.Json(nameOrPath);
            if (json is null)
                throw new ScenarioException(nameOrPath, 0, 0, null,
                    $"'{nameOrPath}' is neither a built-in scenario nor an existing file. Built-in scenarios: {string.Join(", ", BuiltInNames)}.");
            return FromJson(json, nameOrPath);
        }

        /// <summary>The JSON text of a built-in scenario (a starting point for one's own), or null for an unknown name.</summary>
        public static string? BuiltInJson(string name) => BuiltInScenarios.Json(name);

        /// <summary>Builds a kernel from scenario JSON; <paramref name="source"/> names it in errors.</summary>
        public static SimulatedKernel FromJson(string json, string source)
        {
            if (json is null) throw new ArgumentNullException(nameof(json));
            source = string.IsNullOrEmpty(source) ? "(scenario)" : source;
            JObject root;
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
                root = token as JObject ?? throw new ScenarioException(source, Line(token), Column(token), null, $"a scenario is a JSON object, not {Kind(token)}.");
            }
            catch (JsonReaderException ex)
            {
                var message = ex.Message;
                int at = message.IndexOf(" Path '", StringComparison.Ordinal);
                if (at < 0) at = message.IndexOf(", line ", StringComparison.Ordinal);
                if (at > 0) message = message.Substring(0, at);
                throw new ScenarioException(source, ex.LineNumber, ex.LinePosition, string.IsNullOrEmpty(ex.Path) ? null : ex.Path, "malformed JSON: " + message, ex);
            }
            return new ScenarioBuilder(source).Build(root);
        }

        internal static int Line(JToken t) => t is IJsonLineInfo li && li.HasLineInfo() ? li.LineNumber : 0;
        internal static int Column(JToken t) => t is IJsonLineInfo li && li.HasLineInfo() ? li.LinePosition : 0;

        internal static string Kind(JToken t) => t.Type switch
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
    }

    /// <summary>Applies one scenario document to a new kernel, entry by entry, in the order a host would get there.</summary>
    internal sealed class ScenarioBuilder
    {
        private static readonly string[] RootFields = { "$schema", "name", "description", "kernel", "maxAdapterId", "maxDomainId", "cards", "hostConfig", "apmask", "aqmask", "queues", "mdevs", "guests", "kernelLog" };
        private static readonly string[] KernelFields = { "apConfig", "guestMatrix" };
        private static readonly string[] CardFields = { "id", "type", "online", "config", "chkstop" };
        private static readonly string[] HostConfigFields = { "adapters", "domains", "controlDomains", "reported" };
        private static readonly string[] QueueFields = { "driver", "exists", "resetFailed", "online" };
        private static readonly string[] MdevFields = { "uuid", "adapters", "domains", "controlDomains", "guest" };
        private static readonly string[] GuestFields = { "name", "state", "autostart", "mdevs" };

        private readonly string _source;
        private SimulatedKernel _kernel = null!;

        public ScenarioBuilder(string source) { _source = source; }

        private ScenarioException Error(JToken at, string problem) =>
            new ScenarioException(_source, ScenarioLibrary.Line(at), ScenarioLibrary.Column(at), EntryOf(at), problem);

        private static string? EntryOf(JToken t)
        {
            var path = t.Path;
            return string.IsNullOrEmpty(path) ? null : path;
        }

        public SimulatedKernel Build(JObject root)
        {
            CheckFields(root, RootFields, "scenario");
            var features = ReadFeatures(root["kernel"]);
            int maxA = root["maxAdapterId"] is JToken ma ? ReadId(ma, "maxAdapterId", ApId.Max) : ApId.Max;
            int maxD = root["maxDomainId"] is JToken md ? ReadId(md, "maxDomainId", DomainId.Max) : DomainId.Max;
            _kernel = new SimulatedKernel(features, maxA, maxD)
            {
                ScenarioName = root["name"] is JToken n ? ReadString(n) : Path.GetFileNameWithoutExtension(_source),
                Description = root["description"] is JToken d ? ReadString(d) : null,
            };

            // The machine: cards, then what the machine gives this Linux (queue devices appear and bind to cex4queue,
            // as at boot with apmask and aqmask all ones).
            var cards = ReadCards(root["cards"]);
            ReadHostConfig(root["hostConfig"], cards);
            foreach (var (entry, card) in cards)
                if (entry["online"] is JToken online)
                    WriteCardOnline(online, card, ReadBool(online));

            // The admin's configuration, through sysfs.
            if (root["apmask"] is JToken apmask) KernelWrite(apmask, SysfsLayout.ApMask, ReadString(apmask), "apmask");
            if (root["aqmask"] is JToken aqmask) KernelWrite(aqmask, SysfsLayout.AqMask, ReadString(aqmask), "aqmask");
            if (root["queues"] is JToken queues) ApplyQueues(queues);
            if (root["mdevs"] is JToken mdevs) ApplyMdevs(mdevs);
            // libvirt's view of the host: defined domains, then every guest an mdev names that no entry defined (a transient
            // domain: live status only, gone when it stops).
            if (root["guests"] is JToken guests) ApplyGuests(guests);
            foreach (var m in _kernel.Mdevs)
                if (_kernel.GuestOf(m) is string running && _kernel.HostFiles.Find(running) is null)
                    _kernel.HostFiles.Add(new SimulatedDomain(running, "running", false, new[] { m }, persistent: false));
            if (root["kernelLog"] is JToken log)
                foreach (var line in Array_(log, "kernelLog"))
                    _kernel.HostFiles.AppendKernelLog(ReadString(line));
            return _kernel;
        }

        private void CheckFields(JObject obj, string[] known, string what)
        {
            foreach (var p in obj.Properties())
                if (Array.IndexOf(known, p.Name) < 0)
                    throw Error(p, $"unknown field '{p.Name}' in {what}; known fields: {string.Join(", ", known.Where(k => k[0] != '$'))}.");
        }

        private JObject Object(JToken t, string what) =>
            t as JObject ?? throw Error(t, $"{what} must be an object, found {ScenarioLibrary.Kind(t)}.");

        private JArray Array_(JToken t, string what) =>
            t as JArray ?? throw Error(t, $"{what} must be an array, found {ScenarioLibrary.Kind(t)}.");

        private string ReadString(JToken t) =>
            t.Type == JTokenType.String ? (string)t! : throw Error(t, $"expected a string, found {ScenarioLibrary.Kind(t)}.");

        private bool ReadBool(JToken t) =>
            t.Type == JTokenType.Boolean ? (bool)t : throw Error(t, $"expected true or false, found {ScenarioLibrary.Kind(t)}.");

        /// <summary>An id as a JSON number, or a string in the kernel's id syntax (<c>"0x35"</c>, <c>"53"</c>, <c>"065"</c> is octal).</summary>
        private int ReadId(JToken t, string what, int max)
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
            else throw Error(t, $"{what} must be a number or a string such as \"0x05\", found {ScenarioLibrary.Kind(t)}.");
            if (v > (ulong)max) throw Error(t, $"{what} {v} (0x{v:x}) is above {max} (0x{max:x}).");
            return (int)v;
        }

        /// <summary>The text written to assign_* for an id: a number in decimal, a string exactly as given (the kernel parses it).</summary>
        private string IdArgument(JToken t)
        {
            if (t.Type == JTokenType.Integer)
            {
                var n = t.Value<decimal>();
                if (n < 0) throw Error(t, $"id {n} is negative.");
                return n.ToString(CultureInfo.InvariantCulture);
            }
            if (t.Type == JTokenType.String) return (string)t!;
            throw Error(t, $"an id must be a number or a string such as \"0x05\", found {ScenarioLibrary.Kind(t)}.");
        }

        private ApMask ReadIds(JToken t, string what, int max)
        {
            var m = ApMask.Empty;
            foreach (var item in Array_(t, what))
                m = m.With(ReadId(item, what, max));
            return m;
        }

        private KernelFeatures ReadFeatures(JToken? t)
        {
            if (t is null) return KernelFeatures.Current;
            var o = Object(t, "kernel");
            CheckFields(o, KernelFields, "kernel");
            return new KernelFeatures
            {
                ApConfig = o["apConfig"] is JToken a ? ReadBool(a) : true,
                GuestMatrix = o["guestMatrix"] is JToken g ? ReadBool(g) : true,
            };
        }

        private List<(JObject Entry, ApId Card)> ReadCards(JToken? t)
        {
            var list = new List<(JObject, ApId)>();
            if (t is null) return list;
            foreach (var item in Array_(t, "cards"))
            {
                var o = Object(item, "a card");
                CheckFields(o, CardFields, "a card");
                var idToken = o["id"] ?? throw Error(o, "a card needs an \"id\".");
                var id = new ApId(ReadId(idToken, "card id", _kernel.MaxAdapterId));
                var typeToken = o["type"] ?? throw Error(o, "a card needs a \"type\" such as \"CEX8C\".");
                var type = ReadString(typeToken);
                if (!CardType.TryParse(type, out _, out _))
                    throw Error(typeToken, $"card type '{type}' is not CEX<generation 4-8><A|C|P>, e.g. CEX8C (vfio_ap takes CEX4 and newer).");
                bool config = o["config"] is JToken c ? ReadBool(c) : true;
                bool chkstop = o["chkstop"] is JToken k ? ReadBool(k) : false;
                if (list.Any(x => x.Item2 == id)) throw Error(idToken, $"card {id} is listed twice.");
                _kernel.AddCard(id, type, config, chkstop);
                list.Add((o, id));
            }
            return list;
        }

        private void ReadHostConfig(JToken? t, List<(JObject Entry, ApId Card)> cards)
        {
            var adapters = ApMask.Of(cards.Select(c => (int)c.Card));
            var domains = ApMask.Empty;
            var controls = ApMask.Empty;
            bool reported = true;
            if (t != null)
            {
                var o = Object(t, "hostConfig");
                CheckFields(o, HostConfigFields, "hostConfig");
                if (o["adapters"] is JToken a) adapters = ReadIds(a, "adapter", _kernel.MaxAdapterId);
                if (o["domains"] is JToken d) domains = ReadIds(d, "domain", _kernel.MaxDomainId);
                if (o["controlDomains"] is JToken c) controls = ReadIds(c, "control domain", _kernel.MaxDomainId);
                if (o["reported"] is JToken r) reported = ReadBool(r);
            }
            _kernel.SetHostConfig(new HostApConfig(adapters, domains, controls, reported));
        }

        private void WriteCardOnline(JToken at, ApId card, bool online)
        {
            if (!_kernel.HostConfig.Adapters.Contains(card))
                throw Error(at, $"card {card} is not in the host configuration (hostConfig.adapters), so it has no card device to set online or offline.");
            KernelWrite(at, SysfsLayout.CardAttribute(card, "online"), online ? "1" : "0", $"card {card} online");
        }

        private void ApplyQueues(JToken t)
        {
            foreach (var p in Object(t, "queues").Properties())
            {
                if (!Apqn.TryParse(p.Name, out var apqn, out var problem) || p.Name != apqn.ToString())
                    throw Error(p, $"'{p.Name}' is not an APQN key: write it as the kernel names queues, e.g. \"05.0035\" (both hex){(problem is null ? "" : " — " + problem)}.");
                var o = Object(p.Value, $"queue {apqn}");
                CheckFields(o, QueueFields, $"queue {apqn}");
                if (o["exists"] is JToken ex)
                {
                    bool exists = ReadBool(ex);
                    var host = _kernel.HostConfig;
                    if (!exists && !(host.Adapters.Contains(apqn.Adapter) && host.Domains.Contains(apqn.Domain) && _kernel.QueueExists(apqn)))
                        throw Error(ex, $"queue {apqn} would not exist anyway: its card is not installed or its adapter or domain is not in hostConfig.");
                    _kernel.SetQueueExists(apqn, exists);
                }
                bool present = _kernel.QueueExists(apqn);
                if (o.ContainsKey("driver"))
                {
                    var d = o["driver"]!;
                    if (!present) throw Error(d, $"queue {apqn} does not exist, so it cannot have a driver.");
                    string? want = d.Type == JTokenType.Null ? null : ReadString(d);
                    if (want != null && want != SysfsLayout.DefaultQueueDriver && want != SysfsLayout.VfioApDriver)
                        throw Error(d, $"'{want}' is not a queue driver: use null (unbound), \"cex4queue\" or \"vfio_ap\".");
                    var current = _kernel.DriverOf(apqn);
                    if (current != want)
                    {
                        if (current != null)
                            KernelWrite(d, SysfsLayout.DriverAttribute(current, "unbind"), apqn.ToString(), $"unbinding {apqn} from {current}");
                        if (want != null)
                            KernelWrite(d, SysfsLayout.DriverAttribute(want, "bind"), apqn.ToString(), $"binding {apqn} to {want}");
                    }
                }
                if (o["online"] is JToken on)
                {
                    if (_kernel.DriverOf(apqn) != SysfsLayout.DefaultQueueDriver)
                        throw Error(on, $"queue {apqn} has no 'online' attribute: zcrypt's online exists only while cex4queue drives the queue (it is {DescribeDriver(apqn)}).");
                    KernelWrite(on, SysfsLayout.QueueAttribute(apqn, "online"), ReadBool(on) ? "1" : "0", $"queue {apqn} online");
                }
                if (o["resetFailed"] is JToken rf)
                {
                    bool failed = ReadBool(rf);
                    if (_kernel.DriverOf(apqn) != SysfsLayout.VfioApDriver)
                        throw Error(rf, $"queue {apqn} is {DescribeDriver(apqn)}: only queues bound to vfio_ap have a vfio_ap reset status.");
                    _kernel.SetResetFailed(apqn, failed);
                }
            }
        }

        private string DescribeDriver(Apqn apqn) =>
            !_kernel.QueueExists(apqn) ? "not a device" : _kernel.DriverOf(apqn) is string d ? "bound to " + d : "not bound";

        private void ApplyMdevs(JToken t)
        {
            var guests = new Dictionary<string, JToken>(StringComparer.Ordinal);
            foreach (var item in Array_(t, "mdevs"))
            {
                var o = Object(item, "an mdev");
                CheckFields(o, MdevFields, "an mdev");
                var uuidToken = o["uuid"] ?? throw Error(o, "an mdev needs a \"uuid\".");
                var uuidText = ReadString(uuidToken);
                if (!Guid.TryParseExact(uuidText, "D", out var uuid))
                    throw Error(uuidToken, $"'{uuidText}' is not a UUID (8-4-4-4-12 hex digits).");
                var name = SysfsLayout.FormatUuid(uuid);
                KernelWrite(uuidToken, SysfsLayout.MdevCreate, name, $"creating mdev {name}");
                // In the order the file gives them, so an error points at the write the kernel refused.
                foreach (var p in o.Properties())
                {
                    string? attribute = p.Name switch
                    {
                        "adapters" => "assign_adapter",
                        "domains" => "assign_domain",
                        "controlDomains" => "assign_control_domain",
                        _ => null,
                    };
                    if (attribute is null) continue;
                    foreach (var id in Array_(p.Value, p.Name))
                        KernelWrite(id, SysfsLayout.MdevAttribute(uuid, attribute), IdArgument(id), $"mdev {name}: {attribute}");
                }
                if (o["guest"] is JToken g && g.Type != JTokenType.Null)
                {
                    var guest = ReadString(g);
                    if (guest.Length == 0) throw Error(g, "a guest name must not be empty; use null for no guest.");
                    if (guests.TryGetValue(guest, out var first))
                        throw Error(g, $"guest '{guest}' already uses the mdev at {first.Path} (line {ScenarioLibrary.Line(first)}); a KVM guest can open only one vfio_ap mdev.");
                    guests[guest] = g;
                    _kernel.StartGuest(uuid, guest);
                }
            }
        }

        /// <summary>
        /// <c>guests</c>: libvirt domains (name, state running|paused|shut off, autostart, the mdevs their XML references).
        /// A running or paused domain holds its mdev open as QEMU does, so its queues say "in use".
        /// </summary>
        private void ApplyGuests(JToken t)
        {
            foreach (var item in Array_(t, "guests"))
            {
                var o = Object(item, "a guest");
                CheckFields(o, GuestFields, "a guest");
                var nameToken = o["name"] ?? throw Error(o, "a guest needs a \"name\".");
                var name = ReadString(nameToken);
                if (name.Length == 0 || name.IndexOf('/') >= 0) throw Error(nameToken, $"'{name}' is not a libvirt domain name (not empty, no '/').");
                if (_kernel.HostFiles.Find(name) != null) throw Error(nameToken, $"guest '{name}' is defined twice.");
                string state = "shutoff";
                if (o["state"] is JToken st)
                {
                    state = ReadString(st) switch
                    {
                        "running" => "running",
                        "paused" => "paused",
                        "shut off" => "shutoff",
                        "shutoff" => "shutoff",
                        var other => throw Error(st, $"state '{other}' is not one of running, paused, shut off."),
                    };
                }
                bool autostart = o["autostart"] is JToken a && ReadBool(a);
                var mdevs = new List<Guid>();
                if (o["mdevs"] is JToken ms)
                    foreach (var m in Array_(ms, "mdevs"))
                    {
                        var text = ReadString(m);
                        if (!Guid.TryParseExact(text, "D", out var uuid)) throw Error(m, $"'{text}' is not a UUID (8-4-4-4-12 hex digits).");
                        mdevs.Add(uuid);
                        if (state != "shutoff")
                        {
                            var holder = _kernel.GuestOf(uuid);
                            if (holder is null && _kernel.Mdevs.Contains(uuid)) _kernel.StartGuest(uuid, name);
                            else if (holder != null && holder != name)
                                throw Error(m, $"mdev {text} is already used by running guest '{holder}'; QEMU opens an mdev for one guest only.");
                        }
                    }
                _kernel.HostFiles.Add(new SimulatedDomain(name, state, autostart, mdevs));
            }
        }

        /// <summary>A write through the kernel's store function; a refusal becomes a scenario error at the entry.</summary>
        private void KernelWrite(JToken at, string path, string value, string what)
        {
            try
            {
                _kernel.Write(path, value + "\n");
            }
            catch (SysfsException ex)
            {
                var detail = ex.Detail is null ? "" : " — " + ex.Detail.Replace("\n", "; ");
                throw Error(at, $"{what}: the kernel refuses 'echo {value} > /sys/{path}': {ErrnoText.Describe(ex.Error)} ({ex.Error}){detail}.");
            }
        }
    }
}
