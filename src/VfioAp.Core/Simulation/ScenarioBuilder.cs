using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Applies one scenario document to a new kernel, entry by entry, in the order a host would get there: cards and
    /// the host configuration as hardware events, everything the admin configures through the kernel's own write
    /// paths (apmask, bind/unbind, create, assign_*), so a state the kernel would refuse is refused here too.
    /// </summary>
    internal sealed class ScenarioBuilder
    {
        private static readonly string[] RootFields = { "$schema", "name", "description", "kernel", "maxAdapterId", "maxDomainId", "cards", "hostConfig", "apmask", "aqmask", "queues", "mdevs", "guests", "kernelLog", "files" };
        private static readonly string[] KernelFields = { "apConfig", "guestMatrix" };
        private static readonly string[] CardFields = { "id", "type", "online", "config", "chkstop" };
        private static readonly string[] HostConfigFields = { "adapters", "domains", "controlDomains", "reported" };
        private static readonly string[] QueueFields = { "driver", "exists", "resetFailed", "online" };
        private static readonly string[] MdevFields = { "uuid", "adapters", "domains", "controlDomains", "guest" };
        private static readonly string[] GuestFields = { "name", "state", "autostart", "mdevs" };

        private readonly ScenarioJson _json;
        private readonly string _source;
        private SimulatedKernel _kernel = null!;

        public ScenarioBuilder(ScenarioJson json, string source)
        {
            _json = json;
            _source = source;
        }

        public SimulatedKernel Build(JObject root)
        {
            _json.CheckFields(root, RootFields, "scenario");
            var features = ReadFeatures(root["kernel"]);
            int maxA = root["maxAdapterId"] is JToken ma ? _json.ReadId(ma, "maxAdapterId", ApId.Max) : ApId.Max;
            int maxD = root["maxDomainId"] is JToken md ? _json.ReadId(md, "maxDomainId", DomainId.Max) : DomainId.Max;
            _kernel = new SimulatedKernel(features, maxA, maxD)
            {
                ScenarioName = root["name"] is JToken n ? _json.ReadString(n) : Path.GetFileNameWithoutExtension(_source),
                Description = root["description"] is JToken d ? _json.ReadString(d) : null,
            };

            // The machine: cards, then what the machine gives this Linux (queue devices appear and bind to cex4queue,
            // as at boot with apmask and aqmask all ones).
            var cards = ReadCards(root["cards"]);
            ReadHostConfig(root["hostConfig"], cards);
            foreach (var (entry, card) in cards)
                if (entry["online"] is JToken online)
                    WriteCardOnline(online, card, _json.ReadBool(online));

            // The admin's configuration, through sysfs.
            if (root["apmask"] is JToken apmask) KernelWrite(apmask, SysfsLayout.ApMask, _json.ReadString(apmask), "apmask");
            if (root["aqmask"] is JToken aqmask) KernelWrite(aqmask, SysfsLayout.AqMask, _json.ReadString(aqmask), "aqmask");
            if (root["queues"] is JToken queues) ApplyQueues(queues);
            if (root["mdevs"] is JToken mdevs) ApplyMdevs(mdevs);
            // libvirt's view of the host: defined domains, then every guest an mdev names that no entry defined (a transient
            // domain: live status only, gone when it stops).
            if (root["guests"] is JToken guests) ApplyGuests(guests);
            foreach (var m in _kernel.Mdevs)
                if (_kernel.GuestOf(m) is string running && _kernel.HostFiles.Find(running) is null)
                    _kernel.HostFiles.Add(new SimulatedDomain(running, "running", false, new[] { m }, persistent: false));
            // The host's persistent files a boot starts from (udev rule, command line, mdevctl's and zipl's files), host-root relative.
            if (root["files"] is JToken files)
                foreach (var f in _json.Object(files, "files").Properties())
                    _kernel.HostFiles.SetFile(BootFilePath(f), _json.ReadString(f.Value));
            if (root["kernelLog"] is JToken log)
                foreach (var line in _json.Array_(log, "kernelLog"))
                    _kernel.HostFiles.AppendKernelLog(_json.ReadString(line));
            return _kernel;
        }

        private string BootFilePath(JProperty f)
        {
            var p = f.Name.TrimStart('/');
            if (p.Length == 0 || p.Split('/').Any(s => s.Length == 0 || s == "." || s == ".."))
                throw _json.Error(f, $"file '{f.Name}' is not a path under the host's / (e.g. \"etc/udev/rules.d/41-ap.rules\").");
            return p;
        }

        private KernelFeatures ReadFeatures(JToken? t)
        {
            if (t is null) return KernelFeatures.Current;
            var o = _json.Object(t, "kernel");
            _json.CheckFields(o, KernelFields, "kernel");
            return new KernelFeatures
            {
                ApConfig = o["apConfig"] is JToken a ? _json.ReadBool(a) : true,
                GuestMatrix = o["guestMatrix"] is JToken g ? _json.ReadBool(g) : true,
            };
        }

        private List<(JObject Entry, ApId Card)> ReadCards(JToken? t)
        {
            var list = new List<(JObject, ApId)>();
            if (t is null) return list;
            foreach (var item in _json.Array_(t, "cards"))
            {
                var o = _json.Object(item, "a card");
                _json.CheckFields(o, CardFields, "a card");
                var idToken = o["id"] ?? throw _json.Error(o, "a card needs an \"id\".");
                var id = new ApId(_json.ReadId(idToken, "card id", _kernel.MaxAdapterId));
                var typeToken = o["type"] ?? throw _json.Error(o, "a card needs a \"type\" such as \"CEX8C\".");
                var type = _json.ReadString(typeToken);
                if (!CardType.TryParse(type, out _, out _))
                    throw _json.Error(typeToken, $"card type '{type}' is not CEX<generation 4-8><A|C|P>, e.g. CEX8C (vfio_ap takes CEX4 and newer).");
                bool config = o["config"] is JToken c ? _json.ReadBool(c) : true;
                bool chkstop = o["chkstop"] is JToken k ? _json.ReadBool(k) : false;
                if (list.Any(x => x.Item2 == id)) throw _json.Error(idToken, $"card {id} is listed twice.");
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
                var o = _json.Object(t, "hostConfig");
                _json.CheckFields(o, HostConfigFields, "hostConfig");
                if (o["adapters"] is JToken a) adapters = _json.ReadIds(a, "adapter", _kernel.MaxAdapterId);
                if (o["domains"] is JToken d) domains = _json.ReadIds(d, "domain", _kernel.MaxDomainId);
                if (o["controlDomains"] is JToken c) controls = _json.ReadIds(c, "control domain", _kernel.MaxDomainId);
                if (o["reported"] is JToken r) reported = _json.ReadBool(r);
            }
            _kernel.SetHostConfig(new HostApConfig(adapters, domains, controls, reported));
        }

        private void WriteCardOnline(JToken at, ApId card, bool online)
        {
            if (!_kernel.HostConfig.Adapters.Contains(card))
                throw _json.Error(at, $"card {card} is not in the host configuration (hostConfig.adapters), so it has no card device to set online or offline.");
            KernelWrite(at, SysfsLayout.CardAttribute(card, "online"), online ? "1" : "0", $"card {card} online");
        }

        private void ApplyQueues(JToken t)
        {
            foreach (var p in _json.Object(t, "queues").Properties())
            {
                if (!Apqn.TryParse(p.Name, out var apqn, out var problem) || p.Name != apqn.ToString())
                    throw _json.Error(p, $"'{p.Name}' is not an APQN key: write it as the kernel names queues, e.g. \"05.0035\" (both hex){(problem is null ? "" : " — " + problem)}.");
                var o = _json.Object(p.Value, $"queue {apqn}");
                _json.CheckFields(o, QueueFields, $"queue {apqn}");
                if (o["exists"] is JToken ex)
                {
                    bool exists = _json.ReadBool(ex);
                    var host = _kernel.HostConfig;
                    if (!exists && !(host.Adapters.Contains(apqn.Adapter) && host.Domains.Contains(apqn.Domain) && _kernel.QueueExists(apqn)))
                        throw _json.Error(ex, $"queue {apqn} would not exist anyway: its card is not installed or its adapter or domain is not in hostConfig.");
                    _kernel.SetQueueExists(apqn, exists);
                }
                bool present = _kernel.QueueExists(apqn);
                if (o.ContainsKey("driver"))
                {
                    var d = o["driver"]!;
                    if (!present) throw _json.Error(d, $"queue {apqn} does not exist, so it cannot have a driver.");
                    string? want = d.Type == JTokenType.Null ? null : _json.ReadString(d);
                    if (want != null && want != SysfsLayout.DefaultQueueDriver && want != SysfsLayout.VfioApDriver)
                        throw _json.Error(d, $"'{want}' is not a queue driver: use null (unbound), \"cex4queue\" or \"vfio_ap\".");
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
                        throw _json.Error(on, $"queue {apqn} has no 'online' attribute: zcrypt's online exists only while cex4queue drives the queue (it is {DescribeDriver(apqn)}).");
                    KernelWrite(on, SysfsLayout.QueueAttribute(apqn, "online"), _json.ReadBool(on) ? "1" : "0", $"queue {apqn} online");
                }
                if (o["resetFailed"] is JToken rf)
                {
                    bool failed = _json.ReadBool(rf);
                    if (_kernel.DriverOf(apqn) != SysfsLayout.VfioApDriver)
                        throw _json.Error(rf, $"queue {apqn} is {DescribeDriver(apqn)}: only queues bound to vfio_ap have a vfio_ap reset status.");
                    _kernel.SetResetFailed(apqn, failed);
                }
            }
        }

        private string DescribeDriver(Apqn apqn) =>
            !_kernel.QueueExists(apqn) ? "not a device" : _kernel.DriverOf(apqn) is string d ? "bound to " + d : "not bound";

        private void ApplyMdevs(JToken t)
        {
            var guests = new Dictionary<string, JToken>(StringComparer.Ordinal);
            foreach (var item in _json.Array_(t, "mdevs"))
            {
                var o = _json.Object(item, "an mdev");
                _json.CheckFields(o, MdevFields, "an mdev");
                var uuidToken = o["uuid"] ?? throw _json.Error(o, "an mdev needs a \"uuid\".");
                var uuidText = _json.ReadString(uuidToken);
                if (!Guid.TryParseExact(uuidText, "D", out var uuid))
                    throw _json.Error(uuidToken, $"'{uuidText}' is not a UUID (8-4-4-4-12 hex digits).");
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
                    foreach (var id in _json.Array_(p.Value, p.Name))
                        KernelWrite(id, SysfsLayout.MdevAttribute(uuid, attribute), _json.IdArgument(id), $"mdev {name}: {attribute}");
                }
                if (o["guest"] is JToken g && g.Type != JTokenType.Null)
                {
                    var guest = _json.ReadString(g);
                    if (guest.Length == 0) throw _json.Error(g, "a guest name must not be empty; use null for no guest.");
                    if (guests.TryGetValue(guest, out var first))
                        throw _json.Error(g, $"guest '{guest}' already uses the mdev at {first.Path} (line {ScenarioJson.Line(first)}); a KVM guest can open only one vfio_ap mdev.");
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
            foreach (var item in _json.Array_(t, "guests"))
            {
                var o = _json.Object(item, "a guest");
                _json.CheckFields(o, GuestFields, "a guest");
                var nameToken = o["name"] ?? throw _json.Error(o, "a guest needs a \"name\".");
                var name = _json.ReadString(nameToken);
                if (name.Length == 0 || name.IndexOf('/') >= 0) throw _json.Error(nameToken, $"'{name}' is not a libvirt domain name (not empty, no '/').");
                if (_kernel.HostFiles.Find(name) != null) throw _json.Error(nameToken, $"guest '{name}' is defined twice.");
                string state = "shutoff";
                if (o["state"] is JToken st)
                {
                    state = _json.ReadString(st) switch
                    {
                        "running" => "running",
                        "paused" => "paused",
                        "shut off" => "shutoff",
                        "shutoff" => "shutoff",
                        var other => throw _json.Error(st, $"state '{other}' is not one of running, paused, shut off."),
                    };
                }
                bool autostart = o["autostart"] is JToken a && _json.ReadBool(a);
                var mdevs = new List<Guid>();
                if (o["mdevs"] is JToken ms)
                    foreach (var m in _json.Array_(ms, "mdevs"))
                    {
                        var text = _json.ReadString(m);
                        if (!Guid.TryParseExact(text, "D", out var uuid)) throw _json.Error(m, $"'{text}' is not a UUID (8-4-4-4-12 hex digits).");
                        mdevs.Add(uuid);
                        if (state != "shutoff")
                        {
                            var holder = _kernel.GuestOf(uuid);
                            if (holder is null && _kernel.Mdevs.Contains(uuid)) _kernel.StartGuest(uuid, name);
                            else if (holder != null && holder != name)
                                throw _json.Error(m, $"mdev {text} is already used by running guest '{holder}'; QEMU opens an mdev for one guest only.");
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
                throw _json.Error(at, $"{what}: the kernel refuses 'echo {value} > /sys/{path}': {ErrnoText.Describe(ex.Error)} ({ex.Error}){detail}.");
            }
        }
    }
}
