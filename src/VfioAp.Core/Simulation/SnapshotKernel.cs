using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// A simulated kernel in the state a host snapshot shows: its cards (type, config, checkstop, zcrypt online), the
    /// host AP configuration, the queue devices and their drivers, apmask/aqmask, the mdevs with their matrices and
    /// the guests using them, failed resets, and each mdev's shadow APCB as the host's kernel reported it. Built
    /// through the kernel's own paths (hardware events, then the writes an admin would make), so a copy of a host
    /// answers the next writes as the host would. What sysfs does not show (vfio_ap's per-queue reset records
    /// beyond the snapshot's, driver_override) is not copied.
    /// </summary>
    public static class SnapshotKernel
    {
        /// <summary>The snapshot should hold the bus, cards, queue bindings and details, and mdevs (<see cref="SnapshotParts.All"/> does).</summary>
        public static SimulatedKernel Build(HostSnapshot host)
        {
            if (host is null) throw new ArgumentNullException(nameof(host));
            var features = new KernelFeatures
            {
                ApConfig = host.Mdevs.Count == 0 || host.Mdevs.Any(m => m.HasApConfig),
                GuestMatrix = host.Mdevs.Count == 0 || host.Mdevs.Any(m => m.GuestMatrix.HasValue),
            };
            var k = new SimulatedKernel(features, host.Bus.MaxAdapterId, host.Bus.MaxDomainId)
            {
                ScenarioName = "copy of " + host.ComputerName,
            };
            AddCards(k, host);
            foreach (var card in host.Cards)
                foreach (var d in k.HostConfig.Domains)
                    if (host.FindQueue(new Apqn(card.Id, new DomainId(d))) is null) k.SetQueueExists(new Apqn(card.Id, new DomainId(d)), false);
            Write(k, SysfsLayout.ApMask, host.Bus.ApMask.ToKernelString());
            Write(k, SysfsLayout.AqMask, host.Bus.AqMask.ToKernelString());
            foreach (var q in host.Queues) CopyDriver(k, q);
            CopyCardStates(k, host);
            var guests = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in host.Mdevs) CopyMdev(k, host, m, guests);
            foreach (var q in host.Queues)
                if (host.ResetFailed(q.Apqn) && k.DriverOf(q.Apqn) == SysfsLayout.VfioApDriver) k.SetResetFailed(q.Apqn, true);
            return k;
        }

        /// <summary>
        /// Cards with the configuration their queue devices show (they took it at the last scan); a card whose own
        /// <c>config</c> says otherwise was written since, which <see cref="CopyCardStates"/> repeats without a scan.
        /// </summary>
        private static void AddCards(SimulatedKernel k, HostSnapshot host)
        {
            var firstQueue = host.Queues.GroupBy(q => q.Adapter.Value).ToDictionary(g => g.Key, g => g.First());
            foreach (var c in host.Cards)
            {
                int generation = Math.Min(8, Math.Max(4, CardType.Generation(c.Type, c.HwType) ?? 8));
                var type = c.Type is { } t && CardType.TryParse(t, out _, out _) ? t : $"CEX{generation}C";
                firstQueue.TryGetValue(c.Id.Value, out var queue);
                k.AddCard(c.Id, type, config: queue?.Config ?? c.Config ?? true, checkstop: c.Checkstop ?? false);
            }
            var bus = host.Bus;
            var config = bus.HostAdapters.HasValue
                ? new HostApConfig(bus.HostAdapters.Value, bus.HostDomains ?? ApMask.Empty, bus.HostControlDomains ?? ApMask.Empty, true)
                : new HostApConfig(ApMask.Of(host.Cards.Select(c => (int)c.Id.Value)), ApMask.Of(host.Queues.Select(q => (int)q.Domain.Value)), ApMask.Empty, false);
            k.SetHostConfig(config);
        }

        private static void CopyDriver(SimulatedKernel k, ApQueue q)
        {
            var now = k.DriverOf(q.Apqn);
            if (now == q.Driver) return;
            if (now != null) Write(k, SysfsLayout.DriverAttribute(now, "unbind"), q.Apqn.ToString());
            // A driver the masks do not give the queue (driver_override on the host) cannot be bound here: it stays unbound.
            if (q.Driver != null) TryWrite(k, SysfsLayout.DriverAttribute(q.Driver, "bind"), q.Apqn.ToString());
        }

        private static void CopyCardStates(SimulatedKernel k, HostSnapshot host)
        {
            var byCard = host.Queues.ToLookup(q => q.Adapter.Value);
            foreach (var c in host.Cards)
            {
                var queues = byCard[c.Id.Value].ToList();
                bool queueConfig = queues.FirstOrDefault()?.Config ?? c.Config ?? true;
                if (c.Config is bool cfg && cfg != queueConfig) Write(k, SysfsLayout.CardAttribute(c.Id, "config"), cfg ? "1" : "0");
                // zcrypt's online shows config && online: only a configured card tells its own flag.
                if (c.Config != false && c.Online == false) TryWrite(k, SysfsLayout.CardAttribute(c.Id, "online"), "0");
                foreach (var q in queues)
                    if (q.Driver == SysfsLayout.DefaultQueueDriver && q.Config != false && q.Online == false)
                        TryWrite(k, SysfsLayout.QueueAttribute(q.Apqn, "online"), "0");
            }
        }

        private static void CopyMdev(SimulatedKernel k, HostSnapshot host, VfioApMdev m, HashSet<string> guests)
        {
            Write(k, SysfsLayout.MdevCreate, SysfsLayout.FormatUuid(m.Uuid));
            foreach (var a in m.Matrix.Adapters) Write(k, SysfsLayout.MdevAttribute(m.Uuid, "assign_adapter"), "0x" + a.ToKernelName());
            foreach (var d in m.Matrix.Domains) Write(k, SysfsLayout.MdevAttribute(m.Uuid, "assign_domain"), "0x" + d.ToKernelName());
            foreach (var d in m.Matrix.ControlDomains) Write(k, SysfsLayout.MdevAttribute(m.Uuid, "assign_control_domain"), "0x" + d.ToKernelName());
            if (m.GuestMatrix is { } reported) k.RestoreShadow(m.Uuid, reported.Adapters, reported.Domains);
            var guest = host.GuestsOf(m.Uuid).FirstOrDefault(g => g.IsActive)?.Name;
            if (!m.InUse && guest is null) return;
            // The kernel lets a KVM guest open one vfio_ap mdev; a second active definition naming the mdev gets a name of its own.
            if (guest is null || !guests.Add(guest)) guest = "guest of " + SysfsLayout.FormatUuid(m.Uuid);
            k.StartGuest(m.Uuid, guest);
        }

        private static void Write(SimulatedKernel k, string path, string value)
        {
            try { k.Write(path, value + "\n"); }
            catch (SysfsException ex)
            {
                throw new InvalidOperationException($"The snapshot cannot be copied into a simulated kernel: echo {value} > {path} failed with {ex.Error}.", ex);
            }
        }

        private static void TryWrite(SimulatedKernel k, string path, string value)
        {
            try { k.Write(path, value + "\n"); }
            catch (SysfsException) { }
        }
    }
}
