using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// What a change does to each guest of a host, before anything is written: the writes are replayed on a copy of
    /// the host in the simulated kernel (<see cref="SnapshotKernel"/>), which keeps every mdev's shadow APCB the way
    /// the kernel does (full filter on assign and on a queue's probe, incremental cuts on unassign, on a queue's
    /// remove and on configuration loss), and the APCBs and their unusable APQNs (<see cref="ApcbUsability"/>) are
    /// compared before and after.
    /// </summary>
    public static class GuestImpactCalculator
    {
        private const SnapshotParts Read = SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs;

        /// <summary>A change plan's impact: its sysfs writes in order (its file steps, mdevctl and udev files, change no guest now).</summary>
        public static GuestImpactReport Compute(HostSnapshot host, WritePlan plan) =>
            Compute(host, (plan ?? throw new ArgumentNullException(nameof(plan))).Writes);

        /// <summary>The writes in order, as a plan applies them: the replay stops at the first one the kernel refuses.</summary>
        public static GuestImpactReport Compute(HostSnapshot host, IEnumerable<SysfsWrite> writes)
        {
            if (host is null) throw new ArgumentNullException(nameof(host));
            if (writes is null) throw new ArgumentNullException(nameof(writes));
            var kernel = SnapshotKernel.Build(host);
            var before = kernel.Mdevs.ToDictionary(u => u, kernel.ShadowApcbOf);
            SysfsWrite? refused = null;
            var errno = Errno.None;
            foreach (var w in writes)
            {
                try { kernel.Write(RelativePath(w.Path), w.Value.EndsWith("\n", StringComparison.Ordinal) ? w.Value : w.Value + "\n"); }
                catch (SysfsException ex)
                {
                    refused = w;
                    errno = ex.Error;
                    break;
                }
            }
            var after = HostReader.Read(new SimulatedSysfs(kernel, host.ComputerName), Read);
            var uuids = before.Keys.Union(kernel.Mdevs).OrderBy(u => SysfsLayout.FormatUuid(u), StringComparer.Ordinal);
            var impacts = uuids.Select(u => Impact(host, after, u,
                before.TryGetValue(u, out var b) ? b : ApMatrix.Empty,
                kernel.Mdevs.Contains(u) ? kernel.ShadowApcbOf(u) : ApMatrix.Empty)).ToList();
            return new GuestImpactReport(impacts, refused, errno);
        }

        /// <summary>Plans name attributes relative to the sysfs root; a path under /sys is taken the same way.</summary>
        private static string RelativePath(string path) =>
            path.StartsWith("/sys/", StringComparison.Ordinal) ? path.Substring(5) : path.TrimStart('/');

        private static GuestImpact Impact(HostSnapshot host, HostSnapshot after, Guid uuid, ApMatrix was, ApMatrix now)
        {
            var wasApqns = was.Apqns().ToList();
            var nowApqns = now.Apqns().ToList();
            var gained = nowApqns.Except(wasApqns).ToList();
            var lost = wasApqns.Except(nowApqns).ToList();
            var unusableBefore = ApcbUsability.Find(was, host).ToDictionary(u => u.Apqn);
            var unusableAfter = ApcbUsability.Find(now, after);
            var unusable = unusableAfter.Where(u => !unusableBefore.ContainsKey(u.Apqn)).ToList();
            var recovered = unusableBefore.Keys.Where(q => now.Contains(q) && unusableAfter.All(u => u.Apqn != q)).ToList();
            var vm = host.GuestsOf(uuid).FirstOrDefault() ?? after.GuestsOf(uuid).FirstOrDefault();
            var mdev = host.FindMdev(uuid);
            return new GuestImpact
            {
                ComputerName = host.ComputerName,
                Guest = vm?.Name ?? mdev?.Guest,
                Mdev = uuid,
                GuestRunning = mdev?.InUse == true || host.GuestsOf(uuid).Any(g => g.IsActive),
                Before = was,
                After = now,
                Gained = gained,
                Lost = lost,
                Unusable = unusable,
                Recovered = recovered,
                Reasons = GuestImpactWords.Explain(after, uuid, was, now, gained, lost, unusable, recovered),
            };
        }
    }
}
