using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// Reads a host in one <see cref="ISysfs.ReadMany"/> batch and builds a <see cref="HostSnapshot"/> from it.
    /// The batch is a fixed list of glob queries, so its size does not grow with the host: 60 × 85 and 256 × 256
    /// cost the same single round trip.
    /// </summary>
    public static class HostReader
    {
        private const string CardGlob = SysfsLayout.ApDevices + "/card*";
        private const string QueueGlob = CardGlob + "/*.*";
        private const string MdevGlob = SysfsLayout.Matrix + "/*-*-*-*-*";

        public static IReadOnlyList<SysfsQuery> QueriesFor(SnapshotParts parts)
        {
            var q = new List<SysfsQuery>
            {
                // Always: the bus itself, to say clearly when a host has no AP bus.
                new SysfsQuery(SysfsLayout.ApBus, SysfsQueryKind.Exists),
                new SysfsQuery(SysfsLayout.ApMask),
                new SysfsQuery(SysfsLayout.AqMask),
                new SysfsQuery(SysfsLayout.HostAdapterMask),
                new SysfsQuery(SysfsLayout.HostUsageDomainMask),
                new SysfsQuery(SysfsLayout.HostControlDomainMask),
                new SysfsQuery(SysfsLayout.MaxAdapterId),
                new SysfsQuery(SysfsLayout.MaxDomainId),
                new SysfsQuery(SysfsLayout.ApDrivers + "/" + SysfsLayout.VfioApDriver, SysfsQueryKind.Exists),
            };
            if ((parts & SnapshotParts.Bus) != 0) q.Add(new SysfsQuery(SysfsLayout.Bindings));
            if ((parts & (SnapshotParts.Cards | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails)) != 0)
            {
                q.Add(new SysfsQuery(QueueGlob, SysfsQueryKind.Exists));
                q.Add(new SysfsQuery(QueueGlob + "/driver", SysfsQueryKind.Link));
            }
            // A card's attributes only for cards: a queue list or an APCB needs none of them.
            if ((parts & SnapshotParts.Cards) != 0)
            {
                q.Add(new SysfsQuery(CardGlob + "/hwtype"));
                foreach (var a in new[] { "type", "online", "config", "chkstop", "ap_functions", "depth" })
                    q.Add(new SysfsQuery(CardGlob + "/" + a));
                q.Add(new SysfsQuery(CardGlob + "/driver", SysfsQueryKind.Link));
            }
            if ((parts & SnapshotParts.QueueDetails) != 0)
            {
                foreach (var a in new[] { "online", "config", "chkstop", "status" })
                    q.Add(new SysfsQuery(QueueGlob + "/" + a));
            }
            if ((parts & (SnapshotParts.Mdevs | SnapshotParts.QueueDetails)) != 0)
            {
                q.Add(new SysfsQuery(MdevGlob + "/matrix"));
                q.Add(new SysfsQuery(MdevGlob + "/guest_matrix"));
                q.Add(new SysfsQuery(MdevGlob + "/control_domains"));
                q.Add(new SysfsQuery(MdevGlob + "/ap_config", SysfsQueryKind.Exists));
                q.Add(new SysfsQuery(SysfsLayout.MdevAvailableInstances));
            }
            if ((parts & SnapshotParts.Guests) != 0) q.AddRange(LibvirtDomainFiles.Queries);
            if ((parts & SnapshotParts.KernelLog) != 0) q.Add(KernelLog.Query);
            if ((parts & SnapshotParts.PersistentFiles) != 0) q.AddRange(BootStateFiles.Queries);
            return q;
        }

        /// <summary>
        /// The parts a batch of <see cref="QueriesFor"/>(<paramref name="asked"/>) holds in full, which the snapshot
        /// records (<see cref="HostSnapshot.Parts"/>): cards are counted from the queue bindings, and a queue's details
        /// name the mdev that holds it, so those are read with them.
        /// </summary>
        public static SnapshotParts PartsRead(SnapshotParts asked)
        {
            var read = asked;
            if ((asked & (SnapshotParts.Cards | SnapshotParts.QueueDetails)) != 0) read |= SnapshotParts.QueueBindings;
            if ((asked & SnapshotParts.QueueDetails) != 0) read |= SnapshotParts.Mdevs;
            return read;
        }

        public static HostSnapshot Read(ISysfs sysfs, SnapshotParts parts = SnapshotParts.All) => ReadWithAnswers(sysfs, parts).Snapshot;

        /// <summary>
        /// One batch and the snapshot built from it, with the batch's answers kept: a change planned from the snapshot
        /// re-checks those answers under the host's lock.
        /// </summary>
        public static (HostSnapshot Snapshot, SysfsReadResult Answers) ReadWithAnswers(ISysfs sysfs, SnapshotParts parts)
        {
            var answers = sysfs.ReadMany(QueriesFor(parts));
            return (Build(sysfs, answers, parts), answers);
        }

        /// <summary>Builds the snapshot of a batch read through <paramref name="sysfs"/> (its host name, root and host root).</summary>
        public static HostSnapshot Build(ISysfs sysfs, SysfsReadResult r, SnapshotParts parts) =>
            Build(sysfs.HostName, sysfs.Root, r, parts, (sysfs as IHostRooted)?.HostRoot);

        /// <summary>Builds the snapshot from a batch's answers. Public so transports can be tested on recorded answers.</summary>
        public static HostSnapshot Build(string host, string root, SysfsReadResult r, SnapshotParts parts, string? hostRoot = null) =>
            new SnapshotBuilder(host, root, r, parts, hostRoot).Build();

        internal static string Join(string root, string path) => root.TrimEnd('/') + "/" + path;
    }
}
