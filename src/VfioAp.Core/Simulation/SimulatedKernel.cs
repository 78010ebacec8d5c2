using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// A whole simulated IBM Z host as the AP bus, zcrypt and vfio_ap show it in sysfs: cards, queue devices and
    /// their drivers, apmask/aqmask, the host AP configuration, and vfio_ap mdevs with their shadow APCB.
    /// Reads answer with the kernel's text and writes with the kernel's semantics and errnos (spec §2–§6, and where
    /// they differ, drivers/s390/crypto of current Linux). One lock serialises every operation, as the kernel's
    /// ap_attr_mutex / matrix_dev locks do, so several sessions may share one kernel.
    /// <para>
    /// The shadow APCB changes exactly where the kernel changes it: a full filter (<see cref="ApcbFilter"/>) on
    /// assign_adapter/assign_domain/ap_config, on binding a queue of the mdev's matrix to vfio_ap, and after a bus scan
    /// that added adapters or domains of the matrix; but only an incremental cut on unassign, on a queue leaving
    /// vfio_ap and on adapters/domains leaving the host configuration (the kernel clears the bit and does not
    /// re-filter, so an adapter dropped for one domain's queue stays dropped when that domain is unassigned).
    /// </para>
    /// </summary>
    public sealed partial class SimulatedKernel : ISysfsTree
    {
        /// <summary><c>MAX_ZDEV_ENTRIES_EXT</c> (256 × 256): the vfio_ap mdev driver's <c>max_instances</c>.</summary>
        public const int MaxInstances = 256 * 256;

        internal const string CardDriverName = SysfsLayout.DefaultCardDriver;
        internal const string QueueDriverName = SysfsLayout.DefaultQueueDriver;
        internal const string VfioDriverName = SysfsLayout.VfioApDriver;

        private readonly object _gate = new object();
        private readonly SortedDictionary<int, SimCard> _cards = new SortedDictionary<int, SimCard>();
        private readonly SimQueue?[] _queues = new SimQueue?[65536];
        private int _queueCount;
        private readonly HashSet<int> _absent = new HashSet<int>();
        private readonly List<SimMdev> _mdevs = new List<SimMdev>();
        private readonly Dictionary<Guid, SimMdev> _mdevByUuid = new Dictionary<Guid, SimMdev>();
        private readonly List<string> _log = new List<string>();
        private readonly KernelQueueStates _states;

        private ApMask _apmask = ApMask.Full;
        private ApMask _aqmask = ApMask.Full;
        private HostApConfig _host = new HostApConfig(ApMask.Empty, ApMask.Empty, ApMask.Empty, true);
        private int _available = MaxInstances;
        private long _scans = 1;
        private int _apDomain = -1;
        private int _configTime = 30;
        private bool _pollThread;
        private ulong _pollTimeout = 250000;

        public SimulatedKernel(KernelFeatures? features = null, int maxAdapterId = 255, int maxDomainId = 255)
        {
            if ((uint)maxAdapterId > ApId.Max) throw new ArgumentOutOfRangeException(nameof(maxAdapterId), maxAdapterId, "ap_max_adapter_id is 0-255.");
            if ((uint)maxDomainId > DomainId.Max) throw new ArgumentOutOfRangeException(nameof(maxDomainId), maxDomainId, "ap_max_domain_id is 0-255.");
            Features = features ?? KernelFeatures.Current;
            MaxAdapterId = maxAdapterId;
            MaxDomainId = maxDomainId;
            _states = new KernelQueueStates(this);
        }

        public KernelFeatures Features { get; }
        /// <summary><c>ap_max_adapter_id</c>; also the mdevs' <c>apm_max</c> (ENODEV above it).</summary>
        public int MaxAdapterId { get; }
        /// <summary><c>ap_max_domain_id</c>; also <c>aqm_max</c> and <c>adm_max</c>.</summary>
        public int MaxDomainId { get; }
        public string ScenarioName { get; set; } = "custom";

        /// <summary>The simulated host's files outside sysfs: libvirt's domains and the kernel log.</summary>
        public SimulatedHostFiles HostFiles { get; } = new SimulatedHostFiles();
        public string? Description { get; set; }

        /// <summary>The lock every read and write takes; a batch of reads holds it to see one consistent state.</summary>
        internal object Gate => _gate;

        /// <summary>What dmesg would show: the kernel's warnings about refused writes, oldest first.</summary>
        public IReadOnlyList<string> KernelLog
        {
            get { lock (_gate) return _log.ToArray(); }
        }

        /// <summary>Each queue's binding and vfio_ap reset state, as the APCB rule needs them (reset failures are not visible in sysfs).</summary>
        public IQueueStates QueueStates => new LockedQueueStates(this);

        public ApMask ApMask { get { lock (_gate) return _apmask; } }
        public ApMask AqMask { get { lock (_gate) return _aqmask; } }
        public HostApConfig HostConfig { get { lock (_gate) return _host; } }
        public int AvailableInstances { get { lock (_gate) return _available; } }

        /// <summary>The mdevs in creation order.</summary>
        public IReadOnlyList<Guid> Mdevs
        {
            get { lock (_gate) return _mdevs.Select(m => m.Uuid).ToArray(); }
        }

        public ApMatrix MatrixOf(Guid uuid)
        {
            lock (_gate) return FindMdevOrThrow(uuid).Matrix;
        }

        /// <summary>The shadow APCB the kernel keeps for the mdev (what <c>guest_matrix</c> prints, plus its control domains).</summary>
        public ApMatrix ShadowApcbOf(Guid uuid)
        {
            lock (_gate) return FindMdevOrThrow(uuid).Shadow;
        }

        public string? GuestOf(Guid uuid)
        {
            lock (_gate) return FindMdevOrThrow(uuid).Guest;
        }

        public bool QueueExists(Apqn apqn)
        {
            lock (_gate) return _queues[apqn.QueueId] != null;
        }

        /// <summary>The queue's driver (cex4queue, vfio_ap) or null when unbound or when the queue device does not exist.</summary>
        public string? DriverOf(Apqn apqn)
        {
            lock (_gate) return _queues[apqn.QueueId]?.Driver;
        }

        // ---------------------------------------------------------------- set-up and hardware events

        /// <summary>
        /// Installs a crypto card (<c>CEX4A</c> … <c>CEX8P</c>). Its card and queue devices appear when, or if, the
        /// adapter is in the host AP configuration; new queues bind to the driver apmask/aqmask give them to.
        /// </summary>
        public void AddCard(ApId id, string type, bool config = true, bool checkstop = false)
        {
            if (type is null || !CardType.TryParse(type, out int generation, out _))
                throw new ArgumentException($"Card type '{type}' is not CEX<4-8><A|C|P> (e.g. CEX8C).", nameof(type));
            lock (_gate)
            {
                if (_cards.ContainsKey(id)) throw new ArgumentException($"Card {id} is already installed.", nameof(id));
                var card = new SimCard(id, type, generation) { Config = config, Checkstop = checkstop };
                _cards.Add(id, card);
                if (_host.Adapters.Contains(id)) PlugCard(card);
            }
        }

        /// <summary>
        /// Changes what the machine gives this Linux (QCI), as a bus scan after an SE/HMC configuration change sees it:
        /// vfio_ap first cuts removed adapters, domains and control domains from the shadow APCBs, then queue
        /// devices leave and arrive, and when the scan completes every mdev using an added resource is re-filtered.
        /// <see cref="HostApConfig.Reported"/> false makes the ap_*_mask files print <c>not supported</c> (no QCI);
        /// the masks then only say which adapters and domains answer TAPQ, and vfio_ap's configuration is all zeros.
        /// </summary>
        public void SetHostConfig(HostApConfig config)
        {
            lock (_gate)
            {
                var prev = FilterHostInfo;
                _host = config;
                var cur = FilterHostInfo;

                // vfio_ap_on_cfg_changed: removal first (vfio_ap_mdev_on_cfg_remove) ...
                var apRemove = prev.Adapters.Except(cur.Adapters);
                var aqRemove = prev.Domains.Except(cur.Domains);
                var cdRemove = prev.ControlDomains.Except(cur.ControlDomains);
                if (!apRemove.IsEmpty || !aqRemove.IsEmpty || !cdRemove.IsEmpty)
                {
                    foreach (var m in _mdevs)
                    {
                        m.ShadowApm = m.ShadowApm.Except(apRemove & m.Apm);
                        m.ShadowAqm = m.ShadowAqm.Except(aqRemove & m.Aqm);
                        // The kernel computes the control domains to unplug as cd_remove AND NOT matrix.adm
                        // (bitmap_andnot in vfio_ap_mdev_cfg_remove), which never meets the shadow ADM: removed
                        // control domains stay in the guest until the next cdom filter. Reproduced as is.
                        m.ShadowAdm = m.ShadowAdm.Except(cdRemove.Except(m.Adm));
                    }
                }
                // ... then additions are remembered per mdev until the scan completes (vfio_ap_mdev_cfg_add).
                var apAdd = cur.Adapters.Except(prev.Adapters);
                var aqAdd = cur.Domains.Except(prev.Domains);
                var cdAdd = cur.ControlDomains.Except(prev.ControlDomains);
                if ((!apAdd.IsEmpty || !aqAdd.IsEmpty || !cdAdd.IsEmpty) && _mdevs.Count > 0)
                {
                    foreach (var m in _mdevs)
                    {
                        m.AddApm = m.Apm & apAdd;
                        m.AddAqm = m.Aqm & aqAdd;
                        m.AddAdm = m.Adm & cdAdd;
                    }
                }

                // ap_scan_bus: card and queue devices follow the configuration.
                foreach (var card in _cards.Values)
                {
                    bool want = _host.Adapters.Contains(card.Id);
                    if (card.Present && !want) UnplugCard(card);
                    else if (!card.Present && want) PlugCard(card);
                    else if (card.Present) ScanDomains(card);
                }

                // vfio_ap_on_scan_complete: hot plug what was added.
                foreach (var m in _mdevs)
                {
                    if (m.AddApm.IsEmpty && m.AddAqm.IsEmpty && m.AddAdm.IsEmpty) continue;
                    if (!m.AddApm.IsEmpty || !m.AddAqm.IsEmpty) FilterMatrix(m);
                    if (!m.AddAdm.IsEmpty) FilterControlDomains(m);
                    m.AddApm = m.AddAqm = m.AddAdm = ApMask.Empty;
                }
                _scans++;
            }
        }

        /// <summary>
        /// Makes a queue device disappear (TAPQ stops answering for it) or come back. A queue bound to vfio_ap
        /// leaves the driver first, which unplugs its adapter from the shadow APCB if the APQN was in it.
        /// </summary>
        public void SetQueueExists(Apqn apqn, bool exists)
        {
            lock (_gate)
            {
                if (exists) _absent.Remove(apqn.QueueId);
                else _absent.Add(apqn.QueueId);
                if (_cards.TryGetValue(apqn.Adapter, out var card) && card.Present) ScanDomains(card);
            }
        }

        /// <summary>
        /// Sets vfio_ap's record that the queue's last reset failed. The kernel consults it only when it next filters
        /// the matrix (assign, a bind, a configuration change), so the shadow APCB is not recomputed here.
        /// </summary>
        public void SetResetFailed(Apqn apqn, bool failed)
        {
            lock (_gate)
            {
                var q = _queues[apqn.QueueId];
                if (q?.Driver != VfioDriverName)
                    throw new InvalidOperationException($"Queue {apqn} is {(q is null ? "not a device" : q.Driver is null ? "not bound" : "bound to " + q.Driver)}: only vfio_ap resets queues and records a failed reset.");
                q.ResetFailed = failed;
            }
            // What vfio_ap's apq_status_check WARNs when TAPQ answers a reset with an unexpected response code (here 04,
            // the queue checkstopped); dmesg prints the formatted message on its own line.
            if (failed)
                HostFiles.AppendKernelLog($"[{HostFiles.NextTimestamp()}] failed to verify reset of queue {apqn.Adapter.ToKernelName()}.{apqn.Domain.ToKernelName()}: TAPQ rc=4");
        }

        /// <summary>
        /// A KVM guest opens the mdev (<c>vfio_ap_mdev_set_kvm</c>): its queues' status becomes <c>in use</c>, the
        /// guest gets the shadow APCB, and <c>remove</c> refuses with EBUSY. A guest may use only one vfio_ap mdev.
        /// </summary>
        public void StartGuest(Guid uuid, string guestName)
        {
            if (string.IsNullOrEmpty(guestName)) throw new ArgumentException("A guest needs a name.", nameof(guestName));
            lock (_gate)
            {
                var m = FindMdevOrThrow(uuid);
                if (m.Guest != null) throw new InvalidOperationException($"mdev {m.Name} is already used by guest '{m.Guest}'.");
                var other = _mdevs.FirstOrDefault(o => o.Guest == guestName);
                if (other != null)
                    throw new InvalidOperationException($"Guest '{guestName}' already uses mdev {other.Name}; the kernel allows one vfio_ap mdev per KVM guest (EPERM).");
                m.Guest = guestName;
            }
        }

        /// <summary>The guest closes the mdev (<c>vfio_ap_mdev_unset_kvm</c>).</summary>
        public void StopGuest(Guid uuid)
        {
            string? name;
            lock (_gate)
            {
                var m = FindMdevOrThrow(uuid);
                name = m.Guest;
                m.Guest = null;
            }
            // libvirt drops the live status of a domain that stops (a transient one disappears altogether).
            if (name != null && HostFiles.Find(name) is SimulatedDomain d) d.State = "shutoff";
        }

        // ---------------------------------------------------------------- kernel internals (caller holds the lock)

        /// <summary>
        /// The host configuration vfio_ap filters with (<c>matrix_dev-&gt;info</c>): the QCI masks, or all zeros when
        /// the machine has no QCI (vfio_ap then leaves its info unfilled).
        /// </summary>
        private HostApConfig FilterHostInfo => _host.Reported ? _host : new HostApConfig(ApMask.Empty, ApMask.Empty, ApMask.Empty, false);

        /// <summary>Spec §5: the default drivers own an APQN iff apmask has its APID and aqmask its APQI.</summary>
        private bool OwnedByDefault(Apqn q) => _apmask.Contains(q.Adapter) && _aqmask.Contains(q.Domain);

        private SimMdev? FindMdev(Guid uuid) => _mdevByUuid.TryGetValue(uuid, out var m) ? m : null;

        private SimMdev FindMdevOrThrow(Guid uuid) =>
            FindMdev(uuid) ?? throw new ArgumentException($"No mdev {SysfsLayout.FormatUuid(uuid)} on this simulated host.", nameof(uuid));

        /// <summary>The mdev whose matrix holds the APQN (vfio_ap keeps at most one).</summary>
        private SimMdev? Holder(Apqn q)
        {
            foreach (var m in _mdevs) if (m.Holds(q)) return m;
            return null;
        }

        private void PlugCard(SimCard card)
        {
            card.Present = true;
            // cex4card probes every CEX4+ card; zcrypt_card_register sets the card online.
            card.Driver = CardDriverName;
            card.ZcryptOnline = true;
            ScanDomains(card);
        }

        private void UnplugCard(SimCard card)
        {
            for (int d = 0; d <= DomainId.Max; d++)
            {
                var q = _queues[(card.Id.Value << 8) | d];
                if (q != null) RemoveQueueDevice(q);
            }
            card.Driver = null;
            card.Present = false;
        }

        /// <summary><c>ap_scan_domains</c>: a queue device for each configured domain that answers TAPQ.</summary>
        private void ScanDomains(SimCard card)
        {
            for (int d = 0; d <= DomainId.Max; d++)
            {
                int qid = (card.Id.Value << 8) | d;
                bool want = _host.Domains.Contains(d) && !_absent.Contains(qid);
                var q = _queues[qid];
                if (q != null && !want) RemoveQueueDevice(q);
                else if (q is null && want) CreateQueueDevice(card, new Apqn(card.Id, new DomainId(d)));
            }
        }

        private void CreateQueueDevice(SimCard card, Apqn apqn)
        {
            var q = new SimQueue(apqn, card);
            _queues[apqn.QueueId] = q;
            _queueCount++;
            AttachDriver(q);
        }

        private void RemoveQueueDevice(SimQueue q)
        {
            if (q.Driver != null) ReleaseDriver(q);
            _queues[q.Apqn.QueueId] = null;
            _queueCount--;
        }

        /// <summary><c>device_attach</c>: the bus offers the queue to its drivers; only the one matching the masks accepts (<c>ap_device_probe</c>).</summary>
        private void AttachDriver(SimQueue q) => Probe(q, OwnedByDefault(q.Apqn) ? QueueDriverName : VfioDriverName);

        private void Probe(SimQueue q, string driver)
        {
            q.Driver = driver;
            if (driver == QueueDriverName)
            {
                q.ZcryptOnline = true; // zcrypt_queue_register: new devices are online by default
                return;
            }
            // vfio_ap_mdev_probe_queue: a fresh vfio_ap_queue (reset status 0) is linked to the mdev holding the
            // APQN, and that mdev's matrix is filtered unless a bus scan with additions is in progress.
            q.ResetFailed = false;
            var m = Holder(q.Apqn);
            if (m != null && m.AddApm.IsEmpty && m.AddAqm.IsEmpty) FilterMatrix(m);
        }

        private void ReleaseDriver(SimQueue q)
        {
            if (q.Driver == VfioDriverName)
            {
                // vfio_ap_mdev_remove_queue: the architecture cannot withdraw one APQN, so the adapter is unplugged
                // if the APQN is in the shadow APCB. Nothing is re-filtered.
                var m = Holder(q.Apqn);
                if (m != null && m.ShadowApm.Contains(q.Apqn.Adapter) && m.ShadowAqm.Contains(q.Apqn.Domain))
                    m.ShadowApm = m.ShadowApm.Without(q.Apqn.Adapter);
                q.ResetFailed = false;
            }
            q.Driver = null;
        }

        /// <summary><c>ap_bus_revise_bindings</c>: every bound queue whose driver no longer matches the masks is re-probed.</summary>
        private void ReviseBindings()
        {
            for (int qid = 0; qid < _queues.Length; qid++)
            {
                var q = _queues[qid];
                // A queue without a driver is left alone: it stays unbound until someone binds it.
                if (q?.Driver is null) continue;
                bool hostOwned = OwnedByDefault(q.Apqn);
                bool defaultDriver = q.Driver == QueueDriverName;
                if (hostOwned == defaultDriver) continue;
                ReleaseDriver(q);
                AttachDriver(q);
            }
        }

        /// <summary>
        /// <c>vfio_ap_mdev_filter_matrix</c>: the shadow APM/AQM recomputed from the whole matrix. The rule itself is
        /// <see cref="ApcbFilter"/>, given the kernel's own queue states; the shadow ADM is left alone.
        /// </summary>
        private void FilterMatrix(SimMdev m)
        {
            var guest = ApcbFilter.Predict(new ApMatrix(m.Apm, m.Aqm, ApMask.Empty), FilterHostInfo, _states).Guest;
            m.ShadowApm = guest.Adapters;
            m.ShadowAqm = guest.Domains;
        }

        /// <summary><c>vfio_ap_mdev_filter_cdoms</c>.</summary>
        private void FilterControlDomains(SimMdev m) => m.ShadowAdm = m.Adm & FilterHostInfo.ControlDomains;

        /// <summary>
        /// <c>vfio_ap_mdev_verify_no_sharing</c>: the first other mdev (newest first, as <c>list_add</c> keeps them)
        /// whose matrix overlaps apm × aqm; every shared APQN is logged with <c>dev_warn</c> on that mdev.
        /// </summary>
        private SimMdev? FindSharing(ApMask apm, ApMask aqm, SimMdev? self, List<string>? logged)
        {
            for (int i = _mdevs.Count - 1; i >= 0; i--)
            {
                var m = _mdevs[i];
                if (ReferenceEquals(m, self)) continue;
                var a = apm & m.Apm;
                if (a.IsEmpty) continue;
                var d = aqm & m.Aqm;
                if (d.IsEmpty) continue;
                foreach (var apid in a)
                    foreach (var apqi in d)
                    {
                        var line = $"vfio_ap_mdev {m.Name}: Userspace may not re-assign queue {apid:x2}.{apqi:x4} already assigned to {m.Name}";
                        _log.Add(line);
                        logged?.Add(line);
                    }
                return m;
            }
            return null;
        }

        /// <summary><c>ap_apqn_in_matrix_owned_by_def_drv</c>.</summary>
        private bool OverlapsDefaultDrivers(ApMask apm, ApMask aqm) => !(apm & _apmask).IsEmpty && !(aqm & _aqmask).IsEmpty;

        /// <summary>The kernel's queue states for the filter; the caller holds the lock.</summary>
        private sealed class KernelQueueStates : IQueueStates
        {
            private readonly SimulatedKernel _k;
            public KernelQueueStates(SimulatedKernel k) { _k = k; }

            public QueueBinding BindingOf(Apqn apqn)
            {
                var q = _k._queues[apqn.QueueId];
                if (q is null) return QueueBinding.Missing;
                if (q.Driver is null) return QueueBinding.Unbound;
                return q.Driver == VfioDriverName ? QueueBinding.VfioAp : QueueBinding.OtherDriver;
            }

            public string? DriverOf(Apqn apqn)
            {
                var q = _k._queues[apqn.QueueId];
                return q?.Driver is string d && d != VfioDriverName ? d : null;
            }

            public bool ResetFailed(Apqn apqn) => _k._queues[apqn.QueueId]?.ResetFailed == true;

            public ApMask UsableDomains(ApId adapter)
            {
                var usable = ApMask.Empty;
                int baseId = adapter.Value << 8;
                for (int d = 0; d <= DomainId.Max; d++)
                    if (_k._queues[baseId | d] is SimQueue q && q.Driver == VfioDriverName && !q.ResetFailed) usable = usable.With(d);
                return usable;
            }
        }

        /// <summary>The same states for callers outside the kernel: each question takes the lock.</summary>
        private sealed class LockedQueueStates : IQueueStates
        {
            private readonly SimulatedKernel _k;
            public LockedQueueStates(SimulatedKernel k) { _k = k; }
            public QueueBinding BindingOf(Apqn apqn) { lock (_k._gate) return _k._states.BindingOf(apqn); }
            public string? DriverOf(Apqn apqn) { lock (_k._gate) return _k._states.DriverOf(apqn); }
            public bool ResetFailed(Apqn apqn) { lock (_k._gate) return _k._states.ResetFailed(apqn); }
            public ApMask UsableDomains(ApId adapter) { lock (_k._gate) return _k._states.UsableDomains(adapter); }
        }
    }
}
