using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The vfio_ap driver's mdev side: creating and removing mdevs, assigning and unassigning adapters, domains and
    /// control domains (one at a time or as <c>ap_config</c>), the errnos those writes refuse with, and the shadow
    /// APCB it keeps for each mdev. A full filter runs where the kernel runs one (assign, ap_config, a queue of the
    /// matrix probed, a scan that added resources); unassign, a queue leaving and a resource leaving the host
    /// configuration only cut bits (about_VfioAp_Apcb: THE RULE). The caller holds the state's lock.
    /// </summary>
    internal sealed class VfioApDriver
    {
        private readonly KernelState _s;
        private readonly IQueueStates _queueStates;

        public VfioApDriver(KernelState state, IQueueStates queueStates)
        {
            _s = state;
            _queueStates = queueStates;
        }

        // ---------------------------------------------------------------- mdev type: create, mdev: remove

        /// <summary>
        /// mdev's <c>create_store</c> and <c>mdev_device_create</c>: a 36-character UUID (one more byte, the
        /// newline, is allowed), EEXIST for a UUID in use, EUSERS when no instance is left.
        /// </summary>
        public void Create(string path, string buf)
        {
            if (buf.Length < 36 || buf.Length > 37) throw new SysfsException(Errno.EINVAL, path, "not a UUID");
            if (!KernelInput.TryParseUuid(buf.Substring(0, 36), out var uuid)) throw new SysfsException(Errno.EINVAL, path, "not a UUID");
            if (_s.FindMdev(uuid) != null) throw new SysfsException(Errno.EEXIST, path, $"mdev {SysfsLayout.FormatUuid(uuid)} exists");
            if (_s.Available == 0) throw new SysfsException(Errno.EUSERS, path, "available_instances is 0");
            _s.Available--;
            var m = new SimMdev(uuid);
            _s.Mdevs.Add(m);
            _s.MdevByUuid.Add(uuid, m);
        }

        /// <summary><c>remove_store</c>: kstrtoul, 0 does nothing; EBUSY while a guest uses the mdev.</summary>
        public void Remove(SimMdev m, string path, string buf)
        {
            if (!KernelNumber.TryParse(buf, out ulong v, out _)) throw new SysfsException(Errno.EINVAL, path);
            if (v == 0) return;
            if (m.Guest != null) throw new SysfsException(Errno.EBUSY, path, $"guest '{m.Guest}' uses mdev {m.Name}");
            _s.Mdevs.Remove(m);
            _s.MdevByUuid.Remove(m.Uuid);
            _s.Available++;
        }

        // ---------------------------------------------------------------- assign and unassign

        public void AssignAdapter(SimMdev m, string path, string buf)
        {
            int apid = ParseId(path, buf, _s.MaxAdapterId);
            if (m.Apm.Contains(apid)) return;
            m.Apm = m.Apm.With(apid);
            var (err, detail) = ValidateMasks(m);
            if (err != Errno.None)
            {
                m.Apm = m.Apm.Without(apid);
                throw new SysfsException(err, path, detail);
            }
            FilterMatrix(m);
        }

        public void AssignDomain(SimMdev m, string path, string buf)
        {
            int apqi = ParseId(path, buf, _s.MaxDomainId);
            if (m.Aqm.Contains(apqi)) return;
            m.Aqm = m.Aqm.With(apqi);
            var (err, detail) = ValidateMasks(m);
            if (err != Errno.None)
            {
                m.Aqm = m.Aqm.Without(apqi);
                throw new SysfsException(err, path, detail);
            }
            FilterMatrix(m);
        }

        public void UnassignAdapter(SimMdev m, string path, string buf)
        {
            int apid = ParseId(path, buf, _s.MaxAdapterId);
            if (!m.Apm.Contains(apid)) return;
            m.Apm = m.Apm.Without(apid);
            // vfio_ap_mdev_hot_unplug_adapter: only the bit leaves the shadow; no re-filter.
            if (m.ShadowApm.Contains(apid)) m.ShadowApm = m.ShadowApm.Without(apid);
        }

        public void UnassignDomain(SimMdev m, string path, string buf)
        {
            int apqi = ParseId(path, buf, _s.MaxDomainId);
            if (!m.Aqm.Contains(apqi)) return;
            m.Aqm = m.Aqm.Without(apqi);
            // vfio_ap_mdev_hot_unplug_domain: an adapter dropped for this domain's queue stays dropped.
            if (m.ShadowAqm.Contains(apqi)) m.ShadowAqm = m.ShadowAqm.Without(apqi);
        }

        public void AssignControlDomain(SimMdev m, string path, string buf)
        {
            int id = ParseId(path, buf, _s.MaxDomainId);
            if (m.Adm.Contains(id)) return;
            m.Adm = m.Adm.With(id);
            FilterControlDomains(m);
        }

        public void UnassignControlDomain(SimMdev m, string path, string buf)
        {
            int id = ParseId(path, buf, _s.MaxDomainId);
            if (!m.Adm.Contains(id)) return;
            m.Adm = m.Adm.Without(id);
            if (m.ShadowAdm.Contains(id)) m.ShadowAdm = m.ShadowAdm.Without(id);
        }

        /// <summary>kstrtoul(buf, 0): EINVAL or ERANGE; above the maximum: ENODEV.</summary>
        private static int ParseId(string path, string buf, int max)
        {
            if (!KernelNumber.TryParse(buf, out ulong v, out var err)) throw new SysfsException(err, path);
            if (v > (ulong)max) throw new SysfsException(Errno.ENODEV, path, $"{v} is above the maximum {max}");
            return (int)v;
        }

        /// <summary>
        /// <c>ap_config_store</c>: three masks separated by ',' or '\n' (strsep), each the bus's hex syntax; the new
        /// matrix is validated as a whole (EADDRNOTAVAIL, EADDRINUSE, then ENODEV for a bit above a maximum) and
        /// nothing changes on error. On success the whole matrix and the control domains are filtered again.
        /// </summary>
        public void StoreApConfig(SimMdev m, string path, string buf)
        {
            var masks = ParseApConfig(path, buf);
            ApMask oldApm = m.Apm, oldAqm = m.Aqm, oldAdm = m.Adm;
            m.Apm = masks[0];
            m.Aqm = masks[1];
            m.Adm = masks[2];
            var (err, detail) = ValidateMasks(m);
            if (err == Errno.None)
            {
                int over = Above(masks[0], _s.MaxAdapterId);
                if (over < 0) over = Above(masks[1], _s.MaxDomainId);
                if (over < 0) over = Above(masks[2], _s.MaxDomainId);
                if (over >= 0) (err, detail) = (Errno.ENODEV, $"bit {over} is above the maximum");
            }
            if (err != Errno.None)
            {
                m.Apm = oldApm;
                m.Aqm = oldAqm;
                m.Adm = oldAdm;
                throw new SysfsException(err, path, detail);
            }
            // Removed adapters/domains are unplugged, added ones linked, then everything is filtered anew.
            FilterMatrix(m);
            FilterControlDomains(m);
        }

        private static ApMask[] ParseApConfig(string path, string buf)
        {
            // kstrndup(buf, AP_CONFIG_STRLEN): at most 201 characters are looked at.
            string? rest = buf.Length > 201 ? buf.Substring(0, 201) : buf;
            var masks = new ApMask[3];
            for (int i = 0; i < 3; i++)
            {
                if (rest is null) throw new SysfsException(Errno.EINVAL, path, "expected APM,AQM,ADM");
                int sep = rest.IndexOfAny(new[] { ',', '\n' });
                string piece;
                if (sep < 0) { piece = rest; rest = null; }
                else { piece = rest.Substring(0, sep); rest = rest.Substring(sep + 1); }
                if (!ApMask.TryParseAbsolute(piece, out masks[i], out var problem)) throw new SysfsException(Errno.EINVAL, path, problem);
            }
            return masks;
        }

        private static int Above(ApMask mask, int max) => max >= ApMask.Bits - 1 ? -1 : mask.NextSetBit(max + 1);

        /// <summary><c>vfio_ap_mdev_validate_masks</c>: default-owned APQNs first (EADDRNOTAVAIL), then sharing (EADDRINUSE).</summary>
        private (Errno, string?) ValidateMasks(SimMdev m)
        {
            if (_s.OverlapsDefaultDrivers(m.Apm, m.Aqm))
            {
                var a = (m.Apm & _s.ApMask).NextSetBit(0);
                var d = (m.Aqm & _s.AqMask).NextSetBit(0);
                return (Errno.EADDRNOTAVAIL, $"queue {new Apqn(a, d)} belongs to the default drivers (apmask/aqmask)");
            }
            var logged = new List<string>();
            if (FindSharing(m.Apm, m.Aqm, m, logged) != null) return (Errno.EADDRINUSE, string.Join("\n", logged));
            return (Errno.None, null);
        }

        /// <summary>
        /// <c>vfio_ap_mdev_verify_no_sharing</c>: the first other mdev (newest first, as <c>list_add</c> keeps them)
        /// whose matrix overlaps apm × aqm; every shared APQN is logged with <c>dev_warn</c> on that mdev.
        /// </summary>
        public SimMdev? FindSharing(ApMask apm, ApMask aqm, SimMdev? self, List<string>? logged)
        {
            var mdevs = _s.Mdevs;
            for (int i = mdevs.Count - 1; i >= 0; i--)
            {
                var m = mdevs[i];
                if (ReferenceEquals(m, self)) continue;
                var a = apm & m.Apm;
                if (a.IsEmpty) continue;
                var d = aqm & m.Aqm;
                if (d.IsEmpty) continue;
                foreach (var apid in a)
                    foreach (var apqi in d)
                    {
                        var line = $"vfio_ap_mdev {m.Name}: Userspace may not re-assign queue {apid:x2}.{apqi:x4} already assigned to {m.Name}";
                        _s.Log.Add(line);
                        logged?.Add(line);
                    }
                return m;
            }
            return null;
        }

        // ---------------------------------------------------------------- the shadow APCB

        /// <summary>
        /// <c>vfio_ap_mdev_filter_matrix</c>: the shadow APM/AQM recomputed from the whole matrix. The rule itself is
        /// <see cref="ApcbFilter"/>, given the kernel's own queue states; the shadow ADM is left alone.
        /// </summary>
        public void FilterMatrix(SimMdev m)
        {
            var guest = ApcbFilter.Predict(new ApMatrix(m.Apm, m.Aqm, ApMask.Empty), _s.FilterHostInfo, _queueStates).Guest;
            m.ShadowApm = guest.Adapters;
            m.ShadowAqm = guest.Domains;
        }

        /// <summary><c>vfio_ap_mdev_filter_cdoms</c>.</summary>
        public void FilterControlDomains(SimMdev m) => m.ShadowAdm = m.Adm & _s.FilterHostInfo.ControlDomains;

        /// <summary>
        /// <c>vfio_ap_mdev_probe_queue</c>: a fresh vfio_ap_queue (reset status 0) is linked to the mdev holding the
        /// APQN, and that mdev's matrix is filtered unless a bus scan with additions is in progress.
        /// </summary>
        public void OnQueueProbed(SimQueue q)
        {
            q.ResetFailed = false;
            var m = _s.Holder(q.Apqn);
            if (m != null && m.AddApm.IsEmpty && m.AddAqm.IsEmpty) FilterMatrix(m);
        }

        /// <summary>
        /// <c>vfio_ap_mdev_remove_queue</c>: the architecture cannot withdraw one APQN, so the adapter is unplugged
        /// if the APQN is in the shadow APCB. Nothing is re-filtered.
        /// </summary>
        public void OnQueueRemoved(SimQueue q)
        {
            var m = _s.Holder(q.Apqn);
            if (m != null && m.ShadowApm.Contains(q.Apqn.Adapter) && m.ShadowAqm.Contains(q.Apqn.Domain))
                m.ShadowApm = m.ShadowApm.Without(q.Apqn.Adapter);
            q.ResetFailed = false;
        }

        /// <summary>
        /// <c>vfio_ap_on_cfg_changed</c>, before the bus scan: removed adapters, domains and control domains are cut
        /// from every shadow APCB (<c>vfio_ap_mdev_on_cfg_remove</c>), and additions are remembered per mdev until the
        /// scan completes (<c>vfio_ap_mdev_cfg_add</c>).
        /// </summary>
        public void OnConfigChanged(HostApConfig prev, HostApConfig cur)
        {
            var apRemove = prev.Adapters.Except(cur.Adapters);
            var aqRemove = prev.Domains.Except(cur.Domains);
            var cdRemove = prev.ControlDomains.Except(cur.ControlDomains);
            if (!apRemove.IsEmpty || !aqRemove.IsEmpty || !cdRemove.IsEmpty)
            {
                foreach (var m in _s.Mdevs)
                {
                    m.ShadowApm = m.ShadowApm.Except(apRemove & m.Apm);
                    m.ShadowAqm = m.ShadowAqm.Except(aqRemove & m.Aqm);
                    // The kernel computes the control domains to unplug as cd_remove AND NOT matrix.adm
                    // (bitmap_andnot in vfio_ap_mdev_cfg_remove), which never meets the shadow ADM: removed
                    // control domains stay in the guest until the next cdom filter. Reproduced as is.
                    m.ShadowAdm = m.ShadowAdm.Except(cdRemove.Except(m.Adm));
                }
            }
            var apAdd = cur.Adapters.Except(prev.Adapters);
            var aqAdd = cur.Domains.Except(prev.Domains);
            var cdAdd = cur.ControlDomains.Except(prev.ControlDomains);
            if ((!apAdd.IsEmpty || !aqAdd.IsEmpty || !cdAdd.IsEmpty) && _s.Mdevs.Count > 0)
            {
                foreach (var m in _s.Mdevs)
                {
                    m.AddApm = m.Apm & apAdd;
                    m.AddAqm = m.Aqm & aqAdd;
                    m.AddAdm = m.Adm & cdAdd;
                }
            }
        }

        /// <summary><c>vfio_ap_on_scan_complete</c>: every mdev using an added resource is filtered again.</summary>
        public void OnScanComplete()
        {
            foreach (var m in _s.Mdevs)
            {
                if (m.AddApm.IsEmpty && m.AddAqm.IsEmpty && m.AddAdm.IsEmpty) continue;
                if (!m.AddApm.IsEmpty || !m.AddAqm.IsEmpty) FilterMatrix(m);
                if (!m.AddAdm.IsEmpty) FilterControlDomains(m);
                m.AddApm = m.AddAqm = m.AddAdm = ApMask.Empty;
            }
        }
    }
}
