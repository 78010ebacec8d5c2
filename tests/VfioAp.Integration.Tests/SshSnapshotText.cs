using System;
using System.Collections;
using System.Linq;
using System.Reflection;
using System.Text;
using VfioAp.Core.Model;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// Every public property of a snapshot's objects as text, so two snapshots (over SSH and in memory) can be compared
    /// whole, including properties added after this test was written. ComputerName and TakenAt differ by design.
    /// </summary>
    public static class SshSnapshotText
    {
        public static string Of(HostSnapshot s)
        {
            var sb = new StringBuilder();
            Dump(sb, "bus", s.Bus);
            sb.Append("available=").Append(s.AvailableInstances).Append(" vfio_ap=").Append(s.VfioApLoaded).Append('\n');
            foreach (var c in s.Cards.OrderBy(c => c.Id.Value)) Dump(sb, "card", c);
            foreach (var q in s.Queues.OrderBy(q => q.Apqn.QueueId)) Dump(sb, "queue", q);
            foreach (var m in s.Mdevs.OrderBy(m => m.Uuid)) Dump(sb, "mdev", m);
            return sb.ToString();
        }

        public static string Of(object o)
        {
            var sb = new StringBuilder();
            Dump(sb, o.GetType().Name, o);
            return sb.ToString();
        }

        private static void Dump(StringBuilder sb, string kind, object o)
        {
            sb.Append(kind);
            foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                // Guest*/Autostart come from libvirt's files, which the SimFs test bed does not serve (it mounts sysfs only);
                // the host-root reads of those are compared in tests/pester/Guests.Tests.ps1.
                if (p.Name is "ComputerName" or "TakenAt" or "Session" or "Guest" or "Guests" or "GuestState" or "Autostart" || p.GetIndexParameters().Length > 0) continue;
                var v = p.GetValue(o);
                sb.Append(' ').Append(p.Name).Append('=');
                if (v is IEnumerable e && v is not string) sb.Append('[').Append(string.Join(",", e.Cast<object?>().Select(x => x?.ToString()))).Append(']');
                else sb.Append(v?.ToString() ?? "null");
            }
            sb.Append('\n');
        }
    }
}
