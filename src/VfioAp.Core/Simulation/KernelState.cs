using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// What the simulated kernel remembers: the installed cards, the queue devices and their drivers, apmask/aqmask,
    /// the host AP configuration, the vfio_ap mdevs and the bus's tunables. The bus, the vfio_ap driver and the
    /// attribute files all read and change this one state; every member assumes the caller holds <see cref="Gate"/>.
    /// </summary>
    internal sealed class KernelState
    {
        internal const string CardDriverName = SysfsLayout.DefaultCardDriver;
        internal const string QueueDriverName = SysfsLayout.DefaultQueueDriver;
        internal const string VfioDriverName = SysfsLayout.VfioApDriver;

        public KernelState(KernelFeatures features, int maxAdapterId, int maxDomainId)
        {
            Features = features;
            MaxAdapterId = maxAdapterId;
            MaxDomainId = maxDomainId;
        }

        /// <summary>The lock every read and write takes, as the kernel's ap_attr_mutex / matrix_dev locks serialise them.</summary>
        public object Gate { get; } = new object();

        public KernelFeatures Features { get; }
        public int MaxAdapterId { get; }
        public int MaxDomainId { get; }

        public SortedDictionary<int, SimCard> Cards { get; } = new SortedDictionary<int, SimCard>();
        /// <summary>The queue devices by queue id (APID × 256 + APQI); null where no device exists.</summary>
        public SimQueue?[] Queues { get; } = new SimQueue?[65536];
        public int QueueCount { get; set; }
        /// <summary>Queue ids whose TAPQ does not answer: no device even when adapter and domain are configured.</summary>
        public HashSet<int> Absent { get; } = new HashSet<int>();
        /// <summary>The mdevs in creation order (the kernel's list, which <c>list_add</c> keeps newest first when searched).</summary>
        public List<SimMdev> Mdevs { get; } = new List<SimMdev>();
        public Dictionary<Guid, SimMdev> MdevByUuid { get; } = new Dictionary<Guid, SimMdev>();
        /// <summary>dmesg: the kernel's warnings about refused writes, oldest first.</summary>
        public List<string> Log { get; } = new List<string>();

        public ApMask ApMask { get; set; } = ApMask.Full;
        public ApMask AqMask { get; set; } = ApMask.Full;
        public HostApConfig Host { get; set; } = new HostApConfig(ApMask.Empty, ApMask.Empty, ApMask.Empty, true);
        public int Available { get; set; } = SimulatedKernel.MaxInstances;
        public long Scans { get; set; } = 1;
        /// <summary>The default domain once <c>ap_select_domain</c> or a write chose it; -1 before.</summary>
        public int ApDomain { get; set; } = -1;
        public int ConfigTime { get; set; } = 30;
        public bool PollThread { get; set; }
        public ulong PollTimeout { get; set; } = 250000;

        /// <summary>
        /// The host configuration vfio_ap filters with (<c>matrix_dev-&gt;info</c>): the QCI masks, or all zeros when
        /// the machine has no QCI (vfio_ap then leaves its info unfilled).
        /// </summary>
        public HostApConfig FilterHostInfo => Host.Reported ? Host : new HostApConfig(ApMask.Empty, ApMask.Empty, ApMask.Empty, false);

        /// <summary>
        /// The default drivers own an APQN iff apmask has its APID and aqmask its APQI
        /// (about_VfioAp_Kernel: OWNERSHIP AND BINDING).
        /// </summary>
        public bool OwnedByDefault(Apqn q) => ApMask.Contains(q.Adapter) && AqMask.Contains(q.Domain);

        /// <summary><c>ap_apqn_in_matrix_owned_by_def_drv</c>.</summary>
        public bool OverlapsDefaultDrivers(ApMask apm, ApMask aqm) => !(apm & ApMask).IsEmpty && !(aqm & AqMask).IsEmpty;

        public SimMdev? FindMdev(Guid uuid) => MdevByUuid.TryGetValue(uuid, out var m) ? m : null;

        public SimMdev FindMdevOrThrow(Guid uuid) =>
            FindMdev(uuid) ?? throw new ArgumentException($"No mdev {SysfsLayout.FormatUuid(uuid)} on this simulated host.", nameof(uuid));

        /// <summary>The mdev whose matrix holds the APQN (vfio_ap keeps at most one).</summary>
        public SimMdev? Holder(Apqn q)
        {
            foreach (var m in Mdevs) if (m.Holds(q)) return m;
            return null;
        }

        /// <summary>The card device named <paramref name="name"/> (<c>cardXX</c>), if the card is in the configuration.</summary>
        public SimCard? FindCardDevice(string name)
        {
            if (!SysfsLayout.TryParseCardName(name, out var id)) return null;
            return Cards.TryGetValue(id, out var c) && c.Present && c.Name == name ? c : null;
        }

        /// <summary>The queue device named <paramref name="name"/> (<c>XX.YYYY</c>).</summary>
        public SimQueue? FindQueueDevice(string name)
        {
            if (!SysfsLayout.TryParseQueueName(name, out var apqn)) return null;
            return Queues[apqn.QueueId];
        }

        /// <summary>The mdev whose directory is named <paramref name="name"/>: its UUID in lower case, as the kernel prints it.</summary>
        public SimMdev? FindMdevByName(string name)
        {
            if (name.Length != 36 || !Guid.TryParseExact(name, "D", out var uuid)) return null;
            var m = FindMdev(uuid);
            return m != null && m.Name == name ? m : null;
        }

        public IEnumerable<SimQueue> QueuesOf(SimCard c)
        {
            int baseId = c.Id.Value << 8;
            for (int d = 0; d <= DomainId.Max; d++)
                if (Queues[baseId | d] is SimQueue q) yield return q;
        }
    }
}
