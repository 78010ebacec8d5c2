using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>
    /// Plans the card and queue maintenance an admin does with chzcrypt and the driver core's bind/unbind files: a
    /// queue bound to the driver apmask/aqmask give it, unbound, reset, set online or offline; a card set online or
    /// offline, configured or deconfigured (then the bus scan that brings its queue devices along). Each step is one
    /// sysfs write with the opposite write as its undo where one exists (a reset has none). What the kernel would
    /// refuse is found first and named as the kernel's errno would be.
    /// </summary>
    public static class DeviceMaintenancePlanner
    {
        /// <summary>The bus's <c>bindings</c> ("bound/total") changes with every bind and unbind: a cheap check that no one else bound or unbound meanwhile.</summary>
        private static readonly string[] BindingState = { SysfsLayout.ApMask, SysfsLayout.AqMask, SysfsLayout.Bindings };

        /// <summary>The driver a queue binds to: apmask × aqmask give it to the default (zcrypt) driver, else to vfio_ap.</summary>
        public static string DriverFor(HostSnapshot host, Apqn apqn) =>
            host.Bus.IsHostOwned(apqn) ? SysfsLayout.DefaultQueueDriver : SysfsLayout.VfioApDriver;

        /// <summary>Binds the queue to the driver its ownership gives it (<c>drivers/&lt;driver&gt;/bind</c>); nothing when it is bound there already.</summary>
        public static MaintenancePart Bind(HostSnapshot host, Apqn apqn)
        {
            var queue = host.FindQueue(apqn);
            if (queue is null) return MaintenancePart.Refused(Missing(apqn, "bound", Errno.ENODEV));
            var driver = DriverFor(host, apqn);
            if (queue.Driver == driver) return MaintenancePart.None($"{apqn} is bound to {driver} already");
            if (queue.Driver != null)
                return MaintenancePart.Refused(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.QueueAlreadyBound, Errno.EBUSY,
                    $"Queue {apqn} is bound to {queue.Driver}, and apmask/aqmask give it to {driver}: the kernel refuses a bind of a bound device with EBUSY.",
                    apqns: new[] { apqn }, attribute: "bind", action: $"Unbind it first (Set-ApQueue -Apqn {apqn} -Bound:$false), then bind it."));
            return new MaintenancePart(new[] { BindStep(driver, apqn) }, BindingState, s => DriverIs(s, apqn, driver));
        }

        /// <summary>Unbinds the queue from its driver (<c>drivers/&lt;driver&gt;/unbind</c>); nothing when it is unbound.</summary>
        public static MaintenancePart Unbind(HostSnapshot host, Apqn apqn)
        {
            var queue = host.FindQueue(apqn);
            if (queue is null) return MaintenancePart.Refused(Missing(apqn, "unbound", Errno.ENODEV));
            if (queue.Driver is null) return MaintenancePart.None($"{apqn} is not bound to a driver");
            return new MaintenancePart(new[] { UnbindStep(queue.Driver, apqn) }, BindingState, s => DriverIs(s, apqn, null));
        }

        /// <summary>
        /// Unbinds a queue and binds it to vfio_ap again: vfio_ap resets a queue it lets go of and probes a fresh one
        /// (reset status cleared), then filters the holding mdev's matrix again — how its record of a failed reset is
        /// cleared. Also takes a queue away from a driver_override'd other driver.
        /// </summary>
        public static MaintenancePart Rebind(HostSnapshot host, Apqn apqn)
        {
            var queue = host.FindQueue(apqn);
            if (queue is null) return MaintenancePart.Refused(Missing(apqn, "bound", Errno.ENODEV));
            var driver = DriverFor(host, apqn);
            var steps = new List<PlanStep>();
            if (queue.Driver != null) steps.Add(UnbindStep(queue.Driver, apqn));
            steps.Add(BindStep(driver, apqn));
            return new MaintenancePart(steps, BindingState, s => DriverIs(s, apqn, driver));
        }

        /// <summary>Writes the queue's <c>reset</c> attribute (ap_queue's reset_store: pending requests are flushed, the queue reset). No undo exists.</summary>
        public static MaintenancePart Reset(HostSnapshot host, Apqn apqn)
        {
            if (host.FindQueue(apqn) is null) return MaintenancePart.Refused(Missing(apqn, "reset", Errno.ENOENT));
            var write = new SysfsWrite(SysfsLayout.QueueAttribute(apqn, "reset"), "1", $"reset queue {apqn} (flushes its pending requests; cannot be undone)");
            return new MaintenancePart(new[] { new SysfsWriteStep(write) }, System.Array.Empty<string>(),
                s => s.FindQueue(apqn) is null ? $"queue {apqn} is gone after its reset" : null);
        }

        /// <summary>zcrypt's <c>online</c> of the queue, as <c>chzcrypt -e/-d</c> sets it; only a queue bound to zcrypt's driver has the attribute.</summary>
        public static MaintenancePart QueueOnline(HostSnapshot host, Apqn apqn, bool online)
        {
            var queue = host.FindQueue(apqn);
            if (queue is null) return MaintenancePart.Refused(Missing(apqn, "set online", Errno.ENOENT));
            if (queue.Driver != SysfsLayout.DefaultQueueDriver)
                return MaintenancePart.Refused(new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.AttributeMissing, Errno.ENOENT,
                    $"Queue {apqn} is {(queue.Driver is null ? "not bound" : "bound to " + queue.Driver)}: only a queue of the host's zcrypt driver ({SysfsLayout.DefaultQueueDriver}) has an 'online' attribute.",
                    apqns: new[] { apqn }, attribute: "online", action: "Bind the queue to the host's driver (Set-ApBusMask -Owner Host) first, or leave it: a guest's queue is used by the guest."));
            if (queue.Online == online) return MaintenancePart.None($"{apqn} is {(online ? "online" : "offline")} already");
            var path = SysfsLayout.QueueAttribute(apqn, "online");
            return new MaintenancePart(new[] { Toggle(path, online, $"set queue {apqn} {(online ? "online" : "offline")} (chzcrypt {(online ? "-e" : "-d")} {apqn})") },
                new[] { path }, s => s.FindQueue(apqn)?.Online == online ? null : $"queue {apqn} is not {(online ? "online" : "offline")}");
        }

        /// <summary>zcrypt's <c>online</c> of the card, as <c>chzcrypt -e/-d</c> sets it (for the card's zcrypt queues too; not for vfio_ap's).</summary>
        public static MaintenancePart CardOnline(HostSnapshot host, ApId adapter, bool online)
        {
            var card = host.Cards.FirstOrDefault(c => c.Id == adapter);
            if (card is null) return MaintenancePart.Refused(CardMissing(adapter));
            if (card.Online == online) return MaintenancePart.None($"card{adapter.ToKernelName()} is {(online ? "online" : "offline")} already");
            var path = SysfsLayout.CardAttribute(adapter, "online");
            return new MaintenancePart(new[] { Toggle(path, online, $"set card{adapter.ToKernelName()} {(online ? "online" : "offline")} (chzcrypt {(online ? "-e" : "-d")} {adapter.ToKernelName()})") },
                new[] { path }, s => s.Cards.FirstOrDefault(c => c.Id == adapter)?.Online == online ? null : $"card{adapter.ToKernelName()} is not {(online ? "online" : "offline")}");
        }

        /// <summary>
        /// The card's <c>config</c> (SCLP configure/deconfigure, as <c>chzcrypt --config-on/--config-off</c>), then a
        /// write of the bus's <c>scans</c>: the card device changes at once, its queue devices only at the next scan.
        /// </summary>
        public static MaintenancePart CardConfig(HostSnapshot host, ApId adapter, bool config)
        {
            var card = host.Cards.FirstOrDefault(c => c.Id == adapter);
            if (card is null) return MaintenancePart.Refused(CardMissing(adapter));
            var queues = host.Queues.Where(q => q.Adapter == adapter).ToList();
            if (card.Config == config && queues.All(q => q.Config == config))
                return MaintenancePart.None($"card{adapter.ToKernelName()} is {(config ? "configured" : "deconfigured")} already");
            var path = SysfsLayout.CardAttribute(adapter, "config");
            var scan = new SysfsWrite(SysfsLayout.ApBus + "/scans", "1", "scan the AP bus so the card's queue devices take the new configuration");
            var set = new SysfsWrite(path, config ? "1" : "0", $"{(config ? "configure" : "deconfigure")} card{adapter.ToKernelName()} (chzcrypt --config-{(config ? "on" : "off")} {adapter.ToKernelName()})");
            var back = new SysfsWrite(path, config ? "0" : "1", $"undo: {(config ? "deconfigure" : "configure")} card{adapter.ToKernelName()}");
            var steps = new PlanStep[] { new SysfsWriteStep(set, back, scan), new SysfsWriteStep(scan) };
            return new MaintenancePart(steps, new[] { path }, s =>
            {
                var now = s.Cards.FirstOrDefault(c => c.Id == adapter);
                var stale = s.Queues.Where(q => q.Adapter == adapter && q.Config != config).Select(q => q.Apqn).ToList();
                return now?.Config != config ? $"card{adapter.ToKernelName()} config is not {(config ? 1 : 0)}"
                    : stale.Count > 0 ? $"queues {string.Join(", ", stale)} did not follow the card's config after the scan" : null;
            });
        }

        private static SysfsWriteStep BindStep(string driver, Apqn apqn) =>
            new SysfsWriteStep(new SysfsWrite(SysfsLayout.DriverAttribute(driver, "bind"), apqn.ToString(), $"bind queue {apqn} to {driver}"),
                new SysfsWrite(SysfsLayout.DriverAttribute(driver, "unbind"), apqn.ToString(), $"undo: unbind queue {apqn} from {driver}"));

        private static SysfsWriteStep UnbindStep(string driver, Apqn apqn) =>
            new SysfsWriteStep(new SysfsWrite(SysfsLayout.DriverAttribute(driver, "unbind"), apqn.ToString(), $"unbind queue {apqn} from {driver}"),
                new SysfsWrite(SysfsLayout.DriverAttribute(driver, "bind"), apqn.ToString(), $"undo: bind queue {apqn} to {driver}"));

        private static SysfsWriteStep Toggle(string path, bool on, string description) =>
            new SysfsWriteStep(new SysfsWrite(path, on ? "1" : "0", description), new SysfsWrite(path, on ? "0" : "1", "undo: " + description));

        private static string? DriverIs(HostSnapshot s, Apqn apqn, string? driver)
        {
            var now = s.FindQueue(apqn)?.Driver;
            return now == driver ? null : $"queue {apqn} is {(now is null ? "not bound" : "bound to " + now)}, expected {(driver is null ? "unbound" : driver)}";
        }

        private static MatrixFinding Missing(Apqn apqn, string what, Errno errno) =>
            new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.QueueMissing, errno,
                $"Queue {apqn} has no device on this host, so it cannot be {what}: the machine does not configure it for this Linux, or its card is gone.",
                apqns: new[] { apqn }, action: "Get-ApQueue lists the queue devices; the HMC's AP configuration of the LPAR decides which exist.");

        private static MatrixFinding CardMissing(ApId adapter) =>
            new MatrixFinding(FindingSeverity.Error, MatrixFindingCode.QueueMissing, Errno.ENOENT,
                $"Card {adapter.ToKernelName()} has no device on this host.", adapter: adapter,
                action: "Get-ApCard lists the cards; the HMC's AP configuration of the LPAR decides which exist.");
    }
}
