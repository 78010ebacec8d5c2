using System;
using System.Collections.Generic;
using System.Linq;

namespace VfioAp.Core.Model
{
    /// <summary>The state of a queue as the APCB rule needs it; what <c>Rules.ApcbFilter</c> asks of a host.</summary>
    public interface IQueueStates
    {
        QueueBinding BindingOf(Apqn apqn);
        /// <summary>The driver's name for <see cref="QueueBinding.OtherDriver"/>, else null.</summary>
        string? DriverOf(Apqn apqn);
        /// <summary>True when vfio_ap's last reset of the queue failed. Not visible in sysfs; known to the simulator and to tests.</summary>
        bool ResetFailed(Apqn apqn);

        /// <summary>
        /// The domains of an adapter whose queues a guest can use (bound to vfio_ap, last reset not failed): the filter's
        /// fast path is one 256-bit subset test per adapter, and only a dropped adapter is walked APQN by APQN.
        /// </summary>
        ApMask UsableDomains(ApId adapter);
    }

    /// <summary>
    /// Everything a cmdlet needs from one host, read in one batch: bus configuration, cards, queues, mdevs.
    /// Derived views (who holds an APQN, what is in a guest) are computed from it, never read again.
    /// </summary>
    public sealed class HostSnapshot : IQueueStates
    {
        private readonly ApQueue?[] _queueByQid = new ApQueue?[65536];
        private readonly Dictionary<int, Guid> _assignedTo = new Dictionary<int, Guid>();
        private readonly HashSet<int> _resetFailed;
        private readonly ApMask[] _usable = new ApMask[256];

        public HostSnapshot(string computerName, ApBusConfig bus, IEnumerable<ApCard> cards, IEnumerable<ApQueue> queues,
                            IEnumerable<VfioApMdev> mdevs, int? availableInstances, bool vfioApLoaded, IEnumerable<Apqn>? resetFailed = null,
                            IEnumerable<LibvirtGuest>? guests = null, IEnumerable<string>? warnings = null)
        {
            Guests = (guests ?? Enumerable.Empty<LibvirtGuest>()).ToList();
            Warnings = (warnings ?? Enumerable.Empty<string>()).ToList();
            ComputerName = computerName;
            Bus = bus;
            Cards = cards.OrderBy(c => c.Id).ToList();
            Queues = queues.OrderBy(q => q.Apqn).ToList();
            foreach (var q in Queues) _queueByQid[q.Apqn.QueueId] = q;
            Mdevs = mdevs.OrderBy(m => m.Uuid.ToString("D"), StringComparer.Ordinal).ToList();
            foreach (var m in Mdevs)
                foreach (var a in m.Matrix.Adapters)
                    foreach (var d in m.Matrix.Domains)
                        _assignedTo[(a << 8) | d] = m.Uuid;
            AvailableInstances = availableInstances;
            VfioApLoaded = vfioApLoaded;
            _resetFailed = new HashSet<int>((resetFailed ?? Enumerable.Empty<Apqn>()).Select(q => q.QueueId));
            foreach (var q in Queues)
                if (q.Binding == QueueBinding.VfioAp && !_resetFailed.Contains(q.Apqn.QueueId))
                    _usable[q.Adapter.Value] = _usable[q.Adapter.Value].With(q.Domain.Value);
            TakenAt = DateTimeOffset.Now;
        }

        public string ComputerName { get; }
        public ApBusConfig Bus { get; }
        public IReadOnlyList<ApCard> Cards { get; }
        public IReadOnlyList<ApQueue> Queues { get; }
        public IReadOnlyList<VfioApMdev> Mdevs { get; }
        /// <summary>libvirt's domains on the host (empty where libvirt's files are absent or were not asked for).</summary>
        public IReadOnlyList<LibvirtGuest> Guests { get; }
        /// <summary>Things read but not understood (a malformed domain XML, an unreadable file), each naming its file; the cmdlets warn once per host.</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The kernel log's queue-reset lines, or null when the log was not read or could not be (see <see cref="KernelLogNote"/>).</summary>
        public IReadOnlyList<KernelLogLine>? KernelLog { get; init; }
        /// <summary>Why the kernel log is not there ("kernel log not readable …"), or null.</summary>
        public string? KernelLogNote { get; init; }

