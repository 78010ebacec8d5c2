using System.Globalization;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The read side of the simulated tree: the text each attribute prints, byte for byte as the kernel's show
    /// functions print it (about_VfioAp_Kernel: READ FORMATS). The caller holds the state's lock.
    /// </summary>
    internal sealed class AttributeText
    {
        private readonly KernelState _s;

        public AttributeText(KernelState state) { _s = state; }

        private static string Dec(long v) => v.ToString(CultureInfo.InvariantCulture) + "\n";
        private static string Flag(bool v) => v ? "1\n" : "0\n";

        public string Show(TreeLocation f)
        {
            string? text = f.Dir switch
            {
                TreeDir.BusAp => ShowBus(f.Name!),
                TreeDir.Card => ShowCard(f.Card!, f.Name!),
                TreeDir.Queue => ShowQueue(f.Queue!, f.Name!),
                TreeDir.Type => ShowType(f.Name!),
                TreeDir.Mdev => ShowMdev(f.Mdev!, f.Name!),
                _ => null,
            };
            return text ?? throw new SysfsException(Errno.EIO, f.Name ?? "", "the simulator has no text for this attribute");
        }

        private string? ShowBus(string name)
        {
            var host = _s.Host;
            switch (name)
            {
                case "apmask": return SysfsFormat.FormatMask(_s.ApMask);
                case "aqmask": return SysfsFormat.FormatMask(_s.AqMask);
                case "ap_adapter_mask": return host.Reported ? SysfsFormat.FormatMask(host.Adapters) : "not supported\n";
                case "ap_usage_domain_mask": return host.Reported ? SysfsFormat.FormatMask(host.Domains) : "not supported\n";
                case "ap_control_domain_mask": return host.Reported ? SysfsFormat.FormatMask(host.ControlDomains) : "not supported\n";
                case "ap_max_adapter_id": return Dec(_s.MaxAdapterId);
                case "ap_max_domain_id": return Dec(_s.MaxDomainId);
                case "ap_domain": return Dec(DefaultDomain());
                case "ap_interrupts": return "1\n";
                case "config_time": return Dec(_s.ConfigTime);
                case "poll_thread": return Flag(_s.PollThread);
                case "poll_timeout": return _s.PollTimeout.ToString(CultureInfo.InvariantCulture) + "\n";
                case "scans": return Dec(_s.Scans);
                case "bindings":
                    {
                        int bound = 0;
                        foreach (var q in _s.Queues) if (q?.Driver != null) bound++;
                        int count = _s.QueueCount;
                        return bound == count ? $"{bound}/{count} (complete)\n" : $"{bound}/{count}\n";
                    }
            }
            return null;
        }

        private static string? ShowCard(SimCard c, string name)
        {
            switch (name)
            {
                case "ap_functions": return "0x" + c.Functions.ToString("X8", CultureInfo.InvariantCulture) + "\n";
                case "chkstop": return Flag(c.Checkstop);
                case "config": return Flag(c.Config);
                case "depth": return "32\n";
                case "hwtype":
                case "raw_hwtype": return Dec(c.HwType);
                case "max_msg_size": return "12288\n"; // AP_DEFAULT_MAX_MSG_SIZE
                case "modalias": return "ap:t" + c.HwType.ToString("X2", CultureInfo.InvariantCulture) + "\n";
                case "pendingq_count":
                case "request_count":
                case "requestq_count":
                case "load": return "0\n";
                case "online": return Flag(c.Config && c.ZcryptOnline);
                case "type": return c.Type + "\n";
            }
            return null;
        }

        private string? ShowQueue(SimQueue q, string name)
        {
            switch (name)
            {
                case "ap_functions": return "0x" + q.Card.Functions.ToString("X8", CultureInfo.InvariantCulture) + "\n";
                case "chkstop": return Flag(q.Checkstop);
                case "config": return Flag(q.Config);
                // vfio_ap resets (ZAPQ) the queues it takes and gives back, which disables their interrupts.
                case "interrupt": return q.Driver == KernelState.QueueDriverName && q.Config && !q.Checkstop ? "Interrupts enabled.\n" : "Interrupts disabled.\n";
                case "pendingq_count":
                case "requestq_count":
                case "load": return "0\n";
                // Only a queue a zcrypt driver initialised leaves AP_DEV_STATE_UNINITIATED; vfio_ap's and unbound queues print "-".
                case "request_count": return q.Driver == KernelState.QueueDriverName ? "0\n" : "-\n";
                case "reset": return q.ResetPending ? "Reset in progress.\n" : "No Reset Timer set.\n";
                case "online": return Flag(q.Config && q.ZcryptOnline);
                case "status":
                    {
                        var m = _s.Holder(q.Apqn);
                        return m is null ? "unassigned\n" : m.Guest != null ? "in use\n" : "assigned\n";
                    }
            }
            return null;
        }

        private string? ShowType(string name)
        {
            switch (name)
            {
                case "available_instances": return Dec(_s.Available);
                case "device_api": return "vfio-ap\n";
                case "name": return "VFIO AP Passthrough Device\n";
            }
            return null;
        }

        private static string? ShowMdev(SimMdev m, string name)
        {
            switch (name)
            {
                case "matrix": return SysfsFormat.FormatMatrix(m.Apm, m.Aqm);
                case "guest_matrix": return SysfsFormat.FormatMatrix(m.ShadowApm, m.ShadowAqm);
                case "control_domains": return SysfsFormat.FormatControlDomains(m.Adm);
                case "ap_config": return SysfsFormat.FormatApConfig(m.Matrix);
            }
            return null;
        }

        /// <summary>
        /// <c>ap_domain</c>: the default domain <c>ap_select_domain</c> picks, the first usage domain in the host
        /// configuration and aqmask that has a queue on a card in apmask; -1 when there is none.
        /// </summary>
        private int DefaultDomain()
        {
            if (_s.ApDomain >= 0) return _s.ApDomain;
            for (int d = 0; d <= _s.MaxDomainId; d++)
            {
                if (!_s.AqMask.Contains(d)) continue;
                foreach (var c in _s.Cards.Values)
                    if (c.Present && _s.ApMask.Contains(c.Id) && _s.Queues[(c.Id.Value << 8) | d] != null)
                        return _s.ApDomain = d;
            }
            return -1;
        }
    }
}
