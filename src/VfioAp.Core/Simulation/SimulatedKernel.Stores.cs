using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>The kernel's store functions: what each attribute does with a write, and the errno it refuses with.</summary>
    public sealed partial class SimulatedKernel
    {
        private static SysfsException Fail(Errno errno, string path, string? detail = null) => new SysfsException(errno, path, detail);

        private void Store(Loc f, string path, string buf)
        {
            switch (f.Dir)
            {
                case Dir.BusAp: StoreBus(f.Name!, path, buf); return;
                case Dir.BusApDriver:
                    if (f.Name == "bind") Bind(f.Driver!, path, buf);
                    else Unbind(f.Driver!, path, buf);
                    return;
                case Dir.Card: StoreCard(f.Card!, f.Name!, path, buf); return;
                case Dir.Queue: StoreQueue(f.Queue!, f.Name!, path, buf); return;
                case Dir.Type: Create(path, buf); return;
                case Dir.Mdev: StoreMdev(f.Mdev!, f.Name!, path, buf); return;
            }
            throw Fail(Errno.EACCES, path);
        }

        // ---------------------------------------------------------------- bus/ap

        private void StoreBus(string name, string path, string buf)
        {
            switch (name)
            {
                case "apmask":
                case "aqmask":
                    StoreMask(name == "apmask", path, buf);
                    return;
                case "ap_domain":
                    {
                        // sscanf(buf, "%i\n", &domain): the domain must be in range and in aqmask.
                        if (!KernelInput.TryScanInt(buf, autoBase: true, out long d) || d < 0 || d > MaxDomainId || !_aqmask.Contains((int)d))
                            throw Fail(Errno.EINVAL, path);
                        _apDomain = (int)d;
                        return;
                    }
                case "config_time":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long t) || t < 5 || t > 120) throw Fail(Errno.EINVAL, path);
                        _configTime = (int)t;
                        return;
                    }
                case "poll_thread":
                    {
                        if (!KernelInput.TryParseBool(buf, out bool on)) throw Fail(Errno.EINVAL, path);
                        _pollThread = on;
                        return;
                    }
                case "poll_timeout":
                    {
                        if (!KernelNumber.TryParse(buf, out ulong ns, out var err)) throw Fail(err, path);
                        if (ns > 120000000000UL) throw Fail(Errno.EINVAL, path);
                        _pollTimeout = ns;
                        return;
                    }
                case "scans":
                    _scans++; // ap_bus_force_rescan: nothing changed, so the scan finds nothing new
                    return;
            }
            throw Fail(Errno.EACCES, path);
        }

        /// <summary>
        /// <c>apmask_store</c>/<c>aqmask_store</c>: absolute or relative syntax; no change is success; bits newly set
        /// (APQNs going back to the default drivers) are refused with EBUSY when vfio_ap's <c>in_use</c> finds them
        /// in an mdev; then every bound queue is re-probed.
        /// </summary>
        private void StoreMask(bool adapters, string path, string buf)
        {
            var current = adapters ? _apmask : _aqmask;
            if (!ApMask.TryParseKernel(buf, current, out var updated, out var problem)) throw Fail(Errno.EINVAL, path, problem);
            if (updated == current) return;
            var reserved = updated.Except(current);
            if (!reserved.IsEmpty)
            {
                var logged = new List<string>();
                var holder = adapters ? FindSharing(reserved, _aqmask, null, logged) : FindSharing(_apmask, reserved, null, logged);
                if (holder != null) throw Fail(Errno.EBUSY, path, string.Join("\n", logged));
            }
            if (adapters) _apmask = updated;
            else _aqmask = updated;
            ReviseBindings();
        }

        // ---------------------------------------------------------------- bus/ap/drivers/*/bind|unbind

        /// <summary>
        /// The driver core's <c>bind_store</c>: ENODEV when no device has the name or the driver does not match
        /// its type; EBUSY when it already has a driver; ENODEV when <c>ap_device_probe</c> refuses because
        /// apmask/aqmask give the queue to the other kind of driver.
        /// </summary>
        private void Bind(string driver, string path, string buf)
        {
            var name = KernelInput.WithoutNewline(buf);
            var card = FindCardDevice(name);
            var queue = card is null ? FindQueueDevice(name) : null;
            if (card is null && queue is null) throw Fail(Errno.ENODEV, path, $"no AP device named '{name}'");
            if (card != null)
            {
                if (driver != CardDriverName) throw Fail(Errno.ENODEV, path, $"{driver} does not drive card devices");
                if (card.Driver != null) throw Fail(Errno.EBUSY, path, $"{name} is already bound to {card.Driver}");
                card.Driver = CardDriverName;
                card.ZcryptOnline = true;
                return;
            }
            var q = queue!;
            if (driver == CardDriverName) throw Fail(Errno.ENODEV, path, "cex4card does not drive queue devices");
            if (q.Driver != null) throw Fail(Errno.EBUSY, path, $"{name} is already bound to {q.Driver}");
            bool hostOwned = OwnedByDefault(q.Apqn);
            if (hostOwned != (driver == QueueDriverName))
                throw Fail(Errno.ENODEV, path, hostOwned
                    ? $"apmask and aqmask give {name} to the default drivers, not {driver}"
                    : $"apmask and aqmask give {name} to vfio_ap, not {driver}");
            Probe(q, driver);
        }

        private void Unbind(string driver, string path, string buf)
        {
            var name = KernelInput.WithoutNewline(buf);
            var card = FindCardDevice(name);
            var queue = card is null ? FindQueueDevice(name) : null;
            string? current = card?.Driver ?? queue?.Driver;
            if ((card is null && queue is null) || current != driver)
                throw Fail(Errno.ENODEV, path, $"'{name}' is not bound to {driver}");
            if (card != null) card.Driver = null;
            else ReleaseDriver(queue!);
        }

        // ---------------------------------------------------------------- cards and queues

        private void StoreCard(SimCard c, string name, string path, string buf)
        {
            switch (name)
            {
                case "request_count":
                    return; // resets the counters, which stay 0 here
                case "config":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw Fail(Errno.EINVAL, path);
                        c.Config = v == 1; // sclp_ap_configure / sclp_ap_deconfigure succeed
                        return;
                    }
                case "online":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw Fail(Errno.EINVAL, path);
                        if (v == 1 && !c.Config) throw Fail(Errno.ENODEV, path, $"{c.Name} is deconfigured");
                        c.ZcryptOnline = v == 1;
                        // zcrypt_queue_force_online for every zcrypt queue of the card.
                        foreach (var q in QueuesOf(c)) if (q.Driver == QueueDriverName) q.ZcryptOnline = v == 1;
                        return;
                    }
            }
            throw Fail(Errno.EACCES, path);
        }

        private void StoreQueue(SimQueue q, string name, string path, string buf)
        {
            switch (name)
            {
                case "request_count":
                case "reset":
                    return; // counters reset; a reset completes at once here
                case "online":
                    {
                        if (!KernelInput.TryScanInt(buf, autoBase: false, out long v) || v < 0 || v > 1) throw Fail(Errno.EINVAL, path);
                        if (v == 1 && (!q.Config || !q.Card.Config)) throw Fail(Errno.ENODEV, path, $"{q.Name} is deconfigured");
                        if (v == 1 && !q.Card.ZcryptOnline) throw Fail(Errno.EINVAL, path, $"{q.Card.Name} is offline");
                        q.ZcryptOnline = v == 1;
                        return;
                    }
            }
            throw Fail(Errno.EACCES, path);
        }

        // ---------------------------------------------------------------- mdev type: create

        /// <summary>
        /// mdev's <c>create_store</c> and <c>mdev_device_create</c>: a 36-character UUID (one more byte, the
        /// newline, is allowed), EEXIST for a UUID in use, EUSERS when no instance is left.
        /// </summary>
        private void Create(string path, string buf)
        {
            if (buf.Length < 36 || buf.Length > 37) throw Fail(Errno.EINVAL, path, "not a UUID");
            if (!KernelInput.TryParseUuid(buf.Substring(0, 36), out var uuid)) throw Fail(Errno.EINVAL, path, "not a UUID");
            if (FindMdev(uuid) != null) throw Fail(Errno.EEXIST, path, $"mdev {SysfsLayout.FormatUuid(uuid)} exists");
            if (_available == 0) throw Fail(Errno.EUSERS, path, "available_instances is 0");
            _available--;
            var m = new SimMdev(uuid);
            _mdevs.Add(m);
            _mdevByUuid.Add(uuid, m);
        }

        // ---------------------------------------------------------------- mdev attributes

        private void StoreMdev(SimMdev m, string name, string path, string buf)
        {
            switch (name)
            {
                case "assign_adapter": AssignAdapter(m, path, buf); return;
                case "assign_domain": AssignDomain(m, path, buf); return;
                case "unassign_adapter":
                    {
                        int apid = ParseId(path, buf, MaxAdapterId);
                        if (!m.Apm.Contains(apid)) return;
                        m.Apm = m.Apm.Without(apid);
                        // vfio_ap_mdev_hot_unplug_adapter: only the bit leaves the shadow; no re-filter.
                        if (m.ShadowApm.Contains(apid)) m.ShadowApm = m.ShadowApm.Without(apid);
                        return;
                    }
                case "unassign_domain":
                    {
                        int apqi = ParseId(path, buf, MaxDomainId);
                        if (!m.Aqm.Contains(apqi)) return;
                        m.Aqm = m.Aqm.Without(apqi);
                        // vfio_ap_mdev_hot_unplug_domain: an adapter dropped for this domain's queue stays dropped.
                        if (m.ShadowAqm.Contains(apqi)) m.ShadowAqm = m.ShadowAqm.Without(apqi);
                        return;
                    }
                case "assign_control_domain":
                    {
                        int id = ParseId(path, buf, MaxDomainId);
                        if (m.Adm.Contains(id)) return;
                        m.Adm = m.Adm.With(id);
                        FilterControlDomains(m);
                        return;
                    }
                case "unassign_control_domain":
                    {
                        int id = ParseId(path, buf, MaxDomainId);
                        if (!m.Adm.Contains(id)) return;
                        m.Adm = m.Adm.Without(id);
                        if (m.ShadowAdm.Contains(id)) m.ShadowAdm = m.ShadowAdm.Without(id);
                        return;
                    }
                case "ap_config": StoreApConfig(m, path, buf); return;
                case "remove":
                    {
                        // remove_store: kstrtoul, 0 does nothing.
                        if (!KernelNumber.TryParse(buf, out ulong v, out _)) throw Fail(Errno.EINVAL, path);
                        if (v == 0) return;
                        if (m.Guest != null) throw Fail(Errno.EBUSY, path, $"guest '{m.Guest}' uses mdev {m.Name}");
                        _mdevs.Remove(m);
                        _mdevByUuid.Remove(m.Uuid);
                        _available++;
                        return;
                    }
            }
            throw Fail(Errno.EACCES, path);
        }

        /// <summary>kstrtoul(buf, 0): EINVAL or ERANGE; above the maximum: ENODEV.</summary>
        private static int ParseId(string path, string buf, int max)
        {
            if (!KernelNumber.TryParse(buf, out ulong v, out var err)) throw Fail(err, path);
            if (v > (ulong)max) throw Fail(Errno.ENODEV, path, $"{v} is above the maximum {max}");
            return (int)v;
        }

        private void AssignAdapter(SimMdev m, string path, string buf)
        {
            int apid = ParseId(path, buf, MaxAdapterId);
            if (m.Apm.Contains(apid)) return;
            m.Apm = m.Apm.With(apid);
            var (err, detail) = ValidateMasks(m);
            if (err != Errno.None)
            {
                m.Apm = m.Apm.Without(apid);
                throw Fail(err, path, detail);
            }
            FilterMatrix(m);
        }

        private void AssignDomain(SimMdev m, string path, string buf)
        {
            int apqi = ParseId(path, buf, MaxDomainId);
            if (m.Aqm.Contains(apqi)) return;
            m.Aqm = m.Aqm.With(apqi);
            var (err, detail) = ValidateMasks(m);
            if (err != Errno.None)
            {
                m.Aqm = m.Aqm.Without(apqi);
                throw Fail(err, path, detail);
            }
            FilterMatrix(m);
        }

        /// <summary><c>vfio_ap_mdev_validate_masks</c>: default-owned APQNs first (EADDRNOTAVAIL), then sharing (EADDRINUSE).</summary>
        private (Errno, string?) ValidateMasks(SimMdev m)
        {
            if (OverlapsDefaultDrivers(m.Apm, m.Aqm))
            {
                var a = (m.Apm & _apmask).NextSetBit(0);
                var d = (m.Aqm & _aqmask).NextSetBit(0);
                return (Errno.EADDRNOTAVAIL, $"queue {new Apqn(a, d)} belongs to the default drivers (apmask/aqmask)");
            }
            var logged = new List<string>();
            if (FindSharing(m.Apm, m.Aqm, m, logged) != null) return (Errno.EADDRINUSE, string.Join("\n", logged));
            return (Errno.None, null);
        }

        /// <summary>
        /// <c>ap_config_store</c>: three masks separated by ',' or '\n' (strsep), each the bus's hex syntax; the new
        /// matrix is validated as a whole (EADDRNOTAVAIL, EADDRINUSE, then ENODEV for a bit above a maximum) and
        /// nothing changes on error. On success the whole matrix and the control domains are filtered again.
        /// </summary>
        private void StoreApConfig(SimMdev m, string path, string buf)
        {
            // kstrndup(buf, AP_CONFIG_STRLEN): at most 201 characters are looked at.
            string? rest = buf.Length > 201 ? buf.Substring(0, 201) : buf;
            var masks = new ApMask[3];
            for (int i = 0; i < 3; i++)
            {
                if (rest is null) throw Fail(Errno.EINVAL, path, "expected APM,AQM,ADM");
                int sep = rest.IndexOfAny(new[] { ',', '\n' });
                string piece;
                if (sep < 0) { piece = rest; rest = null; }
                else { piece = rest.Substring(0, sep); rest = rest.Substring(sep + 1); }
                if (!ApMask.TryParseAbsolute(piece, out masks[i], out var problem)) throw Fail(Errno.EINVAL, path, problem);
            }

            ApMask oldApm = m.Apm, oldAqm = m.Aqm, oldAdm = m.Adm;
            m.Apm = masks[0];
            m.Aqm = masks[1];
            m.Adm = masks[2];
            var (err, detail) = ValidateMasks(m);
            if (err == Errno.None)
            {
                int over = Above(masks[0], MaxAdapterId);
                if (over < 0) over = Above(masks[1], MaxDomainId);
                if (over < 0) over = Above(masks[2], MaxDomainId);
                if (over >= 0) (err, detail) = (Errno.ENODEV, $"bit {over} is above the maximum");
            }
            if (err != Errno.None)
            {
                m.Apm = oldApm;
                m.Aqm = oldAqm;
                m.Adm = oldAdm;
                throw Fail(err, path, detail);
            }
            // Removed adapters/domains are unplugged, added ones linked, then everything is filtered anew.
            FilterMatrix(m);
            FilterControlDomains(m);
        }

        private static int Above(ApMask mask, int max) => max >= ApMask.Bits - 1 ? -1 : mask.NextSetBit(max + 1);
    }

    /// <summary>How the kernel's store functions read their input (<c>sscanf</c>, <c>kstrtobool</c>, <c>sysfs_streq</c>, <c>guid_parse</c>).</summary>
    internal static class KernelInput
    {
        public static string WithoutNewline(string s) => s.EndsWith("\n", StringComparison.Ordinal) ? s.Substring(0, s.Length - 1) : s;

        /// <summary><c>sscanf(buf, "%d")</c> (or <c>"%i"</c> with <paramref name="autoBase"/>): leading blanks, a sign, digits; the rest is ignored.</summary>
        public static bool TryScanInt(string s, bool autoBase, out long value)
        {
            value = 0;
            int i = 0;
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            bool negative = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) { negative = s[i] == '-'; i++; }
            int radix = 10;
            if (autoBase && i < s.Length && s[i] == '0')
            {
                if (i + 2 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X') && KernelNumber.IsHex(s[i + 2])) { radix = 16; i += 2; }
                else radix = 8;
            }
            int start = i;
            long acc = 0;
            while (i < s.Length)
            {
                int d = KernelNumber.Digit(s[i]);
                if (d < 0 || d >= radix) break;
                if (acc < int.MaxValue) acc = acc * radix + d;
                i++;
            }
            if (i == start) return false;
            value = negative ? -acc : acc;
            return true;
        }

        /// <summary><c>kstrtobool</c>: 1/y/Y/t/T/on are true, 0/n/N/f/F/off false.</summary>
        public static bool TryParseBool(string s, out bool value)
        {
            value = false;
            if (s.Length == 0) return false;
            switch (s[0])
            {
                case '1': case 'y': case 'Y': case 't': case 'T': value = true; return true;
                case '0': case 'n': case 'N': case 'f': case 'F': return true;
                case 'o': case 'O':
                    if (s.Length > 1 && (s[1] == 'n' || s[1] == 'N')) { value = true; return true; }
                    if (s.Length > 1 && (s[1] == 'f' || s[1] == 'F')) return true;
                    return false;
            }
            return false;
        }

        /// <summary><c>uuid_is_valid</c>: 8-4-4-4-12 hex digits, either case.</summary>
        public static bool TryParseUuid(string s, out Guid uuid)
        {
            uuid = default;
            if (s.Length != 36) return false;
            for (int i = 0; i < 36; i++)
            {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !KernelNumber.IsHex(s[i])) return false;
            }
            return Guid.TryParseExact(s, "D", out uuid);
        }
    }
}
