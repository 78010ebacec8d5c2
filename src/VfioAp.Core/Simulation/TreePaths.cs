using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Path resolution in the simulated sysfs tree: which directory, file or symlink a path names, computed from the
    /// kernel's state on every lookup, with symlinks followed as the VFS follows them
    /// (about_VfioAp_Kernel: SYSFS LAYOUT). The caller holds the state's lock.
    /// </summary>
    internal sealed class TreePaths
    {
        private const string TypeName = SysfsLayout.MdevType;
        private readonly KernelState _s;

        public TreePaths(KernelState state) { _s = state; }

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
        public TreeLocation? Resolve(string path, bool followLast)
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
        private TreeLocation? Walk(List<string> segs, out int linkAt)
        {
            linkAt = -1;
            var cur = TreeLocation.Directory(TreeDir.Root);
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

        private static TreeLocation? FileIn(TreeLocation dir, string name, (string Name, int Mode)[] table)
        {
            foreach (var (n, mode) in table)
                if (n == name) return dir.File(n, mode);
            return null;
        }

        private TreeLocation? Child(TreeLocation dir, string name)
        {
            switch (dir.Dir)
            {
                case TreeDir.Root:
                    return name == "bus" ? TreeLocation.Directory(TreeDir.Bus) : name == "devices" ? TreeLocation.Directory(TreeDir.Devices) : null;
                case TreeDir.Bus:
                    return name == "ap" ? TreeLocation.Directory(TreeDir.BusAp) : name == "mdev" ? TreeLocation.Directory(TreeDir.BusMdev) : null;
                case TreeDir.Devices:
                    return name == "ap" ? TreeLocation.Directory(TreeDir.DevicesAp) : name == "vfio_ap" ? TreeLocation.Directory(TreeDir.VfioAp) : null;
                case TreeDir.BusAp:
                case TreeDir.BusApDevices:
                case TreeDir.BusApDrivers:
                case TreeDir.BusApDriver:
                case TreeDir.BusMdev:
                case TreeDir.BusMdevDevices:
                    return ChildUnderBus(dir, name);
                case TreeDir.DevicesAp:
                case TreeDir.Card:
                case TreeDir.Queue:
                    return ChildUnderDevicesAp(dir, name);
                default:
                    return ChildUnderVfioAp(dir, name);
            }
        }

        /// <summary>bus/ap and bus/mdev: the bus's attributes, and symlinks to the devices and what their drivers hold.</summary>
        private TreeLocation? ChildUnderBus(TreeLocation dir, string name)
        {
            switch (dir.Dir)
            {
                case TreeDir.BusAp:
                    if (name == "devices") return TreeLocation.Directory(TreeDir.BusApDevices);
                    if (name == "drivers") return TreeLocation.Directory(TreeDir.BusApDrivers);
                    return FileIn(dir, name, AttributeTable.BusAp);
                case TreeDir.BusApDevices:
                    {
                        if (_s.FindCardDevice(name) is SimCard c) return dir.Link(name, "../../../devices/ap/" + c.Name);
                        if (_s.FindQueueDevice(name) is SimQueue q) return dir.Link(name, "../../../devices/ap/" + q.Card.Name + "/" + q.Name);
                        return null;
                    }
                case TreeDir.BusApDrivers:
                    foreach (var d in AttributeTable.BusDrivers)
                        if (d == name) { var l = TreeLocation.Directory(TreeDir.BusApDriver); l.Driver = d; return l; }
                    return null;
                case TreeDir.BusApDriver:
                    {
                        var f = FileIn(dir, name, AttributeTable.Driver);
                        if (f != null) return f;
                        if (dir.Driver == KernelState.CardDriverName)
                            return _s.FindCardDevice(name) is SimCard c && c.Driver == KernelState.CardDriverName ? dir.Link(name, "../../../../devices/ap/" + c.Name) : null;
                        return _s.FindQueueDevice(name) is SimQueue q && q.Driver == dir.Driver ? dir.Link(name, "../../../../devices/ap/" + q.Card.Name + "/" + q.Name) : null;
                    }
                case TreeDir.BusMdev:
                    return name == "devices" ? TreeLocation.Directory(TreeDir.BusMdevDevices) : null;
                case TreeDir.BusMdevDevices:
                    return _s.FindMdevByName(name) is SimMdev bm ? dir.Link(name, "../../../devices/vfio_ap/matrix/" + bm.Name) : null;
                default:
                    return null;
            }
        }

        /// <summary>devices/ap: card directories, their queues, and the files their drivers add.</summary>
        private TreeLocation? ChildUnderDevicesAp(TreeLocation dir, string name)
        {
            switch (dir.Dir)
            {
                case TreeDir.DevicesAp:
                    {
                        if (_s.FindCardDevice(name) is not SimCard c) return null;
                        var l = TreeLocation.Directory(TreeDir.Card);
                        l.Card = c;
                        return l;
                    }
                case TreeDir.Card:
                    {
                        var c = dir.Card!;
                        if (name == "driver") return c.Driver is null ? null : dir.Link(name, "../../../bus/ap/drivers/" + c.Driver);
                        if (_s.FindQueueDevice(name) is SimQueue q && q.Card == c) { var l = dir.Sub(TreeDir.Queue); l.Queue = q; return l; }
                        return FileIn(dir, name, AttributeTable.Card) ?? (c.Driver == KernelState.CardDriverName ? FileIn(dir, name, AttributeTable.CardZcrypt) : null);
                    }
                case TreeDir.Queue:
                    {
                        var q = dir.Queue!;
                        if (name == "driver") return q.Driver is null ? null : dir.Link(name, "../../../../bus/ap/drivers/" + q.Driver);
                        return FileIn(dir, name, AttributeTable.Queue)
                            ?? (q.Driver == KernelState.QueueDriverName ? FileIn(dir, name, AttributeTable.QueueZcrypt) : null)
                            ?? (q.Driver == KernelState.VfioDriverName ? FileIn(dir, name, AttributeTable.QueueVfio) : null);
                    }
                default:
                    return null;
            }
        }

        /// <summary>devices/vfio_ap/matrix: the mdev type and the mdevs.</summary>
        private TreeLocation? ChildUnderVfioAp(TreeLocation dir, string name)
        {
            switch (dir.Dir)
            {
                case TreeDir.VfioAp:
                    return name == "matrix" ? TreeLocation.Directory(TreeDir.Matrix) : null;
                case TreeDir.Matrix:
                    {
                        if (name == "mdev_supported_types") return TreeLocation.Directory(TreeDir.Types);
                        if (_s.FindMdevByName(name) is not SimMdev m) return null;
                        var l = TreeLocation.Directory(TreeDir.Mdev);
                        l.Mdev = m;
                        return l;
                    }
                case TreeDir.Types:
                    return name == TypeName ? TreeLocation.Directory(TreeDir.Type) : null;
                case TreeDir.Type:
                    return name == "devices" ? TreeLocation.Directory(TreeDir.TypeDevices) : FileIn(dir, name, AttributeTable.MdevType);
                case TreeDir.TypeDevices:
                    return _s.FindMdevByName(name) is SimMdev tm ? dir.Link(name, "../../../" + tm.Name) : null;
                case TreeDir.Mdev:
                    if (name == "mdev_type") return dir.Link(name, "../mdev_supported_types/" + TypeName);
                    if (name == "ap_config") return _s.Features.ApConfig ? dir.File(name, AttributeTable.ModeRW) : null;
                    if (name == "guest_matrix") return _s.Features.GuestMatrix ? dir.File(name, AttributeTable.ModeRO) : null;
                    return FileIn(dir, name, AttributeTable.Mdev);
                default:
                    return null;
            }
        }
    }
}
