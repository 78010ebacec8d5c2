using System;
using System.Collections.Generic;
using System.IO;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A plain directory tree laid out like the kernel's sysfs (files, directories and the driver symlinks, with the
    /// kernel's text from <see cref="SysfsFormat"/>), for the SSH tests that do not need a simulated kernel behind the files.
    /// </summary>
    public sealed class SshTestTree : IDisposable
    {
        public SshTestTree(int adapters, int domains, Guid? mdev = null)
        {
            Root = Path.Combine(Path.GetTempPath(), "vfioap-tree-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Root);
            var apm = ApMask.Empty;
            var aqm = ApMask.Empty;
            for (int a = 0; a < adapters; a++) apm = apm.With(a);
            for (int d = 0; d < domains; d++) aqm = aqm.With(d);
            // Odd domains are given to vfio_ap (their aqmask bit is clear); even ones stay with the host's cex4queue.
            var hostAq = ApMask.Empty;
            for (int d = 0; d < domains; d += 2) hostAq = hostAq.With(d);

            File(SysfsLayout.ApMask, SysfsFormat.FormatMask(ApMask.Full));
            File(SysfsLayout.AqMask, SysfsFormat.FormatMask(hostAq));
            File(SysfsLayout.HostAdapterMask, SysfsFormat.FormatMask(apm));
            File(SysfsLayout.HostUsageDomainMask, SysfsFormat.FormatMask(aqm));
            File(SysfsLayout.HostControlDomainMask, SysfsFormat.FormatMask(aqm));
            File(SysfsLayout.MaxAdapterId, SysfsFormat.FormatInt(255));
            File(SysfsLayout.MaxDomainId, SysfsFormat.FormatInt(255));
            File(SysfsLayout.Bindings, $"{adapters * (domains + 1)}/{adapters * (domains + 1)} (complete)\n");
            foreach (var drv in new[] { SysfsLayout.VfioApDriver, SysfsLayout.DefaultQueueDriver, SysfsLayout.DefaultCardDriver })
            {
                Dir(SysfsLayout.ApDrivers + "/" + drv);
                File(SysfsLayout.DriverAttribute(drv, "bind"), "", writeOnly: true);
                File(SysfsLayout.DriverAttribute(drv, "unbind"), "", writeOnly: true);
            }
            for (int a = 0; a < adapters; a++)
            {
                var card = new ApId(a);
                File(SysfsLayout.CardAttribute(card, "type"), "CEX8C\n");
                File(SysfsLayout.CardAttribute(card, "hwtype"), "14\n");
                File(SysfsLayout.CardAttribute(card, "online"), "1\n");
                File(SysfsLayout.CardAttribute(card, "config"), "1\n");
                File(SysfsLayout.CardAttribute(card, "chkstop"), "0\n");
                File(SysfsLayout.CardAttribute(card, "ap_functions"), "0x92000000\n");
                File(SysfsLayout.CardAttribute(card, "depth"), "32\n");
                Link(SysfsLayout.CardAttribute(card, "driver"), "../../../bus/ap/drivers/" + SysfsLayout.DefaultCardDriver);
                for (int d = 0; d < domains; d++)
                {
                    var q = new Apqn(a, d);
                    bool vfio = d % 2 == 1;
                    File(SysfsLayout.QueueAttribute(q, "config"), "1\n");
                    File(SysfsLayout.QueueAttribute(q, "chkstop"), "0\n");
                    if (vfio) File(SysfsLayout.QueueAttribute(q, "status"), "unassigned\n");
                    else File(SysfsLayout.QueueAttribute(q, "online"), "1\n");
                    Link(SysfsLayout.QueueAttribute(q, "driver"), "../../../../bus/ap/drivers/" + (vfio ? SysfsLayout.VfioApDriver : SysfsLayout.DefaultQueueDriver));
                }
            }
            File(SysfsLayout.MdevAvailableInstances, "65535\n");
            File(SysfsLayout.MdevCreate, "", writeOnly: true);
            if (mdev is Guid uuid)
            {
                var m = new ApMatrix(ApMask.Empty.With(0), ApMask.Empty.With(1), ApMask.Empty.With(1));
                File(SysfsLayout.MdevAttribute(uuid, "matrix"), SysfsFormat.FormatMatrix(m));
                File(SysfsLayout.MdevAttribute(uuid, "guest_matrix"), SysfsFormat.FormatMatrix(m));
                File(SysfsLayout.MdevAttribute(uuid, "control_domains"), SysfsFormat.FormatControlDomains(m.ControlDomains));
                File(SysfsLayout.MdevAttribute(uuid, "ap_config"), SysfsFormat.FormatApConfig(m));
                foreach (var w in new[] { "assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain", "assign_control_domain", "unassign_control_domain", "remove" })
                    File(SysfsLayout.MdevAttribute(uuid, w), "", writeOnly: true);
            }
        }

        public string Root { get; }

        public string Full(string relative) => Path.Combine(Root, relative);

        public void File(string relative, string content, bool writeOnly = false)
        {
            var full = Full(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            System.IO.File.WriteAllText(full, content);
            if (writeOnly && !OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(full, UnixFileMode.UserWrite);
        }

        public void Dir(string relative) => Directory.CreateDirectory(Full(relative));

        public void Link(string relative, string target)
        {
            var full = Full(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            System.IO.File.CreateSymbolicLink(full, target);
        }

        public string Read(string relative) => System.IO.File.ReadAllText(Full(relative));

        public void Dispose()
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
        }
    }
}
