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
    /// Reads answer with the kernel's text and writes with the kernel's semantics and errnos
    /// (about_VfioAp_Kernel: SYSFS LAYOUT, READ FORMATS, WRITE SYNTAX, REFUSALS AND ERRNOS; where those are silent,
    /// drivers/s390/crypto of current Linux decides). One lock serialises every operation, as the kernel's
    /// ap_attr_mutex / matrix_dev locks do, so several sessions may share one kernel.
    /// <para>
    /// This class is the door: the work is done by <see cref="ApBus"/> (devices, masks, binding),
    /// <see cref="VfioApDriver"/> (mdevs and their shadow APCB), <see cref="TreePaths"/> and
    /// <see cref="DirectoryListing"/> (the tree's shape), <see cref="AttributeText"/> (reads) and
    /// <see cref="AttributeStores"/> (writes), all over one <see cref="KernelState"/>.
    /// </para>
    /// <para>
    /// The shadow APCB changes exactly where the kernel changes it: a full filter (<see cref="ApcbFilter"/>) on
    /// assign_adapter/assign_domain/ap_config, on binding a queue of the mdev's matrix to vfio_ap, and after a bus scan
    /// that added adapters or domains of the matrix; but only an incremental cut on unassign, on a queue leaving
    /// vfio_ap and on adapters/domains leaving the host configuration (the kernel clears the bit and does not
    /// re-filter, so an adapter dropped for one domain's queue stays dropped when that domain is unassigned).
    /// </para>
    /// </summary>
    public sealed class SimulatedKernel : ISysfsTree
    {
        /// <summary><c>MAX_ZDEV_ENTRIES_EXT</c> (256 × 256): the vfio_ap mdev driver's <c>max_instances</c>.</summary>
        public const int MaxInstances = 256 * 256;

        private readonly KernelState _s;
        private readonly KernelQueueStates _states;
        private readonly ApBus _bus;
        private readonly VfioApDriver _vfio;
        private readonly TreePaths _paths;
        private readonly DirectoryListing _listing;
        private readonly AttributeText _text;
        private readonly AttributeStores _stores;

        public SimulatedKernel(KernelFeatures? features = null, int maxAdapterId = 255, int maxDomainId = 255)
        {
            if ((uint)maxAdapterId > ApId.Max) throw new ArgumentOutOfRangeException(nameof(maxAdapterId), maxAdapterId, "ap_max_adapter_id is 0-255.");
            if ((uint)maxDomainId > DomainId.Max) throw new ArgumentOutOfRangeException(nameof(maxDomainId), maxDomainId, "ap_max_domain_id is 0-255.");
            _s = new KernelState(features ?? KernelFeatures.Current, maxAdapterId, maxDomainId);
            _states = new KernelQueueStates(_s);
            _vfio = new VfioApDriver(_s, _states);
            _bus = new ApBus(_s, _vfio);
            _paths = new TreePaths(_s);
            _listing = new DirectoryListing(_s);
            _text = new AttributeText(_s);
            _stores = new AttributeStores(_s, _bus, _vfio);
        }

        public KernelFeatures Features => _s.Features;
        /// <summary><c>ap_max_adapter_id</c>; also the mdevs' <c>apm_max</c> (ENODEV above it).</summary>
        public int MaxAdapterId => _s.MaxAdapterId;
        /// <summary><c>ap_max_domain_id</c>; also <c>aqm_max</c> and <c>adm_max</c>.</summary>
        public int MaxDomainId => _s.MaxDomainId;
        public string ScenarioName { get; set; } = "custom";

        /// <summary>The simulated host's files outside sysfs: libvirt's domains and the kernel log.</summary>
        public SimulatedHostFiles HostFiles { get; } = new SimulatedHostFiles();
        public string? Description { get; set; }

        /// <summary>The lock every read and write takes; a batch of reads holds it to see one consistent state.</summary>
        internal object Gate => _s.Gate;

        /// <summary>What dmesg would show: the kernel's warnings about refused writes, oldest first.</summary>
        public IReadOnlyList<string> KernelLog
        {
            get { lock (_s.Gate) return _s.Log.ToArray(); }
        }

        /// <summary>Each queue's binding and vfio_ap reset state, as the APCB rule needs them (reset failures are not visible in sysfs).</summary>
        public IQueueStates QueueStates => new LockedQueueStates(_s.Gate, _states);

        public ApMask ApMask { get { lock (_s.Gate) return _s.ApMask; } }
        public ApMask AqMask { get { lock (_s.Gate) return _s.AqMask; } }
        public HostApConfig HostConfig { get { lock (_s.Gate) return _s.Host; } }
        public int AvailableInstances { get { lock (_s.Gate) return _s.Available; } }

        /// <summary>The mdevs in creation order.</summary>
        public IReadOnlyList<Guid> Mdevs
        {
            get { lock (_s.Gate) return _s.Mdevs.Select(m => m.Uuid).ToArray(); }
        }

        public ApMatrix MatrixOf(Guid uuid)
        {
            lock (_s.Gate) return _s.FindMdevOrThrow(uuid).Matrix;
        }

        /// <summary>The shadow APCB the kernel keeps for the mdev (what <c>guest_matrix</c> prints, plus its control domains).</summary>
        public ApMatrix ShadowApcbOf(Guid uuid)
        {
            lock (_s.Gate) return _s.FindMdevOrThrow(uuid).Shadow;
        }

        /// <summary>
        /// Sets an mdev's shadow APCB (adapters and domains) to what a host's kernel reported in <c>guest_matrix</c>,
        /// so a copy of that host starts where its kernel is, earlier incremental cuts included.
        /// </summary>
        internal void RestoreShadow(Guid uuid, ApMask adapters, ApMask domains)
        {
            lock (_s.Gate)
            {
                var m = _s.FindMdevOrThrow(uuid);
                m.ShadowApm = adapters;
                m.ShadowAqm = domains;
            }
        }

        public string? GuestOf(Guid uuid)
        {
            lock (_s.Gate) return _s.FindMdevOrThrow(uuid).Guest;
        }

        public bool QueueExists(Apqn apqn)
        {
            lock (_s.Gate) return _s.Queues[apqn.QueueId] != null;
        }

        /// <summary>The queue's driver (cex4queue, vfio_ap) or null when unbound or when the queue device does not exist.</summary>
        public string? DriverOf(Apqn apqn)
        {
            lock (_s.Gate) return _s.Queues[apqn.QueueId]?.Driver;
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
            lock (_s.Gate)
            {
                if (_s.Cards.ContainsKey(id)) throw new ArgumentException($"Card {id} is already installed.", nameof(id));
                var card = new SimCard(id, type, generation) { Config = config, Checkstop = checkstop, HwCheckstop = checkstop };
                _s.Cards.Add(id, card);
                if (_s.Host.Adapters.Contains(id)) _bus.PlugCard(card);
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
            lock (_s.Gate)
            {
                var prev = _s.FilterHostInfo;
                _s.Host = config;
                _vfio.OnConfigChanged(prev, _s.FilterHostInfo);
                _bus.ScanBus();
                _vfio.OnScanComplete();
                _s.Scans++;
            }
        }

        /// <summary>
        /// The bus scan the <c>config_time</c> timer runs (as writing <c>/sys/bus/ap/scans</c> does): queue devices
        /// take the configuration and checkstop state of their adapter.
        /// </summary>
        public void ScanBus()
        {
            lock (_s.Gate) _bus.RescanBus();
        }

        /// <summary>
        /// The adapter enters or leaves the checkstopped state (a hardware event). The card and queue devices show it
        /// at the next bus scan; a checkstopped queue bound to vfio_ap stays in the guest's APCB (vfio_ap passes it).
        /// </summary>
        public void SetCardCheckstop(ApId adapter, bool checkstop)
        {
            lock (_s.Gate)
            {
                if (!_s.Cards.TryGetValue(adapter, out var card)) throw new ArgumentException($"Card {adapter} is not installed.", nameof(adapter));
                card.HwCheckstop = checkstop;
            }
        }

        /// <summary>
        /// Makes a queue device disappear (TAPQ stops answering for it) or come back. A queue bound to vfio_ap
        /// leaves the driver first, which unplugs its adapter from the shadow APCB if the APQN was in it.
        /// </summary>
        public void SetQueueExists(Apqn apqn, bool exists)
        {
            lock (_s.Gate)
            {
                if (exists) _s.Absent.Remove(apqn.QueueId);
                else _s.Absent.Add(apqn.QueueId);
                if (_s.Cards.TryGetValue(apqn.Adapter, out var card) && card.Present) _bus.ScanDomains(card);
            }
        }

        /// <summary>
        /// Sets vfio_ap's record that the queue's last reset failed. The kernel consults it only when it next filters
        /// the matrix (assign, a bind, a configuration change), so the shadow APCB is not recomputed here.
        /// </summary>
        public void SetResetFailed(Apqn apqn, bool failed)
        {
            lock (_s.Gate)
            {
                var q = _s.Queues[apqn.QueueId];
                if (q?.Driver != KernelState.VfioDriverName)
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
            lock (_s.Gate)
            {
                var m = _s.FindMdevOrThrow(uuid);
                if (m.Guest != null) throw new InvalidOperationException($"mdev {m.Name} is already used by guest '{m.Guest}'.");
                var other = _s.Mdevs.FirstOrDefault(o => o.Guest == guestName);
                if (other != null)
                    throw new InvalidOperationException($"Guest '{guestName}' already uses mdev {other.Name}; the kernel allows one vfio_ap mdev per KVM guest (EPERM).");
                m.Guest = guestName;
            }
        }

        /// <summary>The guest closes the mdev (<c>vfio_ap_mdev_unset_kvm</c>).</summary>
        public void StopGuest(Guid uuid)
        {
            string? name;
            lock (_s.Gate)
            {
                var m = _s.FindMdevOrThrow(uuid);
                name = m.Guest;
                m.Guest = null;
            }
            // libvirt drops the live status of a domain that stops (a transient one disappears altogether).
            if (name != null && HostFiles.Find(name) is SimulatedDomain d) d.State = "shutoff";
        }

        // ---------------------------------------------------------------- ISysfsTree

        public SysfsNode? Lookup(string path)
        {
            lock (_s.Gate)
            {
                var loc = _paths.Resolve(path, followLast: false);
                return loc is null ? null : new SysfsNode(loc.Kind, loc.Mode, loc.Target);
            }
        }

        public IReadOnlyList<string>? List(string path)
        {
            lock (_s.Gate)
            {
                var loc = _paths.Resolve(path, followLast: true);
                return loc is null || loc.Kind != SysfsNodeKind.Directory ? null : _listing.Names(loc);
            }
        }

        public string Read(string path)
        {
            lock (_s.Gate)
            {
                var loc = _paths.Resolve(path, followLast: true) ?? throw new SysfsException(Errno.ENOENT, path);
                if (loc.Kind == SysfsNodeKind.Directory) throw new SysfsException(Errno.EISDIR, path);
                // kernfs refuses to open an attribute without a show method for reading, root included.
                if ((loc.Mode & 0x124) == 0) throw new SysfsException(Errno.EACCES, path, "write-only attribute");
                return _text.Show(loc);
            }
        }

        public void Write(string path, string value)
        {
            if (value is null) throw new ArgumentNullException(nameof(value));
            lock (_s.Gate)
            {
                var loc = _paths.Resolve(path, followLast: true);
                if (loc is null)
                {
                    // sysfs directories cannot create files (EACCES); a missing directory is ENOENT.
                    int slash = path.TrimEnd('/').LastIndexOf('/');
                    var parent = slash < 0 ? null : _paths.Resolve(path.Substring(0, slash), followLast: true);
                    bool parentIsDir = slash < 0 || parent?.Kind == SysfsNodeKind.Directory;
                    throw new SysfsException(parentIsDir ? Errno.EACCES : Errno.ENOENT, path);
                }
                if (loc.Kind == SysfsNodeKind.Directory) throw new SysfsException(Errno.EISDIR, path);
                if ((loc.Mode & 0x92) == 0) throw new SysfsException(Errno.EACCES, path, "read-only attribute");
                _stores.Store(loc, path, value);
            }
        }
    }
}
