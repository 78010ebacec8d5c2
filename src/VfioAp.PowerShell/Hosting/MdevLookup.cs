using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Mdevs asked for by UUID across all hosts of one invocation. An mdev lives on one host, so "not found" is said
    /// once, after every host has answered, and only for UUIDs that no host had.
    /// </summary>
    internal sealed class MdevLookup
    {
        private readonly ConcurrentDictionary<Guid, byte> _asked = new ConcurrentDictionary<Guid, byte>();
        private readonly ConcurrentDictionary<Guid, byte> _found = new ConcurrentDictionary<Guid, byte>();

        /// <summary>The mdevs of a snapshot that were asked for (all of them when <paramref name="uuids"/> is null), in sysfs order.</summary>
        public IEnumerable<VfioApMdev> Select(HostSnapshot snapshot, IReadOnlyCollection<Guid>? uuids)
        {
            if (uuids is null) return snapshot.Mdevs;
            foreach (var u in uuids) _asked.TryAdd(u, 0);
            var matched = snapshot.Mdevs.Where(m => uuids.Contains(m.Uuid)).ToList();
            foreach (var m in matched) _found.TryAdd(m.Uuid, 0);
            return matched;
        }

        public IEnumerable<ErrorRecord> Missing(IReadOnlyCollection<ApSession> hostsRead)
        {
            if (hostsRead.Count == 0) yield break;
            var hosts = string.Join(", ", hostsRead.Select(s => s.ComputerName).Distinct().OrderBy(n => n, StringComparer.OrdinalIgnoreCase));
            foreach (var uuid in _asked.Keys.Where(u => !_found.ContainsKey(u)).OrderBy(u => u.ToString("D"), StringComparer.Ordinal))
            {
                var single = hostsRead.Count == 1 ? hostsRead.First() : null;
                var path = single is null ? SysfsLayout.MdevDir(uuid) : single.Sysfs.Root.TrimEnd('/') + "/" + SysfsLayout.MdevDir(uuid);
                yield return new VfioApException(VfioApErrorId.MdevNotFound, ErrorCategory.ObjectNotFound,
                    single is not null
                        ? $"There is no vfio_ap mdev {uuid:D} on host {hosts}: {path} does not exist."
                        : $"There is no vfio_ap mdev {uuid:D} on any of the hosts {hosts}: {path} does not exist under their sysfs roots.",
                    "Get-VfioApMdev lists the mdevs of a host; check the UUID and the -Session.",
                    single?.ComputerName, path, Errno.ENOENT).ToErrorRecord(uuid);
            }
        }
    }
}
