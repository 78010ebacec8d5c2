using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The write side of the simulated tree: which store function each attribute has, how it reads its input and
    /// the errno it refuses with (about_VfioAp_Kernel: WRITE SYNTAX, REFUSALS AND ERRNOS). Bus masks and binding go
    /// to <see cref="ApBus"/>, mdev changes to <see cref="VfioApDriver"/>. The caller holds the state's lock.
    /// </summary>
    internal sealed class AttributeStores
    {
        private readonly KernelState _s;
        private readonly ApBus _bus;
        private readonly VfioApDriver _vfio;

        public AttributeStores(KernelState state, ApBus bus, VfioApDriver vfio)
        {
            _s = state;
            _bus = bus;
            _vfio = vfio;
        }

        public void Store(TreeLocation f, string path, string buf)
        {
            switch (f.Dir)
            {
                case TreeDir.BusAp: StoreBus(f.Name!, path, buf); return;
                case TreeDir.BusApDriver:
                    if (f.Name == "bind") _bus.Bind(f.Driver!, path, buf);
                    else _bus.Unbind(f.Driver!, path, buf);
                    return;
                case TreeDir.Card: StoreCard(f.Card!, f.Name!, path, buf); return;
                case TreeDir.Queue: StoreQueue(f.Queue!, f.Name!, path, buf); return;
                case TreeDir.Type: _vfio.Create(path, buf); return;
                case TreeDir.Mdev: StoreMdev(f.Mdev!, f.Name!, path, buf); return;
            }
            throw new SysfsException(Errno.EACCES, path);
        }

        private void StoreBus(string name, string path, string buf)
        {
            switch (name)
            {
                case "apmask":
                case "aqmask":
                    _bus.StoreMask(name == "apmask", path, buf);
                    return;
                case "ap_domain":
                    {
                        // sscanf(buf, "%i\n", &domain): the domain must be in range and in aqmask.
                        if (!KernelInput.TryScanInt(buf, autoBase: true, out long d) || d < 0 || d > _s.MaxDomainId || !_s.AqMask.Contains((int)d))
                            throw new SysfsException(Errno.EINVAL, path);
                        _s.ApDomain = (int)d;
                        return;
                    }
                case "config_time":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long t) || t < 5 || t > 120) throw new SysfsException(Errno.EINVAL, path);
                        _s.ConfigTime = (int)t;
                        return;
                    }
                case "poll_thread":
                    {
                        if (!KernelInput.TryParseBool(buf, out bool on)) throw new SysfsException(Errno.EINVAL, path);
                        _s.PollThread = on;
                        return;
                    }
                case "poll_timeout":
                    {
                        if (!KernelNumber.TryParse(buf, out ulong ns, out var err)) throw new SysfsException(err, path);
                        if (ns > 120000000000UL) throw new SysfsException(Errno.EINVAL, path);
                        _s.PollTimeout = ns;
                        return;
                    }
                case "scans":
                    // scans_store: any text; ap_bus_force_rescan runs the scan before the write returns.
                    _bus.RescanBus();
                    return;
            }
            throw new SysfsException(Errno.EACCES, path);
        }

        private void StoreCard(SimCard c, string name, string path, string buf)
        {
            switch (name)
            {
                case "request_count":
                    return; // resets the counters, which stay 0 here
                case "config":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw new SysfsException(Errno.EINVAL, path);
                        // sclp_ap_configure / sclp_ap_deconfigure succeed; the card device says so at once, its queue
                        // devices only at the next bus scan (chzcrypt does not trigger one).
                        c.Config = v == 1;
                        return;
                    }
                case "online":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw new SysfsException(Errno.EINVAL, path);
                        if (v == 1 && !c.Config) throw new SysfsException(Errno.ENODEV, path, $"{c.Name} is deconfigured");
                        c.ZcryptOnline = v == 1;
                        // zcrypt_queue_force_online for every zcrypt queue of the card.
                        foreach (var q in _s.QueuesOf(c)) if (q.Driver == KernelState.QueueDriverName) q.ZcryptOnline = v == 1;
                        return;
                    }
            }
            throw new SysfsException(Errno.EACCES, path);
        }

        private static void StoreQueue(SimQueue q, string name, string path, string buf)
        {
            switch (name)
            {
                case "request_count":
                    return; // the counter is reset
                case "reset":
                    ApBus.ResetQueue(q);
                    return;
                case "online":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw new SysfsException(Errno.EINVAL, path);
                        if (v == 1 && (!q.Config || !q.Card.Config)) throw new SysfsException(Errno.ENODEV, path, $"{q.Name} is deconfigured");
                        if (v == 1 && !q.Card.ZcryptOnline) throw new SysfsException(Errno.EINVAL, path, $"{q.Card.Name} is offline");
                        q.ZcryptOnline = v == 1;
                        return;
                    }
            }
            throw new SysfsException(Errno.EACCES, path);
        }

        private void StoreMdev(SimMdev m, string name, string path, string buf)
        {
            switch (name)
            {
                case "assign_adapter": _vfio.AssignAdapter(m, path, buf); return;
                case "assign_domain": _vfio.AssignDomain(m, path, buf); return;
                case "unassign_adapter": _vfio.UnassignAdapter(m, path, buf); return;
                case "unassign_domain": _vfio.UnassignDomain(m, path, buf); return;
                case "assign_control_domain": _vfio.AssignControlDomain(m, path, buf); return;
                case "unassign_control_domain": _vfio.UnassignControlDomain(m, path, buf); return;
                case "ap_config": _vfio.StoreApConfig(m, path, buf); return;
                case "remove": _vfio.Remove(m, path, buf); return;
            }
            throw new SysfsException(Errno.EACCES, path);
        }
    }
}
