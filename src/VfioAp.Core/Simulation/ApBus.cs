using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The AP bus: card and queue devices following the host configuration (<c>ap_scan_bus</c>), apmask/aqmask
    /// deciding which driver may own each queue, probing and re-probing, and the driver core's bind/unbind files
    /// (about_VfioAp_Kernel: OWNERSHIP AND BINDING). A queue that vfio_ap takes or gives back is reported to
    /// <see cref="VfioApDriver"/>, which keeps the shadow APCBs. The caller holds the state's lock.
    /// </summary>
    internal sealed class ApBus
    {
        private readonly KernelState _s;
        private readonly VfioApDriver _vfio;

        public ApBus(KernelState state, VfioApDriver vfio)
        {
            _s = state;
            _vfio = vfio;
        }

        /// <summary>
        /// <c>ap_scan_bus</c>: card and queue devices follow the configuration, and existing devices take the
        /// configuration and checkstop state TAPQ reports now (<c>ap_scan_adapter</c>, <c>ap_scan_domains</c>).
        /// </summary>
        public void ScanBus()
        {
            foreach (var card in _s.Cards.Values)
            {
                bool want = _s.Host.Adapters.Contains(card.Id);
                if (card.Present && !want) UnplugCard(card);
                else if (!card.Present && want) PlugCard(card);
                else if (card.Present)
                {
                    card.Checkstop = card.HwCheckstop;
                    ScanDomains(card);
                    foreach (var q in _s.QueuesOf(card)) ScanQueueState(q);
                }
            }
        }

        /// <summary>
        /// The state changes <c>ap_scan_domains</c> applies to an existing queue device: checkstop and config from
        /// TAPQ. A queue coming back (config on, checkstop off) that a zcrypt driver drives is initialised again
        /// (<c>_ap_queue_init_state</c>), which resets it; vfio_ap's queues are left as they are.
        /// </summary>
        private static void ScanQueueState(SimQueue q)
        {
            bool back = (!q.Config && q.Card.Config) || (q.Checkstop && !q.Card.HwCheckstop);
            q.Config = q.Card.Config;
            q.Checkstop = q.Card.HwCheckstop;
            if (back && q.Driver == KernelState.QueueDriverName) InitQueueState(q);
        }

        /// <summary><c>_ap_queue_init_state</c>: a reset is started and completes only on a configured, working queue.</summary>
        private static void InitQueueState(SimQueue q) => q.ResetPending = !(q.Config && !q.Checkstop);

        /// <summary>
        /// A bus scan with the host configuration unchanged (the <c>config_time</c> timer, or a write of
        /// <c>scans</c>): QCI reports nothing new, so vfio_ap is not told; devices take TAPQ's state, and the scan
        /// counter goes up.
        /// </summary>
        public void RescanBus()
        {
            ScanBus();
            _s.Scans++;
        }

        public void PlugCard(SimCard card)
        {
            card.Present = true;
            // cex4card probes every CEX4+ card; zcrypt_card_register sets the card online.
            card.Driver = KernelState.CardDriverName;
            card.ZcryptOnline = true;
            ScanDomains(card);
        }

        private void UnplugCard(SimCard card)
        {
            for (int d = 0; d <= DomainId.Max; d++)
            {
                var q = _s.Queues[(card.Id.Value << 8) | d];
                if (q != null) RemoveQueueDevice(q);
            }
            card.Driver = null;
            card.Present = false;
        }

        /// <summary><c>ap_scan_domains</c>: a queue device for each configured domain that answers TAPQ.</summary>
        public void ScanDomains(SimCard card)
        {
            for (int d = 0; d <= DomainId.Max; d++)
            {
                int qid = (card.Id.Value << 8) | d;
                bool want = _s.Host.Domains.Contains(d) && !_s.Absent.Contains(qid);
                var q = _s.Queues[qid];
                if (q != null && !want) RemoveQueueDevice(q);
                else if (q is null && want) CreateQueueDevice(card, new Apqn(card.Id, new DomainId(d)));
            }
        }

        private void CreateQueueDevice(SimCard card, Apqn apqn)
        {
            var q = new SimQueue(apqn, card);
            _s.Queues[apqn.QueueId] = q;
            _s.QueueCount++;
            AttachDriver(q);
        }

        private void RemoveQueueDevice(SimQueue q)
        {
            if (q.Driver != null) ReleaseDriver(q);
            _s.Queues[q.Apqn.QueueId] = null;
            _s.QueueCount--;
        }

        /// <summary><c>device_attach</c>: the bus offers the queue to its drivers; only the one matching the masks accepts (<c>ap_device_probe</c>).</summary>
        private void AttachDriver(SimQueue q) => Probe(q, _s.OwnedByDefault(q.Apqn) ? KernelState.QueueDriverName : KernelState.VfioDriverName);

        private void Probe(SimQueue q, string driver)
        {
            q.Driver = driver;
            if (driver == KernelState.QueueDriverName)
            {
                q.ZcryptOnline = true; // zcrypt_queue_register: new devices are online by default
                InitQueueState(q);     // zcrypt_cex4_queue_probe: ap_queue_init_state
                return;
            }
            _vfio.OnQueueProbed(q);
        }

        private void ReleaseDriver(SimQueue q)
        {
            if (q.Driver == KernelState.VfioDriverName) _vfio.OnQueueRemoved(q);
            q.Driver = null;
        }

        /// <summary><c>ap_bus_revise_bindings</c>: every bound queue whose driver no longer matches the masks is re-probed.</summary>
        private void ReviseBindings()
        {
            var queues = _s.Queues;
            for (int qid = 0; qid < queues.Length; qid++)
            {
                var q = queues[qid];
                // A queue without a driver is left alone: it stays unbound until someone binds it.
                if (q?.Driver is null) continue;
                bool hostOwned = _s.OwnedByDefault(q.Apqn);
                bool defaultDriver = q.Driver == KernelState.QueueDriverName;
                if (hostOwned == defaultDriver) continue;
                ReleaseDriver(q);
                AttachDriver(q);
            }
        }

        /// <summary>
        /// A queue's <c>reset</c> store (<c>reset_store</c> in ap_queue.c): any text is accepted; pending requests are
        /// flushed and the state machine put to RESET_START, which runs only where cex4queue drives a configured, not
        /// checkstopped queue. On a queue bound to vfio_ap or unbound it stays "Reset in progress." and vfio_ap's
        /// own record of its last reset (what the guest filter reads) is not touched.
        /// </summary>
        public static void ResetQueue(SimQueue q)
        {
            q.ResetPending = true;
            if (q.Driver == KernelState.QueueDriverName) InitQueueState(q);
        }

        /// <summary>
        /// <c>apmask_store</c>/<c>aqmask_store</c>: absolute or relative syntax; no change is success; bits newly set
        /// (APQNs going back to the default drivers) are refused with EBUSY when vfio_ap's <c>in_use</c> finds them
        /// in an mdev; then every bound queue is re-probed.
        /// </summary>
        public void StoreMask(bool adapters, string path, string buf)
        {
            var current = adapters ? _s.ApMask : _s.AqMask;
            if (!ApMask.TryParseKernel(buf, current, out var updated, out var problem)) throw new SysfsException(Errno.EINVAL, path, problem);
            if (updated == current) return;
            var reserved = updated.Except(current);
            if (!reserved.IsEmpty)
            {
                var logged = new List<string>();
                var holder = adapters ? _vfio.FindSharing(reserved, _s.AqMask, null, logged) : _vfio.FindSharing(_s.ApMask, reserved, null, logged);
                if (holder != null) throw new SysfsException(Errno.EBUSY, path, string.Join("\n", logged));
            }
            if (adapters) _s.ApMask = updated;
            else _s.AqMask = updated;
            ReviseBindings();
        }

        /// <summary>
        /// The driver core's <c>bind_store</c>: ENODEV when no device has the name or the driver does not match
        /// its type; EBUSY when it already has a driver; ENODEV when <c>ap_device_probe</c> refuses because
        /// apmask/aqmask give the queue to the other kind of driver.
        /// </summary>
        public void Bind(string driver, string path, string buf)
        {
            var name = KernelInput.WithoutNewline(buf);
            var card = _s.FindCardDevice(name);
            var queue = card is null ? _s.FindQueueDevice(name) : null;
            if (card is null && queue is null) throw new SysfsException(Errno.ENODEV, path, $"no AP device named '{name}'");
            if (card != null)
            {
                if (driver != KernelState.CardDriverName) throw new SysfsException(Errno.ENODEV, path, $"{driver} does not drive card devices");
                if (card.Driver != null) throw new SysfsException(Errno.EBUSY, path, $"{name} is already bound to {card.Driver}");
                card.Driver = KernelState.CardDriverName;
                card.ZcryptOnline = true;
                return;
            }
            var q = queue!;
            if (driver == KernelState.CardDriverName) throw new SysfsException(Errno.ENODEV, path, "cex4card does not drive queue devices");
            if (q.Driver != null) throw new SysfsException(Errno.EBUSY, path, $"{name} is already bound to {q.Driver}");
            bool hostOwned = _s.OwnedByDefault(q.Apqn);
            if (hostOwned != (driver == KernelState.QueueDriverName))
                throw new SysfsException(Errno.ENODEV, path, hostOwned
                    ? $"apmask and aqmask give {name} to the default drivers, not {driver}"
                    : $"apmask and aqmask give {name} to vfio_ap, not {driver}");
            Probe(q, driver);
        }

        /// <summary>The driver core's <c>unbind_store</c>: ENODEV unless the device is bound to this driver.</summary>
        public void Unbind(string driver, string path, string buf)
        {
            var name = KernelInput.WithoutNewline(buf);
            var card = _s.FindCardDevice(name);
            var queue = card is null ? _s.FindQueueDevice(name) : null;
            string? current = card?.Driver ?? queue?.Driver;
            if ((card is null && queue is null) || current != driver)
                throw new SysfsException(Errno.ENODEV, path, $"'{name}' is not bound to {driver}");
            if (card != null) card.Driver = null;
            else ReleaseDriver(queue!);
        }
    }
}
