using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>A libvirt domain of a simulated host, as a scenario defines it.</summary>
    public sealed class SimulatedDomain
    {
        public SimulatedDomain(string name, string state, bool autostart, IReadOnlyList<Guid> mdevs, bool persistent = true)
        {
            Name = name;
            State = state;
            Autostart = autostart;
            Mdevs = mdevs;
            Persistent = persistent;
            Uuid = UuidOf(name);
        }

        public string Name { get; }
        /// <summary>libvirt's status-file word: <c>running</c>, <c>paused</c>, <c>shutoff</c>.</summary>
        public string State { get; set; }
        public bool Autostart { get; }
        public bool Persistent { get; }
        public IReadOnlyList<Guid> Mdevs { get; }
        public Guid Uuid { get; }
        public bool Active => State != "shutoff";

        /// <summary>A stable domain UUID from the name, so exported trees and test expectations do not change from run to run.</summary>
        private static Guid UuidOf(string name)
        {
            using var md5 = MD5.Create();
            var b = md5.ComputeHash(Encoding.UTF8.GetBytes("vfioap-sim-domain:" + name));
            b[7] = (byte)((b[7] & 0x0f) | 0x40);
            b[8] = (byte)((b[8] & 0x3f) | 0x80);
            return new Guid(b);
        }
    }

    /// <summary>
    /// The files of a simulated host outside sysfs, relative to its <c>/</c>: libvirt's domain definitions, live status
    /// and autostart links, written as libvirt writes them, and the kernel log (what <c>dmesg</c> prints), which the
    /// simulated kernel appends to. Served by <see cref="SimulatedSysfs"/> and written out by <see cref="SysfsTreeExporter.ExportHostRoot"/>.
    /// </summary>
    public sealed class SimulatedHostFiles
    {
        /// <summary>Where a host root keeps the kernel log the module reads (what <c>dmesg</c> prints on a real host).</summary>
        public const string KernelLogFile = "var/log/kern.log";

        private readonly object _gate = new object();
        private readonly List<SimulatedDomain> _domains = new List<SimulatedDomain>();
        private readonly List<string> _kernelLog = new List<string>();
        private readonly SortedDictionary<string, string> _persistent = new SortedDictionary<string, string>(StringComparer.Ordinal);

        /// <summary>
        /// Sets (or with null removes) one more file of the host, host-root relative: the persistent state a boot starts
        /// from (the udev rule with the AP bus masks, the kernel command line, zipl's and mdevctl's files).
        /// </summary>
        public void SetFile(string path, string? text)
        {
            lock (_gate)
            {
                if (text is null) _persistent.Remove(path);
                else _persistent[path] = text;
            }
        }

        /// <summary>The files set with <see cref="SetFile"/>.</summary>
        public IReadOnlyDictionary<string, string> PersistentFiles { get { lock (_gate) return new SortedDictionary<string, string>(_persistent, StringComparer.Ordinal); } }

        public IReadOnlyList<SimulatedDomain> Domains { get { lock (_gate) return _domains.ToList(); } }

        public SimulatedDomain? Find(string name) { lock (_gate) return _domains.FirstOrDefault(d => d.Name == name); }

        public void Add(SimulatedDomain domain)
        {
            lock (_gate)
            {
                if (_domains.Any(d => d.Name == domain.Name)) throw new ArgumentException($"Domain '{domain.Name}' is already defined.", nameof(domain));
                _domains.Add(domain);
            }
        }

        /// <summary>The kernel log, one line each, as <c>dmesg</c> prints it (<c>[   12.345678] text</c>).</summary>
        public IReadOnlyList<string> KernelLog { get { lock (_gate) return _kernelLog.ToList(); } }

        public void AppendKernelLog(string line) { lock (_gate) _kernelLog.Add(line); }

        private double _uptime = 4.5;
        /// <summary>A dmesg timestamp after every earlier one (seconds since boot, six decimals, padded as printk pads it).</summary>
        public string NextTimestamp() { lock (_gate) { _uptime += 1.25; return _uptime.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture).PadLeft(12); } }

        /// <summary>Every regular file, host-root relative, with its content.</summary>
        public IReadOnlyDictionary<string, string> Files()
        {
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            lock (_gate)
            {
                foreach (var d in _domains)
                {
                    if (d.Persistent) files[LibvirtDomainFiles.DefinitionDir + "/" + d.Name + ".xml"] = DefinitionXml(d);
                    if (d.Active) files[LibvirtDomainFiles.StatusDir + "/" + d.Name + ".xml"] = StatusXml(d);
                }
                if (_kernelLog.Count > 0) files[KernelLogFile] = string.Join("\n", _kernelLog) + "\n";
                foreach (var kv in _persistent) files[kv.Key] = kv.Value;
            }
            return files;
        }

        /// <summary>Symlinks, host-root relative, with their targets: libvirt's autostart links point at the definition by absolute path.</summary>
        public IReadOnlyDictionary<string, string> Links()
        {
            var links = new SortedDictionary<string, string>(StringComparer.Ordinal);
            lock (_gate)
                foreach (var d in _domains.Where(d => d.Autostart && d.Persistent))
                    links[LibvirtDomainFiles.AutostartDir + "/" + d.Name + ".xml"] = "/" + LibvirtDomainFiles.DefinitionDir + "/" + d.Name + ".xml";
            return links;
        }

        /// <summary>A definition as libvirt's QEMU driver saves it (virDomainDefSave): its warning comment, then the inactive XML.</summary>
        public static string DefinitionXml(SimulatedDomain d)
        {
            var sb = new StringBuilder();
            sb.Append("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\nOVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n  virsh edit ")
              .Append(d.Name).Append("\nor other application using the libvirt API.\n-->\n\n");
            AppendDomain(sb, d, "", null);
            return sb.ToString();
        }

        /// <summary>The live status file of a running domain: <c>&lt;domstatus&gt;</c> around the live domain XML.</summary>
        public static string StatusXml(SimulatedDomain d)
        {
            var sb = new StringBuilder();
            sb.Append("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\nOVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n  virsh edit ")
              .Append(d.Name).Append("\nor other application using the libvirt API.\n-->\n\n");
            sb.Append("<domstatus state='").Append(d.State).Append("' reason='").Append(d.State == "paused" ? "user" : "booted").Append("' pid='")
              .Append(4000 + (Math.Abs(d.Name.GetHashCode()) % 1000)).Append("'>\n");
            sb.Append("  <monitor path='/var/lib/libvirt/qemu/domain-1-").Append(Escape(d.Name)).Append("/monitor.sock' type='unix'/>\n");
            AppendDomain(sb, d, "  ", 1);
            sb.Append("</domstatus>\n");
            return sb.ToString();
        }

        private static void AppendDomain(StringBuilder sb, SimulatedDomain d, string indent, int? id)
        {
            sb.Append(indent).Append("<domain type='kvm'").Append(id.HasValue ? $" id='{id}'" : "").Append(">\n");
            sb.Append(indent).Append("  <name>").Append(Escape(d.Name)).Append("</name>\n");
            sb.Append(indent).Append("  <uuid>").Append(d.Uuid.ToString("D")).Append("</uuid>\n");
            sb.Append(indent).Append("  <memory unit='KiB'>2097152</memory>\n");
            sb.Append(indent).Append("  <currentMemory unit='KiB'>2097152</currentMemory>\n");
            sb.Append(indent).Append("  <vcpu placement='static'>2</vcpu>\n");
            sb.Append(indent).Append("  <os>\n");
            sb.Append(indent).Append("    <type arch='s390x' machine='s390-ccw-virtio-rhel9.4.0'>hvm</type>\n");
            sb.Append(indent).Append("    <boot dev='hd'/>\n");
            sb.Append(indent).Append("  </os>\n");
            sb.Append(indent).Append("  <clock offset='utc'/>\n");
            sb.Append(indent).Append("  <on_poweroff>destroy</on_poweroff>\n");
            sb.Append(indent).Append("  <on_reboot>restart</on_reboot>\n");
            sb.Append(indent).Append("  <on_crash>destroy</on_crash>\n");
            sb.Append(indent).Append("  <devices>\n");
            sb.Append(indent).Append("    <emulator>/usr/bin/qemu-system-s390x</emulator>\n");
            foreach (var m in d.Mdevs)
            {
                sb.Append(indent).Append("    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>\n");
                sb.Append(indent).Append("      <source>\n");
                sb.Append(indent).Append("        <address uuid='").Append(MdevUuid.Format(m)).Append("'/>\n");
                sb.Append(indent).Append("      </source>\n");
                sb.Append(indent).Append("    </hostdev>\n");
            }
            sb.Append(indent).Append("    <console type='pty'>\n");
            sb.Append(indent).Append("      <target type='sclp' port='0'/>\n");
            sb.Append(indent).Append("    </console>\n");
            sb.Append(indent).Append("  </devices>\n");
            sb.Append(indent).Append("</domain>\n");
        }

        private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("'", "&apos;");
    }
}
