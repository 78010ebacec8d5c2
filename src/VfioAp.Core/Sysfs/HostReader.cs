using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>A host that cannot be read as an AP host: no AP bus, vfio_ap missing, a file the kernel could not have written.</summary>
    public sealed class HostReadException : Exception
    {
        public HostReadException(string host, string path, string message, Errno error = Errno.None, Exception? inner = null)
            : base(message, inner)
        {
            Host = host;
            Path = path;
            Error = error;
        }

        public string Host { get; }
        public string Path { get; }
        public Errno Error { get; }
    }

    /// <summary>
    /// Reads a host in one <see cref="ISysfs.ReadMany"/> batch and builds a <see cref="HostSnapshot"/> from it.
    /// The batch is a fixed list of glob queries, so its size does not grow with the host: 60 × 85 and 256 × 256
    /// cost the same single round trip.
    /// </summary>
    public static class HostReader
    {
        private const string CardGlob = SysfsLayout.ApDevices + "/card*";
        private const string QueueGlob = CardGlob + "/*.*";
        private const string MdevGlob = SysfsLayout.Matrix + "/*-*-*-*-*";

        public static IReadOnlyList<SysfsQuery> QueriesFor(SnapshotParts parts)
        {
            var q = new List<SysfsQuery>
            {
                // Always: the bus itself, to say clearly when a host has no AP bus.
                new SysfsQuery(SysfsLayout.ApBus, SysfsQueryKind.Exists),
                new SysfsQuery(SysfsLayout.ApMask),
                new SysfsQuery(SysfsLayout.AqMask),
                new SysfsQuery(SysfsLayout.HostAdapterMask),
                new SysfsQuery(SysfsLayout.HostUsageDomainMask),
                new SysfsQuery(SysfsLayout.HostControlDomainMask),
                new SysfsQuery(SysfsLayout.MaxAdapterId),
                new SysfsQuery(SysfsLayout.MaxDomainId),
                new SysfsQuery(SysfsLayout.ApDrivers + "/" + SysfsLayout.VfioApDriver, SysfsQueryKind.Exists),
            };
            if ((parts & SnapshotParts.Bus) != 0) q.Add(new SysfsQuery(SysfsLayout.Bindings));
            if ((parts & (SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails)) != 0)
            {
                q.Add(new SysfsQuery(CardGlob + "/hwtype"));
                q.Add(new SysfsQuery(QueueGlob, SysfsQueryKind.Exists));
                q.Add(new SysfsQuery(QueueGlob + "/driver", SysfsQueryKind.Link));
            }
            if ((parts & SnapshotParts.Cards) != 0)
            {
                foreach (var a in new[] { "type", "online", "config", "chkstop", "ap_functions", "depth" })
                    q.Add(new SysfsQuery(CardGlob + "/" + a));
                q.Add(new SysfsQuery(CardGlob + "/driver", SysfsQueryKind.Link));
            }
            if ((parts & SnapshotParts.QueueDetails) != 0)
            {
                foreach (var a in new[] { "online", "config", "chkstop", "status" })
                    q.Add(new SysfsQuery(QueueGlob + "/" + a));
            }
            if ((parts & (SnapshotParts.Mdevs | SnapshotParts.QueueDetails)) != 0)
            {
                q.Add(new SysfsQuery(MdevGlob + "/matrix"));
                q.Add(new SysfsQuery(MdevGlob + "/guest_matrix"));
                q.Add(new SysfsQuery(MdevGlob + "/control_domains"));
                q.Add(new SysfsQuery(MdevGlob + "/ap_config", SysfsQueryKind.Exists));
                q.Add(new SysfsQuery(SysfsLayout.MdevAvailableInstances));
            }
            if ((parts & SnapshotParts.Guests) != 0) q.AddRange(LibvirtDomainFiles.Queries);
            if ((parts & SnapshotParts.KernelLog) != 0) q.Add(KernelLog.Query);
            return q;
        }

        public static HostSnapshot Read(ISysfs sysfs, SnapshotParts parts = SnapshotParts.All)
        {
            var result = sysfs.ReadMany(QueriesFor(parts));
            return Build(sysfs.HostName, sysfs.Root, result, parts, (sysfs as IHostRooted)?.HostRoot);
        }

        /// <summary>Builds the snapshot from a batch's answers. Public so transports can be tested on recorded answers.</summary>
        public static HostSnapshot Build(string host, string root, SysfsReadResult r, SnapshotParts parts, string? hostRoot = null)
        {
            // Guests first: mdevs and queues carry the name of the VM that holds them.
            var warnings = new List<string>();
            var domains = (parts & SnapshotParts.Guests) != 0
                ? LibvirtDomainFiles.Read(r, hostRoot ?? "/", warnings)
                : (IReadOnlyList<LibvirtDomainRecord>)Array.Empty<LibvirtDomainRecord>();
            var guestsOf = new Dictionary<Guid, List<LibvirtDomainRecord>>();
            foreach (var d in domains)
                foreach (var m in d.Mdevs)
                {
                    if (!guestsOf.TryGetValue(m, out var list)) guestsOf[m] = list = new List<LibvirtDomainRecord>();
                    list.Add(d);
                }

            var bus = r[SysfsLayout.ApBus];
            if (bus is null || !bus.Ok)
                throw new HostReadException(host, Join(root, SysfsLayout.ApBus),
                    $"Host '{host}' has no AP bus: {Join(root, SysfsLayout.ApBus)} does not exist. This is not an IBM Z / LinuxONE Linux with the 'ap' module loaded" +
                    (root == "/sys" ? "; to work with a simulated host use New-ApSession -Simulation seed." : $"; is '{root}' the sysfs root you meant?"),
                    bus?.Error ?? Errno.ENOENT);

            string Need(string path)
            {
                var e = r[path];
                if (e is null || !e.Ok)
                    throw new HostReadException(host, Join(root, path),
                        $"Host '{host}': cannot read {Join(root, path)} ({(e is null ? "missing" : ErrnoText.Describe(e.Error))}); the AP bus looks incomplete.",
                        e?.Error ?? Errno.ENOENT);
                return e.Value!;
            }

            T Parse<T>(string path, Func<string, string, T> parse)
            {
                var text = Need(path);
                try { return parse(text, Join(root, path)); }
                catch (FormatException ex) { throw new HostReadException(host, Join(root, path), $"Host '{host}': {ex.Message}", Errno.None, ex); }
            }

            T? Optional<T>(string path, Func<string, string, T> parse) where T : struct
            {
                var e = r[path];
                if (e is null || !e.Ok || e.Value is null) return null;
                try { return parse(e.Value, Join(root, path)); }
                catch (FormatException ex) { throw new HostReadException(host, Join(root, path), $"Host '{host}': {ex.Message}", Errno.None, ex); }
            }

            var busConfig = new ApBusConfig
            {
                ComputerName = host,
                ApMask = Parse(SysfsLayout.ApMask, SysfsFormat.ParseMask),
                AqMask = Parse(SysfsLayout.AqMask, SysfsFormat.ParseMask),
                HostAdapters = Parse(SysfsLayout.HostAdapterMask, SysfsFormat.ParseMaskOrUnsupported),
                HostDomains = Parse(SysfsLayout.HostUsageDomainMask, SysfsFormat.ParseMaskOrUnsupported),
                HostControlDomains = Parse(SysfsLayout.HostControlDomainMask, SysfsFormat.ParseMaskOrUnsupported),
                MaxAdapterId = Parse(SysfsLayout.MaxAdapterId, SysfsFormat.ParseInt),
                MaxDomainId = Parse(SysfsLayout.MaxDomainId, SysfsFormat.ParseInt),
                Bindings = r.ContentOf(SysfsLayout.Bindings) is string b ? SysfsFormat.Line(b) : null,
            };
            bool vfioLoaded = r[SysfsLayout.ApDrivers + "/" + SysfsLayout.VfioApDriver]?.Ok == true;

            // Mdevs first: queue objects say which mdev holds them and whether they are in its guest.
            var mdevs = new List<VfioApMdev>();
            var inUse = new HashSet<Guid>();
            var queueStatus = new Dictionary<int, string>();
            if ((parts & SnapshotParts.QueueDetails) != 0)
            {
                foreach (var e in r.Entries)
                {
                    if (!e.Ok || e.Kind != SysfsQueryKind.Content || !e.Path.EndsWith("/status", StringComparison.Ordinal)) continue;
                    if (!TryQueueOf(e.Path, out var qn)) continue;
                    queueStatus[qn.QueueId] = SysfsFormat.Line(e.Value!);
                }
            }

            int? available = null;
            if ((parts & (SnapshotParts.Mdevs | SnapshotParts.QueueDetails)) != 0)
            {
                available = Optional(SysfsLayout.MdevAvailableInstances, SysfsFormat.ParseInt);
                foreach (var e in r.Entries)
                {
                    if (e.Kind != SysfsQueryKind.Content || !e.Path.StartsWith(SysfsLayout.Matrix + "/", StringComparison.Ordinal) || !e.Path.EndsWith("/matrix", StringComparison.Ordinal)) continue;
                    var dir = e.Path.Substring(0, e.Path.Length - "/matrix".Length);
                    if (!Guid.TryParseExact(SysfsLayout.LastSegment(dir), "D", out var uuid)) continue;
                    if (!e.Ok) throw new HostReadException(host, Join(root, e.Path), $"Host '{host}': cannot read {Join(root, e.Path)} ({ErrnoText.Describe(e.Error)}).", e.Error);
                    var matrix = Parse(e.Path, (t, s) => SysfsFormat.ParseMatrix(t, s));
                    var cdoms = Parse(dir + "/control_domains", SysfsFormat.ParseControlDomains);
                    var guestEntry = r[dir + "/guest_matrix"];
                    string? guestText = guestEntry is { Ok: true } ? guestEntry.Value : null;
                    ApMatrix? guest = guestText is null ? (ApMatrix?)null : Parse(dir + "/guest_matrix", (t, s) => SysfsFormat.ParseMatrix(t, s));
                    var full = new ApMatrix(matrix.Adapters, matrix.Domains, cdoms);
                    bool used = full.Apqns().Any(q => queueStatus.TryGetValue(q.QueueId, out var st) && st == "in use");
                    guestsOf.TryGetValue(uuid, out var holders);
                    // The active domain first: it is the one QEMU opened the mdev for.
                    var names = holders?.OrderBy(d => d.State == GuestStates.ShutOff).ThenBy(d => d.Name, StringComparer.Ordinal).Select(d => d.Name).ToList() ?? new List<string>();
                    var first = holders?.OrderBy(d => d.State == GuestStates.ShutOff).ThenBy(d => d.Name, StringComparer.Ordinal).FirstOrDefault();
                    mdevs.Add(new VfioApMdev
                    {
                        Guest = names.Count == 0 ? null : string.Join(", ", names),
                        Guests = names,
                        GuestState = first?.State ?? GuestStates.NotDefined,
                        Autostart = holders?.Any(d => d.Autostart) ?? false,
                        ComputerName = host,
                        Uuid = uuid,
                        Matrix = full,
                        GuestMatrix = guest,
                        GuestMatrixText = guestText,
                        HasApConfig = r[dir + "/ap_config"]?.Ok == true,
                        InUse = used,
                    });
                }
            }

            // Queues: every directory matching cardXX/XX.YYYY is a queue device.
            var drivers = new Dictionary<int, string>();
            var queueIds = new List<Apqn>();
            var cards = new List<ApCard>();
            var queues = new List<ApQueue>();
            if ((parts & (SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails)) != 0)
            {
                foreach (var e in r.Entries)
                {
                    if (!e.Path.StartsWith(SysfsLayout.ApDevices + "/card", StringComparison.Ordinal)) continue;
                    if (e.Kind == SysfsQueryKind.Exists && e.Ok && TryQueueDir(e.Path, out var qd)) queueIds.Add(qd);
                    else if (e.Kind == SysfsQueryKind.Link && e.Ok && e.Path.EndsWith("/driver", StringComparison.Ordinal) && TryQueueOf(e.Path, out var ql))
                        drivers[ql.QueueId] = SysfsLayout.LastSegment(e.Value!);
                }
            }

            var prediction = new Dictionary<Guid, ApMatrix>();
            var states = new BindingTable(queueIds, drivers);
            if ((parts & SnapshotParts.QueueDetails) != 0)
            {
                var hostConfig = HostApConfig.From(busConfig);
                foreach (var m in mdevs)
                    prediction[m.Uuid] = m.GuestMatrix ?? Rules.ApcbFilter.Predict(m.Matrix, hostConfig, states).Guest;
            }
            var holder = new Dictionary<int, Guid>();
            foreach (var m in mdevs)
                foreach (var a in m.Matrix.Adapters)
                    foreach (var d in m.Matrix.Domains)
                        holder[(a << 8) | d] = m.Uuid;

            foreach (var qn in queueIds)
            {
                string qdir = SysfsLayout.QueueDir(qn);
                drivers.TryGetValue(qn.QueueId, out var driver);
                bool? config = null, chkstop = null, online = null;
                string? status = null;
                Guid? assigned = holder.TryGetValue(qn.QueueId, out var u) ? u : (Guid?)null;
                bool inGuest = false;
                if ((parts & SnapshotParts.QueueDetails) != 0)
                {
                    config = Optional(qdir + "/config", SysfsFormat.ParseFlag);
                    chkstop = Optional(qdir + "/chkstop", SysfsFormat.ParseFlag);
                    // zcrypt's online exists only while a zcrypt driver holds the queue; otherwise derive it as zcrypt does.
                    online = Optional(qdir + "/online", SysfsFormat.ParseFlag) ?? (config.HasValue ? config.Value && chkstop != true : (bool?)null);
                    queueStatus.TryGetValue(qn.QueueId, out status);
                    inGuest = assigned.HasValue && prediction.TryGetValue(assigned.Value, out var g) && g.Adapters.Contains(qn.Adapter) && g.Domains.Contains(qn.Domain);
                }
                queues.Add(new ApQueue
                {
                    ComputerName = host,
                    Apqn = qn,
                    Driver = driver,
                    Config = config,
                    Checkstop = chkstop,
                    Online = online,
                    Status = status,
                    OwnedByHost = busConfig.IsHostOwned(qn),
                    AssignedTo = assigned,
                    InGuest = inGuest,
                    Guest = assigned.HasValue ? mdevs.FirstOrDefault(m => m.Uuid == assigned.Value)?.Guest : null,
                });
            }

            if ((parts & SnapshotParts.Cards) != 0)
            {
                var perCard = queueIds.GroupBy(q => q.Adapter.Value).ToDictionary(g => g.Key, g => g.ToList());
                foreach (var e in r.Entries)
                {
                    if (e.Kind != SysfsQueryKind.Content || !e.Path.EndsWith("/hwtype", StringComparison.Ordinal)) continue;
                    var dir = e.Path.Substring(0, e.Path.Length - "/hwtype".Length);
                    if (!SysfsLayout.TryParseCardName(SysfsLayout.LastSegment(dir), out var id) || dir != SysfsLayout.CardDir(id)) continue;
                    perCard.TryGetValue(id.Value, out var cq);
                    var cardDriver = r[dir + "/driver"] is { Ok: true } dl ? SysfsLayout.LastSegment(dl.Value!) : null;
                    cards.Add(new ApCard
                    {
                        ComputerName = host,
                        Id = id,
                        Type = r.ContentOf(dir + "/type") is string t ? SysfsFormat.Line(t) : null,
                        HwType = Parse(e.Path, SysfsFormat.ParseInt),
                        Online = Optional(dir + "/online", SysfsFormat.ParseFlag),
                        Config = Optional(dir + "/config", SysfsFormat.ParseFlag),
                        Checkstop = Optional(dir + "/chkstop", SysfsFormat.ParseFlag),
                        Functions = r.ContentOf(dir + "/ap_functions") is string f ? SysfsFormat.Line(f) : null,
                        Depth = Optional(dir + "/depth", SysfsFormat.ParseInt),
                        Driver = cardDriver,
                        InHostConfig = busConfig.HostAdapters?.Contains(id) ?? true,
                        QueueCount = cq?.Count ?? 0,
                        VfioApQueueCount = cq?.Count(q => drivers.TryGetValue(q.QueueId, out var dn) && dn == SysfsLayout.VfioApDriver) ?? 0,
                    });
                }
            }

            var guests = new List<LibvirtGuest>();
            foreach (var d in domains)
            {
                ApMask ga = ApMask.Empty, gd = ApMask.Empty;
                int apqns = 0;
                foreach (var u in d.Mdevs)
                {
                    var m = mdevs.FirstOrDefault(x => x.Uuid == u);
                    if (m is null) continue;
                    ApMatrix? g = prediction.TryGetValue(u, out var pm) ? pm : m.GuestMatrix;
                    if (g is null) continue;
                    ga |= g.Value.Adapters;
                    gd |= g.Value.Domains;
                    apqns += g.Value.ApqnCount;
                }
                guests.Add(new LibvirtGuest
                {
                    ComputerName = host,
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

            IReadOnlyList<KernelLogLine>? log = null;
            string? logNote = null;
            if ((parts & SnapshotParts.KernelLog) != 0)
            {
                var e = r.HostEntry(KernelLog.File);
                var where = (hostRoot ?? "/") == "/" ? "/" + KernelLog.File : hostRoot!.TrimEnd('/') + "/" + KernelLog.File;
                // A session without a host root reads sysfs only, by choice: nothing to say about the log then.
                if (hostRoot is null) { }
                else if (e is { Ok: true, Value: string text }) log = KernelLog.Parse(text);
                else if (e is not null) logNote = $"kernel log not readable ({where}: {ErrnoText.Describe(e.Error)}); read as root or with -UseSudo to see reset errors";
                else logNote = $"kernel log not readable ({where} is not there)";
            }

            return new HostSnapshot(host, busConfig, cards, queues, mdevs, available, vfioLoaded, null, guests, warnings) { KernelLog = log, KernelLogNote = logNote };
        }

        /// <summary>A queue directory path <c>devices/ap/cardXX/XX.YYYY</c> whose two ids agree.</summary>
        private static bool TryQueueDir(string path, out Apqn apqn)
        {
            apqn = default;
            var parts = path.Split('/');
            return parts.Length == 4 && SysfsLayout.TryParseCardName(parts[2], out var card)
                && SysfsLayout.TryParseQueueName(parts[3], out apqn) && apqn.Adapter == card;
        }

        /// <summary>The queue an attribute path <c>devices/ap/cardXX/XX.YYYY/attr</c> belongs to.</summary>
        private static bool TryQueueOf(string path, out Apqn apqn)
        {
            apqn = default;
            int last = path.LastIndexOf('/');
            return last > 0 && TryQueueDir(path.Substring(0, last), out apqn);
        }

        private static string Join(string root, string path) => root.TrimEnd('/') + "/" + path;

        /// <summary>The queue states the filter needs while the snapshot is still being built.</summary>
        private sealed class BindingTable : IQueueStates
        {
            private readonly QueueBinding[] _binding = new QueueBinding[65536];
            private readonly ApMask[] _usable = new ApMask[256];
            private readonly Dictionary<int, string> _drivers;

            public BindingTable(List<Apqn> queues, Dictionary<int, string> drivers)
            {
                _drivers = drivers;
                foreach (var q in queues)
                {
                    var b = !drivers.TryGetValue(q.QueueId, out var d) ? QueueBinding.Unbound
                        : d == SysfsLayout.VfioApDriver ? QueueBinding.VfioAp : QueueBinding.OtherDriver;
                    _binding[q.QueueId] = b;
                    if (b == QueueBinding.VfioAp) _usable[q.Adapter.Value] = _usable[q.Adapter.Value].With(q.Domain.Value);
                }
            }

            public ApMask UsableDomains(ApId adapter) => _usable[adapter.Value];

            public QueueBinding BindingOf(Apqn apqn) => _binding[apqn.QueueId];
            public string? DriverOf(Apqn apqn) => _drivers.TryGetValue(apqn.QueueId, out var d) ? d : null;
            public bool ResetFailed(Apqn apqn) => false;
        }
    }
}
