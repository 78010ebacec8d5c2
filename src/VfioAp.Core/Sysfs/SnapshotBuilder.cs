using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// One snapshot built from one batch's answers (<see cref="HostReader.Build(string, string, SysfsReadResult, SnapshotParts, string)"/>), part by part in the order each
    /// needs the others: the guests (mdevs and queues carry the name of the VM that holds them), the bus, the mdevs
    /// (queues say which mdev holds them and whether they are in its guest), the queues, the cards, the guests' APQNs,
    /// the kernel log's evidence.
    /// </summary>
    internal sealed class SnapshotBuilder
    {
        private readonly string _host, _root;
        private readonly string? _hostRoot;
        private readonly SysfsReadResult _r;
        private readonly SnapshotParts _parts;
        private readonly List<string> _warnings = new List<string>();
        private IReadOnlyList<LibvirtDomainRecord> _domains = Array.Empty<LibvirtDomainRecord>();
        private readonly Dictionary<Guid, List<LibvirtDomainRecord>> _guestsOf = new Dictionary<Guid, List<LibvirtDomainRecord>>();
        private readonly List<VfioApMdev> _mdevs = new List<VfioApMdev>();
        private QueueFileTable _queueFiles = null!;
        private List<Apqn> _queueIds = new List<Apqn>();
        private readonly Dictionary<Guid, ApMatrix> _prediction = new Dictionary<Guid, ApMatrix>();
        private ApBusConfig _bus = null!;

        public SnapshotBuilder(string host, string root, SysfsReadResult r, SnapshotParts parts, string? hostRoot)
        {
            _host = host;
            _root = root;
            _r = r;
            _parts = parts;
            _hostRoot = hostRoot;
        }

        private bool Has(SnapshotParts any) => (_parts & any) != 0;

        public HostSnapshot Build()
        {
            ReadDomains();
            _bus = ReadBus();
            bool vfioLoaded = _r[SysfsLayout.ApDrivers + "/" + SysfsLayout.VfioApDriver]?.Ok == true;
            _queueFiles = new QueueFileTable(_r);
            int? available = null;
            if (Has(SnapshotParts.Mdevs | SnapshotParts.QueueDetails))
            {
                available = Optional(SysfsLayout.MdevAvailableInstances, SysfsFormat.ParseInt);
                ReadMdevs();
            }
            if (Has(SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails)) _queueIds = _queueFiles.Queues;
            if (Has(SnapshotParts.QueueDetails)) Predict();
            var queues = ReadQueues();
            var cards = Has(SnapshotParts.Cards) ? ReadCards() : new List<ApCard>();
            var guests = Guests();
            var (log, logNote) = Has(SnapshotParts.KernelLog) ? ReadKernelLog() : (null, null);
            return new HostSnapshot(_host, _bus, cards, queues, _mdevs, available, vfioLoaded, null, guests, _warnings)
            {
                KernelLog = log,
                KernelLogNote = logNote,
                PersistentFiles = Has(SnapshotParts.PersistentFiles) ? BootStateFiles.TextsOf(_r) : new Dictionary<string, string?>(),
                Parts = HostReader.PartsRead(_parts),
            };
        }

        private void ReadDomains()
        {
            if (Has(SnapshotParts.Guests)) _domains = LibvirtDomainFiles.Read(_r, _hostRoot ?? "/", _warnings);
            foreach (var d in _domains)
                foreach (var m in d.Mdevs)
                {
                    if (!_guestsOf.TryGetValue(m, out var list)) _guestsOf[m] = list = new List<LibvirtDomainRecord>();
                    list.Add(d);
                }
        }

        private ApBusConfig ReadBus()
        {
            var bus = _r[SysfsLayout.ApBus];
            if (bus is null || !bus.Ok)
                throw new HostReadException(_host, Full(SysfsLayout.ApBus),
                    $"Host '{_host}' has no AP bus: {Full(SysfsLayout.ApBus)} does not exist. This is not an IBM Z / LinuxONE Linux with the 'ap' module loaded" +
                    (_root == "/sys" ? "; to work with a simulated host use New-ApSession -Simulation seed." : $"; is '{_root}' the sysfs root you meant?"),
                    bus?.Error ?? Errno.ENOENT);
            return new ApBusConfig
            {
                ComputerName = _host,
                ApMask = Parse(SysfsLayout.ApMask, SysfsFormat.ParseMask),
                AqMask = Parse(SysfsLayout.AqMask, SysfsFormat.ParseMask),
                HostAdapters = Parse(SysfsLayout.HostAdapterMask, SysfsFormat.ParseMaskOrUnsupported),
                HostDomains = Parse(SysfsLayout.HostUsageDomainMask, SysfsFormat.ParseMaskOrUnsupported),
                HostControlDomains = Parse(SysfsLayout.HostControlDomainMask, SysfsFormat.ParseMaskOrUnsupported),
                MaxAdapterId = Parse(SysfsLayout.MaxAdapterId, SysfsFormat.ParseInt),
                MaxDomainId = Parse(SysfsLayout.MaxDomainId, SysfsFormat.ParseInt),
                Bindings = _r.ContentOf(SysfsLayout.Bindings) is string b ? SysfsFormat.Line(b) : null,
            };
        }

        private void ReadMdevs()
        {
            foreach (var e in _r.Entries)
            {
                if (e.Kind != SysfsQueryKind.Content || !e.Path.StartsWith(SysfsLayout.Matrix + "/", StringComparison.Ordinal) || !e.Path.EndsWith("/matrix", StringComparison.Ordinal)) continue;
                var dir = e.Path.Substring(0, e.Path.Length - "/matrix".Length);
                if (!Guid.TryParseExact(SysfsLayout.LastSegment(dir), "D", out var uuid)) continue;
                if (!e.Ok) throw new HostReadException(_host, Full(e.Path), $"Host '{_host}': cannot read {Full(e.Path)} ({ErrnoText.Describe(e.Error)}).", e.Error);
                _mdevs.Add(ReadMdev(e.Path, dir, uuid));
            }
        }

        private VfioApMdev ReadMdev(string matrixPath, string dir, Guid uuid)
        {
            var matrix = Parse(matrixPath, (t, s) => SysfsFormat.ParseMatrix(t, s));
            var cdoms = Parse(dir + "/control_domains", SysfsFormat.ParseControlDomains);
            var guestEntry = _r[dir + "/guest_matrix"];
            string? guestText = guestEntry is { Ok: true } ? guestEntry.Value : null;
            ApMatrix? guest = guestText is null ? (ApMatrix?)null : Parse(dir + "/guest_matrix", (t, s) => SysfsFormat.ParseMatrix(t, s));
            var full = new ApMatrix(matrix.Adapters, matrix.Domains, cdoms);
            bool used = full.Apqns().Any(q => _queueFiles.Of(q).Status == "in use");
            _guestsOf.TryGetValue(uuid, out var holders);
            // The active domain first: it is the one QEMU opened the mdev for.
            var names = holders?.OrderBy(d => d.State == GuestStates.ShutOff).ThenBy(d => d.Name, StringComparer.Ordinal).Select(d => d.Name).ToList() ?? new List<string>();
            var first = holders?.OrderBy(d => d.State == GuestStates.ShutOff).ThenBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault();
            return new VfioApMdev
            {
                Guest = names.Count == 0 ? null : string.Join(", ", names),
                Guests = names,
                GuestState = first?.State ?? GuestStates.NotDefined,
                Autostart = holders?.Any(d => d.Autostart) ?? false,
                ComputerName = _host,
                Uuid = uuid,
                Matrix = full,
                GuestMatrix = guest,
                GuestMatrixText = guestText,
                HasApConfig = _r[dir + "/ap_config"]?.Ok == true,
                InUse = used,
            };
        }

        /// <summary>Each mdev's guest matrix: what the kernel reports, or else what the APCB rule predicts.</summary>
        private void Predict()
        {
            var states = new BindingTable(_queueIds, _queueFiles);
            var hostConfig = HostApConfig.From(_bus);
            foreach (var m in _mdevs)
                _prediction[m.Uuid] = m.GuestMatrix ?? ApcbFilter.Predict(m.Matrix, hostConfig, states).Guest;
        }

        private List<ApQueue> ReadQueues()
        {
            var holder = new Dictionary<int, VfioApMdev>();
            foreach (var m in _mdevs)
                foreach (var a in m.Matrix.Adapters)
                    foreach (var d in m.Matrix.Domains)
                        holder[(a << 8) | d] = m;
            var queues = new List<ApQueue>(_queueIds.Count);
            foreach (var qn in _queueIds)
                queues.Add(ReadQueue(qn, holder.TryGetValue(qn.QueueId, out var m) ? m : null));
            return queues;
        }

        private ApQueue ReadQueue(Apqn qn, VfioApMdev? assigned)
        {
            var files = _queueFiles.Of(qn);
            bool? config = null, chkstop = null, online = null;
            string? status = null;
            bool inGuest = false;
            if (Has(SnapshotParts.QueueDetails))
            {
                config = QueueFlag(qn, "config", files.Config);
                chkstop = QueueFlag(qn, "chkstop", files.Checkstop);
                // zcrypt's online exists only while a zcrypt driver holds the queue; otherwise derive it as zcrypt does.
                online = QueueFlag(qn, "online", files.Online) ?? (config.HasValue ? config.Value && chkstop != true : (bool?)null);
                status = files.Status;
                inGuest = assigned != null && _prediction.TryGetValue(assigned.Uuid, out var g) && g.Adapters.Contains(qn.Adapter) && g.Domains.Contains(qn.Domain);
            }
            return new ApQueue
            {
                ComputerName = _host,
                Apqn = qn,
                Driver = files.Driver,
                Config = config,
                Checkstop = chkstop,
                Online = online,
                Status = status,
                OwnedByHost = _bus.IsHostOwned(qn),
                AssignedTo = assigned?.Uuid,
                InGuest = inGuest,
                Guest = assigned?.Guest,
            };
        }

        /// <summary>A queue's 0/1 attribute, null when it was not there; its path is spelled only for a message.</summary>
        private bool? QueueFlag(Apqn qn, string attribute, string? text)
        {
            if (text is null) return null;
            try { return SysfsFormat.ParseFlag(text, attribute); }
            catch (FormatException)
            {
                return Optional(SysfsLayout.QueueAttribute(qn, attribute), SysfsFormat.ParseFlag);
            }
        }

        private List<ApCard> ReadCards()
        {
            var cards = new List<ApCard>();
            var perCard = _queueIds.GroupBy(q => q.Adapter.Value).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var e in _r.Entries)
            {
                if (e.Kind != SysfsQueryKind.Content || !e.Path.EndsWith("/hwtype", StringComparison.Ordinal)) continue;
                var dir = e.Path.Substring(0, e.Path.Length - "/hwtype".Length);
                if (!SysfsLayout.TryParseCardName(SysfsLayout.LastSegment(dir), out var id) || dir != SysfsLayout.CardDir(id)) continue;
                perCard.TryGetValue(id.Value, out var cq);
                cards.Add(ReadCard(e.Path, dir, id, cq));
            }
            return cards;
        }

        private ApCard ReadCard(string hwtypePath, string dir, ApId id, List<Apqn>? cardQueues) => new ApCard
        {
            ComputerName = _host,
            Id = id,
            Type = _r.ContentOf(dir + "/type") is string t ? SysfsFormat.Line(t) : null,
            HwType = Parse(hwtypePath, SysfsFormat.ParseInt),
            Online = Optional(dir + "/online", SysfsFormat.ParseFlag),
            Config = Optional(dir + "/config", SysfsFormat.ParseFlag),
            Checkstop = Optional(dir + "/chkstop", SysfsFormat.ParseFlag),
            Functions = _r.ContentOf(dir + "/ap_functions") is string f ? SysfsFormat.Line(f) : null,
            Depth = Optional(dir + "/depth", SysfsFormat.ParseInt),
            Driver = _r[dir + "/driver"] is { Ok: true } dl ? SysfsLayout.LastSegment(dl.Value!) : null,
            InHostConfig = _bus.HostAdapters?.Contains(id) ?? true,
            QueueCount = cardQueues?.Count ?? 0,
            VfioApQueueCount = cardQueues?.Count(q => _queueFiles.DriverOf(q) == SysfsLayout.VfioApDriver) ?? 0,
        };

        /// <summary>Each libvirt domain with the APQNs its mdevs give its guest (predicted, or as the kernel reports them).</summary>
        private List<LibvirtGuest> Guests()
        {
            var guests = new List<LibvirtGuest>();
            foreach (var d in _domains)
            {
                ApMask ga = ApMask.Empty, gd = ApMask.Empty;
                int apqns = 0;
                foreach (var u in d.Mdevs)
                {
                    var m = _mdevs.FirstOrDefault(x => x.Uuid == u);
                    if (m is null) continue;
                    ApMatrix? g = _prediction.TryGetValue(u, out var pm) ? pm : m.GuestMatrix;
                    if (g is null) continue;
                    ga |= g.Value.Adapters;
                    gd |= g.Value.Domains;
                    apqns += g.Value.ApqnCount;
                }
                guests.Add(new LibvirtGuest
                {
                    ComputerName = _host,
                    Name = d.Name,
                    DomainUuid = d.Uuid,
                    State = d.State,
                    Persistent = d.Persistent,
                    Autostart = d.Autostart,
                    Mdevs = d.Mdevs,
                    Adapters = ga,
                    Domains = gd,
                    ApqnCount = apqns,
                    DefinitionFile = d.DefinitionFile,
                    StatusFile = d.StatusFile,
                });
            }
            return guests;
        }

        /// <summary>The kernel log's queue-reset lines, or why they could not be read.</summary>
        private (IReadOnlyList<KernelLogLine>? Log, string? Note) ReadKernelLog()
        {
            // A session without a host root reads sysfs only, by choice: nothing to say about the log then.
            if (_hostRoot is null) return (null, null);
            var e = _r.HostEntry(KernelLog.File);
            var where = _hostRoot == "/" ? "/" + KernelLog.File : _hostRoot.TrimEnd('/') + "/" + KernelLog.File;
            if (e is { Ok: true, Value: string text }) return (KernelLog.Parse(text), null);
            if (e is not null) return (null, $"kernel log not readable ({where}: {ErrnoText.Describe(e.Error)}); read as root or with -UseSudo to see reset errors");
            return (null, $"kernel log not readable ({where} is not there)");
        }

        private string Full(string path) => HostReader.Join(_root, path);

        private string Need(string path)
        {
            var e = _r[path];
            if (e is null || !e.Ok)
                throw new HostReadException(_host, Full(path),
                    $"Host '{_host}': cannot read {Full(path)} ({(e is null ? "missing" : ErrnoText.Describe(e.Error))}); the AP bus looks incomplete.",
                    e?.Error ?? Errno.ENOENT);
            return e.Value!;
        }

        private T Parse<T>(string path, Func<string, string, T> parse)
        {
            var text = Need(path);
            try { return parse(text, Full(path)); }
            catch (FormatException ex) { throw new HostReadException(_host, Full(path), $"Host '{_host}': {ex.Message}", Errno.None, ex); }
        }

        private T? Optional<T>(string path, Func<string, string, T> parse) where T : struct
        {
            var e = _r[path];
            if (e is null || !e.Ok || e.Value is null) return null;
            try { return parse(e.Value, Full(path)); }
            catch (FormatException ex) { throw new HostReadException(_host, Full(path), $"Host '{_host}': {ex.Message}", Errno.None, ex); }
        }
    }
}