        /// <summary>
        /// With <see cref="SnapshotParts.PersistentFiles"/>: the host's boot files as read, by their path relative to the
        /// host's <c>/</c>; a null text is a file that exists but could not be read. A file not listed does not exist.
        /// </summary>
        public IReadOnlyDictionary<string, string?> PersistentFiles { get; init; } = new Dictionary<string, string?>();

        /// <summary>
        /// Which parts of the host the snapshot was read with. A cmdlet reads only what its objects need, so a list of
        /// a part not read is empty, not the host's: <see cref="Require"/> refuses to derive anything from it.
        /// Snapshots made by hand (tests, the simulator's own) hold everything.
        /// </summary>
        public SnapshotParts Parts { get; init; } = SnapshotParts.All;

        /// <summary>True when every part of <paramref name="parts"/> was read.</summary>
        public bool Has(SnapshotParts parts) => (Parts & parts) == parts;

        /// <summary>Throws when a part <paramref name="purpose"/> derives from was not read: a bug of the caller's part list, never a host's fault.</summary>
        public void Require(SnapshotParts parts, string purpose)
        {
            if (!Has(parts))
                throw new InvalidOperationException($"The snapshot of host '{ComputerName}' was read without {parts & ~Parts}, which {purpose} needs.");
        }

        /// <summary>The domains whose XML references the mdev, active ones first.</summary>
        public IEnumerable<LibvirtGuest> GuestsOf(Guid mdev) =>
            Guests.Where(g => g.Mdevs.Contains(mdev)).OrderBy(g => !g.IsActive).ThenBy(g => g.Name, StringComparer.Ordinal);
        /// <summary>vfio_ap-passthrough's <c>available_instances</c>, null when vfio_ap is not loaded.</summary>
        public int? AvailableInstances { get; }
        public bool VfioApLoaded { get; }
        public DateTimeOffset TakenAt { get; }

        /// <summary>The host AP configuration for the filter.</summary>
        public HostApConfig HostConfig => HostApConfig.From(Bus);

        public ApQueue? FindQueue(Apqn apqn) => _queueByQid[apqn.QueueId];

        public VfioApMdev? FindMdev(Guid uuid) => Mdevs.FirstOrDefault(m => m.Uuid == uuid);

        /// <summary>The mdev whose matrix holds the APQN (the kernel allows at most one).</summary>
        public Guid? MdevHolding(Apqn apqn) => _assignedTo.TryGetValue(apqn.QueueId, out var u) ? u : (Guid?)null;

        public QueueBinding BindingOf(Apqn apqn)
        {
            var q = _queueByQid[apqn.QueueId];
            return q is null ? QueueBinding.Missing : q.Binding;
        }

        public string? DriverOf(Apqn apqn)
        {
            var q = _queueByQid[apqn.QueueId];
            return q is null || q.Binding != QueueBinding.OtherDriver ? null : q.Driver;
        }

        public bool ResetFailed(Apqn apqn) => _resetFailed.Contains(apqn.QueueId);

        public ApMask UsableDomains(ApId adapter) => _usable[adapter.Value];
    }

    /// <summary>What the machine gives this Linux (QCI): the masks the guest matrix is cut to first.</summary>
    public readonly struct HostApConfig
    {
        public HostApConfig(ApMask adapters, ApMask domains, ApMask controlDomains, bool reported = true)
        {
            Adapters = adapters;
            Domains = domains;
            ControlDomains = controlDomains;
            Reported = reported;
        }

        public ApMask Adapters { get; }
        public ApMask Domains { get; }
        public ApMask ControlDomains { get; }
        /// <summary>False when the kernel printed <c>not supported</c> (no QCI).</summary>
        public bool Reported { get; }

        /// <summary>
        /// Without QCI vfio_ap never fills its copy of the configuration (<c>matrix_dev-&gt;info</c> stays zero, see
        /// <c>vfio_ap_matrix_dev_create</c>), so the kernel's filter cuts everything: the masks are then empty, not full.
        /// </summary>
        public static HostApConfig From(ApBusConfig bus) => bus.HostAdapters.HasValue
            ? new HostApConfig(bus.HostAdapters.Value, bus.HostDomains ?? ApMask.Empty, bus.HostControlDomains ?? ApMask.Empty, true)
            : new HostApConfig(ApMask.Empty, ApMask.Empty, ApMask.Empty, false);
    }
}
