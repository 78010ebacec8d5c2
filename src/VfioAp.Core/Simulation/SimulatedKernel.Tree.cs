using System;
using System.Collections.Generic;
using System.Globalization;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>The sysfs tree of the simulated host, computed from its state on every lookup (spec §2).</summary>
    public sealed partial class SimulatedKernel
    {
        // Permission bits as sysfs shows them.
        internal const int ModeRO = 0x124;   // 0444
        internal const int ModeRW = 0x1A4;   // 0644
        internal const int ModeWO = 0x80;    // 0200
        internal const int ModeDir = 0x1ED;  // 0755
        internal const int ModeLink = 0x1FF; // 0777

        private const string TypeName = SysfsLayout.MdevType;

        private enum Dir : byte
        {
            Root, Bus, BusAp, BusApDevices, BusApDrivers, BusApDriver, BusMdev, BusMdevDevices,
            Devices, DevicesAp, Card, Queue, VfioAp, Matrix, Types, Type, TypeDevices, Mdev,
        }

        /// <summary>Where a path leads: a directory, or a file or symlink in the directory <see cref="Dir"/>.</summary>
        private sealed class Loc
        {
            public SysfsNodeKind Kind;
            public Dir Dir;
            public string? Name;
            public int Mode;
            public string? Target;
            public SimCard? Card;
            public SimQueue? Queue;
            public SimMdev? Mdev;
            public string? Driver;

            public static Loc Directory(Dir dir) => new Loc { Kind = SysfsNodeKind.Directory, Dir = dir, Mode = ModeDir };
            public Loc File(string name, int mode) => new Loc { Kind = SysfsNodeKind.File, Dir = Dir, Name = name, Mode = mode, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };
            public Loc Link(string name, string target) => new Loc { Kind = SysfsNodeKind.Symlink, Dir = Dir, Name = name, Mode = ModeLink, Target = target, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };
            public Loc Sub(Dir dir) => new Loc { Kind = SysfsNodeKind.Directory, Dir = dir, Mode = ModeDir, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };
        }

        private static readonly (string Name, int Mode)[] BusApFiles =
        {
            ("ap_adapter_mask", ModeRO), ("ap_control_domain_mask", ModeRO), ("ap_domain", ModeRW), ("ap_interrupts", ModeRO),
            ("ap_max_adapter_id", ModeRO), ("ap_max_domain_id", ModeRO), ("ap_usage_domain_mask", ModeRO), ("apmask", ModeRW),
            ("aqmask", ModeRW), ("bindings", ModeRO), ("config_time", ModeRW), ("poll_thread", ModeRW), ("poll_timeout", ModeRW), ("scans", ModeRW),
        };

        /// <summary>ap_card.c's attributes: present whatever the driver.</summary>
        private static readonly (string Name, int Mode)[] CardFiles =
        {
            ("ap_functions", ModeRO), ("chkstop", ModeRO), ("config", ModeRW), ("depth", ModeRO), ("hwtype", ModeRO), ("max_msg_size", ModeRO),
            ("modalias", ModeRO), ("pendingq_count", ModeRO), ("raw_hwtype", ModeRO), ("request_count", ModeRW), ("requestq_count", ModeRO),
        };

        /// <summary>zcrypt_card.c's attributes: only while cex4card holds the card.</summary>
        private static readonly (string Name, int Mode)[] CardZcryptFiles = { ("load", ModeRO), ("online", ModeRW), ("type", ModeRO) };

        /// <summary>ap_queue.c's attributes (without the CONFIG_ZCRYPT_DEBUG ones, states and last_err_rc).</summary>
        private static readonly (string Name, int Mode)[] QueueFiles =
        {
            ("ap_functions", ModeRO), ("chkstop", ModeRO), ("config", ModeRO), ("interrupt", ModeRO), ("pendingq_count", ModeRO),
            ("request_count", ModeRW), ("requestq_count", ModeRO), ("reset", ModeRW),
        };

        /// <summary>zcrypt_queue.c's attributes: only while cex4queue holds the queue.</summary>
        private static readonly (string Name, int Mode)[] QueueZcryptFiles = { ("load", ModeRO), ("online", ModeRW) };

        /// <summary>vfio_ap's queue attribute group: only while vfio_ap holds the queue.</summary>
        private static readonly (string Name, int Mode)[] QueueVfioFiles = { ("status", ModeRO) };

        private static readonly (string Name, int Mode)[] MdevFiles =
        {
            ("assign_adapter", ModeWO), ("assign_control_domain", ModeWO), ("assign_domain", ModeWO), ("control_domains", ModeRO),
            ("matrix", ModeRO), ("remove", ModeWO), ("unassign_adapter", ModeWO), ("unassign_control_domain", ModeWO), ("unassign_domain", ModeWO),
        };

        private static readonly (string Name, int Mode)[] TypeFiles =
        {
            ("available_instances", ModeRO), ("create", ModeWO), ("device_api", ModeRO), ("name", ModeRO),
        };

        private static readonly (string Name, int Mode)[] DriverFiles = { ("bind", ModeWO), ("unbind", ModeWO) };

        private static readonly string[] QueueDrivers = { CardDriverName, QueueDriverName, VfioDriverName };

        // ---------------------------------------------------------------- ISysfsTree

        public SysfsNode? Lookup(string path)
        {
            lock (_gate)
            {
                var loc = Resolve(path, followLast: false);
                return loc is null ? null : new SysfsNode(loc.Kind, loc.Mode, loc.Target);
            }
        }

        public IReadOnlyList<string>? List(string path)
        {
            lock (_gate)
            {
                var loc = Resolve(path, followLast: true);
                return loc is null || loc.Kind != SysfsNodeKind.Directory ? null : Names(loc);
            }
        }

        public string Read(string path)
        {
            lock (_gate)
            {
                var loc = Resolve(path, followLast: true) ?? throw new SysfsException(Errno.ENOENT, path);
                if (loc.Kind == SysfsNodeKind.Directory) throw new SysfsException(Errno.EISDIR, path);
                // kernfs refuses to open an attribute without a show method for reading, root included.
                if ((loc.Mode & 0x124) == 0) throw new SysfsException(Errno.EACCES, path, "write-only attribute");
                return Show(loc);
            }
        }

        public void Write(string path, string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            lock (_gate)
            {
                var loc = Resolve(path, followLast: true);
                if (loc is null)
                {
                    // sysfs directories cannot create files (EACCES); a missing directory is ENOENT.
                    int slash = path.TrimEnd('/').LastIndexOf('/');
                    var parent = slash < 0 ? null : Resolve(path.Substring(0, slash), followLast: true);
                    bool parentIsDir = slash < 0 || parent?.Kind == SysfsNodeKind.Directory;
                    throw new SysfsException(parentIsDir ? Errno.EACCES : Errno.ENOENT, path);
                }
                if (loc.Kind == SysfsNodeKind.Directory) throw new SysfsException(Errno.EISDIR, path);
                if ((loc.Mode & 0x92) == 0) throw new SysfsException(Errno.EACCES, path, "read-only attribute");
                Store(loc, path, value);
            }
        }

        // ---------------------------------------------------------------- path resolution

        private static List<string> Segments(string path)
        {
            var list = new List<string>(8);
            foreach (var s in path.Split('/'))
            {
                if (s.Length == 0 || s == ".") continue;
                if (s == "..") { if (list.Count > 0) list.RemoveAt(list.Count - 1); continue; }
                list.Add(s);
            }
            return list;
        }

        /// <summary>Resolves symlinks met on the way (and the last one if asked), as path lookup in the VFS does.</summary>
        private Loc? Resolve(string path, bool followLast)
        {
            var segs = Segments(path);
            for (int hops = 0; hops < 40; hops++)
            {
                var loc = Walk(segs, out int linkAt);
                if (loc is null) return null;
                bool follow = linkAt >= 0 || (followLast && loc.Kind == SysfsNodeKind.Symlink);
                if (!follow) return loc;
                int at = linkAt >= 0 ? linkAt : segs.Count - 1;
                var next = segs.GetRange(0, at);
                foreach (var t in loc.Target!.Split('/'))
                {
                    if (t.Length == 0 || t == ".") continue;
                    if (t == "..") { if (next.Count > 0) next.RemoveAt(next.Count - 1); continue; }
                    next.Add(t);
                }
                next.AddRange(segs.GetRange(at + 1, segs.Count - at - 1));
                segs = next;
            }
            return null; // ELOOP
        }

        /// <summary>Walks a path without following symlinks; stops at a symlink that has more segments after it.</summary>
        private Loc? Walk(List<string> segs, out int linkAt)
        {
            linkAt = -1;
            var cur = Loc.Directory(Dir.Root);
            for (int i = 0; i < segs.Count; i++)
            {
                if (cur.Kind != SysfsNodeKind.Directory) return null;
                var child = Child(cur, segs[i]);
                if (child is null) return null;
                if (child.Kind == SysfsNodeKind.Symlink && i < segs.Count - 1)
                {
                    linkAt = i;
                    return child;
                }
                cur = child;
            }
            return cur;
        }

        private static Loc? FileIn(Loc dir, string name, (string Name, int Mode)[] table)
        {
            foreach (var (n, mode) in table)
                if (n == name) return dir.File(n, mode);
            return null;
        }

        private Loc? Child(Loc dir, string name)
        {
            switch (dir.Dir)
            {
                case Dir.Root:
                    return name == "bus" ? Loc.Directory(Dir.Bus) : name == "devices" ? Loc.Directory(Dir.Devices) : null;
                case Dir.Bus:
                    return name == "ap" ? Loc.Directory(Dir.BusAp) : name == "mdev" ? Loc.Directory(Dir.BusMdev) : null;
                case Dir.BusAp:
                    if (name == "devices") return Loc.Directory(Dir.BusApDevices);
                    if (name == "drivers") return Loc.Directory(Dir.BusApDrivers);
                    return FileIn(dir, name, BusApFiles);
                case Dir.BusApDevices:
                    {
                        if (FindCardDevice(name) is SimCard c) return dir.Link(name, "../../../devices/ap/" + c.Name);
                        if (FindQueueDevice(name) is SimQueue q) return dir.Link(name, "../../../devices/ap/" + q.Card.Name + "/" + q.Name);
                        return null;
                    }
                case Dir.BusApDrivers:
                    foreach (var d in QueueDrivers)
                        if (d == name) { var l = Loc.Directory(Dir.BusApDriver); l.Driver = d; return l; }
                    return null;
                case Dir.BusApDriver:
                    {
                        var f = FileIn(dir, name, DriverFiles);
                        if (f != null) return f;
                        if (dir.Driver == CardDriverName)
                            return FindCardDevice(name) is SimCard c && c.Driver == CardDriverName ? dir.Link(name, "../../../../devices/ap/" + c.Name) : null;
                        return FindQueueDevice(name) is SimQueue q && q.Driver == dir.Driver ? dir.Link(name, "../../../../devices/ap/" + q.Card.Name + "/" + q.Name) : null;
                    }
                case Dir.BusMdev:
                    return name == "devices" ? Loc.Directory(Dir.BusMdevDevices) : null;
                case Dir.BusMdevDevices:
                    return FindMdevByName(name) is SimMdev bm ? dir.Link(name, "../../../devices/vfio_ap/matrix/" + bm.Name) : null;
                case Dir.Devices:
                    return name == "ap" ? Loc.Directory(Dir.DevicesAp) : name == "vfio_ap" ? Loc.Directory(Dir.VfioAp) : null;
                case Dir.DevicesAp:
                    {
                        if (FindCardDevice(name) is not SimCard c) return null;
                        var l = Loc.Directory(Dir.Card);
                        l.Card = c;
                        return l;
                    }
                case Dir.Card:
                    {
                        var c = dir.Card!;
                        if (name == "driver") return c.Driver is null ? null : dir.Link(name, "../../../bus/ap/drivers/" + c.Driver);
                        if (FindQueueDevice(name) is SimQueue q && q.Card == c) { var l = dir.Sub(Dir.Queue); l.Queue = q; return l; }
                        return FileIn(dir, name, CardFiles) ?? (c.Driver == CardDriverName ? FileIn(dir, name, CardZcryptFiles) : null);
                    }
                case Dir.Queue:
                    {
                        var q = dir.Queue!;
                        if (name == "driver") return q.Driver is null ? null : dir.Link(name, "../../../../bus/ap/drivers/" + q.Driver);
                        return FileIn(dir, name, QueueFiles)
                            ?? (q.Driver == QueueDriverName ? FileIn(dir, name, QueueZcryptFiles) : null)
                            ?? (q.Driver == VfioDriverName ? FileIn(dir, name, QueueVfioFiles) : null);
                    }
                case Dir.VfioAp:
                    return name == "matrix" ? Loc.Directory(Dir.Matrix) : null;
                case Dir.Matrix:
                    {
                        if (name == "mdev_supported_types") return Loc.Directory(Dir.Types);
                        if (FindMdevByName(name) is not SimMdev m) return null;
                        var l = Loc.Directory(Dir.Mdev);
                        l.Mdev = m;
                        return l;
                    }
                case Dir.Types:
                    return name == TypeName ? Loc.Directory(Dir.Type) : null;
                case Dir.Type:
                    return name == "devices" ? Loc.Directory(Dir.TypeDevices) : FileIn(dir, name, TypeFiles);
                case Dir.TypeDevices:
                    return FindMdevByName(name) is SimMdev tm ? dir.Link(name, "../../../" + tm.Name) : null;
                case Dir.Mdev:
                    if (name == "mdev_type") return dir.Link(name, "../mdev_supported_types/" + TypeName);
                    if (name == "ap_config") return Features.ApConfig ? dir.File(name, ModeRW) : null;
                    if (name == "guest_matrix") return Features.GuestMatrix ? dir.File(name, ModeRO) : null;
                    return FileIn(dir, name, MdevFiles);
                default:
                    return null;
            }
        }

        private SimCard? FindCardDevice(string name)
        {
            if (!SysfsLayout.TryParseCardName(name, out var id)) return null;
            return _cards.TryGetValue(id, out var c) && c.Present && c.Name == name ? c : null;
        }

        private SimQueue? FindQueueDevice(string name)
        {
            if (!SysfsLayout.TryParseQueueName(name, out var apqn)) return null;
            return _queues[apqn.QueueId];
        }

        private SimMdev? FindMdevByName(string name)
        {
            if (name.Length != 36 || !Guid.TryParseExact(name, "D", out var uuid)) return null;
            var m = FindMdev(uuid);
            return m != null && m.Name == name ? m : null;
        }

        // ---------------------------------------------------------------- directory listings

        private IReadOnlyList<string> Names(Loc dir)
        {
            var names = new List<string>();
            void Add((string Name, int Mode)[] table) { foreach (var (n, _) in table) names.Add(n); }
            switch (dir.Dir)
            {
                case Dir.Root: names.Add("bus"); names.Add("devices"); break;
                case Dir.Bus: names.Add("ap"); names.Add("mdev"); break;
                case Dir.BusAp: Add(BusApFiles); names.Add("devices"); names.Add("drivers"); break;
                case Dir.BusApDevices:
                    foreach (var c in _cards.Values)
                    {
                        if (!c.Present) continue;
                        names.Add(c.Name);
                        foreach (var q in QueuesOf(c)) names.Add(q.Name);
                    }
                    break;
                case Dir.BusApDrivers: names.AddRange(QueueDrivers); break;
                case Dir.BusApDriver:
                    Add(DriverFiles);
                    foreach (var c in _cards.Values)
                    {
                        if (!c.Present) continue;
                        if (dir.Driver == CardDriverName) { if (c.Driver == CardDriverName) names.Add(c.Name); continue; }
                        foreach (var q in QueuesOf(c)) if (q.Driver == dir.Driver) names.Add(q.Name);
                    }
                    break;
                case Dir.BusMdev: names.Add("devices"); break;
                case Dir.BusMdevDevices:
                case Dir.TypeDevices:
                    foreach (var m in _mdevs) names.Add(m.Name);
                    break;
                case Dir.Devices: names.Add("ap"); names.Add("vfio_ap"); break;
                case Dir.DevicesAp:
                    foreach (var c in _cards.Values) if (c.Present) names.Add(c.Name);
                    break;
                case Dir.Card:
                    Add(CardFiles);
                    if (dir.Card!.Driver == CardDriverName) Add(CardZcryptFiles);
                    if (dir.Card.Driver != null) names.Add("driver");
                    foreach (var q in QueuesOf(dir.Card)) names.Add(q.Name);
                    break;
                case Dir.Queue:
                    Add(QueueFiles);
                    if (dir.Queue!.Driver == QueueDriverName) Add(QueueZcryptFiles);
                    if (dir.Queue.Driver == VfioDriverName) Add(QueueVfioFiles);
                    if (dir.Queue.Driver != null) names.Add("driver");
                    break;
                case Dir.VfioAp: names.Add("matrix"); break;
                case Dir.Matrix:
                    names.Add("mdev_supported_types");
                    foreach (var m in _mdevs) names.Add(m.Name);
                    break;
                case Dir.Types: names.Add(TypeName); break;
                case Dir.Type: Add(TypeFiles); names.Add("devices"); break;
                case Dir.Mdev:
                    Add(MdevFiles);
                    names.Add("mdev_type");
                    if (Features.ApConfig) names.Add("ap_config");
                    if (Features.GuestMatrix) names.Add("guest_matrix");
                    break;
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        private IEnumerable<SimQueue> QueuesOf(SimCard c)
        {
            int baseId = c.Id.Value << 8;
            for (int d = 0; d <= DomainId.Max; d++)
                if (_queues[baseId | d] is SimQueue q) yield return q;
        }

        // ---------------------------------------------------------------- attribute text (spec §3 and the kernel's show functions)

        private static string Dec(long v) => v.ToString(CultureInfo.InvariantCulture) + "\n";
        private static string Flag(bool v) => v ? "1\n" : "0\n";

        private string Show(Loc f)
        {
            switch (f.Dir)
            {
                case Dir.BusAp:
                    switch (f.Name)
                    {
                        case "apmask": return SysfsFormat.FormatMask(_apmask);
                        case "aqmask": return SysfsFormat.FormatMask(_aqmask);
                        case "ap_adapter_mask": return _host.Reported ? SysfsFormat.FormatMask(_host.Adapters) : "not supported\n";
                        case "ap_usage_domain_mask": return _host.Reported ? SysfsFormat.FormatMask(_host.Domains) : "not supported\n";
                        case "ap_control_domain_mask": return _host.Reported ? SysfsFormat.FormatMask(_host.ControlDomains) : "not supported\n";
                        case "ap_max_adapter_id": return Dec(MaxAdapterId);
                        case "ap_max_domain_id": return Dec(MaxDomainId);
                        case "ap_domain": return Dec(DefaultDomain());
                        case "ap_interrupts": return "1\n";
                        case "config_time": return Dec(_configTime);
                        case "poll_thread": return Flag(_pollThread);
                        case "poll_timeout": return _pollTimeout.ToString(CultureInfo.InvariantCulture) + "\n";
                        case "scans": return Dec(_scans);
                        case "bindings":
                            {
                                int bound = 0;
                                foreach (var q in _queues) if (q?.Driver != null) bound++;
                                return bound == _queueCount ? $"{bound}/{_queueCount} (complete)\n" : $"{bound}/{_queueCount}\n";
                            }
                    }
                    break;
                case Dir.Card:
                    {
                        var c = f.Card!;
                        switch (f.Name)
                        {
                            case "ap_functions": return "0x" + c.Functions.ToString("X8", CultureInfo.InvariantCulture) + "\n";
                            case "chkstop": return Flag(c.Checkstop);
                            case "config": return Flag(c.Config);
                            case "depth": return "32\n";
                            case "hwtype":
                            case "raw_hwtype": return Dec(c.HwType);
                            case "max_msg_size": return "12288\n"; // AP_DEFAULT_MAX_MSG_SIZE
                            case "modalias": return "ap:t" + c.HwType.ToString("X2", CultureInfo.InvariantCulture) + "\n";
                            case "pendingq_count":
                            case "request_count":
                            case "requestq_count":
                            case "load": return "0\n";
                            case "online": return Flag(c.Config && c.ZcryptOnline);
                            case "type": return c.Type + "\n";
                        }
                        break;
                    }
                case Dir.Queue:
                    {
                        var q = f.Queue!;
                        switch (f.Name)
                        {
                            case "ap_functions": return "0x" + q.Card.Functions.ToString("X8", CultureInfo.InvariantCulture) + "\n";
                            case "chkstop": return Flag(q.Checkstop);
                            case "config": return Flag(q.Config);
                            // vfio_ap resets (ZAPQ) the queues it takes and gives back, which disables their interrupts.
                            case "interrupt": return q.Driver == QueueDriverName && q.Config && !q.Checkstop ? "Interrupts enabled.\n" : "Interrupts disabled.\n";
                            case "pendingq_count":
                            case "requestq_count":
                            case "load": return "0\n";
                            // A deconfigured or checkstopped queue stays AP_DEV_STATE_UNINITIATED: "-".
                            case "request_count": return q.Config && !q.Checkstop ? "0\n" : "-\n";
                            case "reset": return "No Reset Timer set.\n";
                            case "online": return Flag(q.Config && q.ZcryptOnline);
                            case "status":
                                {
                                    var m = Holder(q.Apqn);
                                    return m is null ? "unassigned\n" : m.Guest != null ? "in use\n" : "assigned\n";
                                }
                        }
                        break;
                    }
                case Dir.Type:
                    switch (f.Name)
                    {
                        case "available_instances": return Dec(_available);
                        case "device_api": return "vfio-ap\n";
                        case "name": return "VFIO AP Passthrough Device\n";
                    }
                    break;
                case Dir.Mdev:
                    {
                        var m = f.Mdev!;
                        switch (f.Name)
                        {
                            case "matrix": return SysfsFormat.FormatMatrix(m.Apm, m.Aqm);
                            case "guest_matrix": return SysfsFormat.FormatMatrix(m.ShadowApm, m.ShadowAqm);
                            case "control_domains": return SysfsFormat.FormatControlDomains(m.Adm);
                            case "ap_config": return SysfsFormat.FormatApConfig(m.Matrix);
                        }
                        break;
                    }
            }
            throw new SysfsException(Errno.EIO, f.Name ?? "", "the simulator has no text for this attribute");
        }

        /// <summary>
        /// <c>ap_domain</c>: the default domain <c>ap_select_domain</c> picks, the first usage domain in the host
        /// configuration and aqmask that has a queue on a card in apmask; -1 when there is none.
        /// </summary>
        private int DefaultDomain()
        {
            if (_apDomain >= 0) return _apDomain;
            for (int d = 0; d <= MaxDomainId; d++)
            {
                if (!_aqmask.Contains(d)) continue;
                foreach (var c in _cards.Values)
                    if (c.Present && _apmask.Contains(c.Id) && _queues[(c.Id.Value << 8) | d] != null)
                        return _apDomain = d;
            }
            return -1;
        }
    }
}
