using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Which mdevs of which host a pipeline asked for: each record adds its hosts and UUIDs; a record without
    /// UUIDs asks for all of that host's mdevs, and that wins over any UUIDs named for it.
    /// </summary>
    internal sealed class MdevSelection
    {
        private readonly Dictionary<ApSession, HashSet<Guid>?> _byHost = new Dictionary<ApSession, HashSet<Guid>?>();

        public void Add(IEnumerable<ApSession> sessions, Guid[]? uuids)
        {
            foreach (var s in sessions)
            {
                if (uuids is null) { _byHost[s] = null; continue; }
                if (!_byHost.TryGetValue(s, out var set)) _byHost[s] = set = new HashSet<Guid>();
                if (set is null) continue;
                foreach (var u in uuids) set.Add(u);
            }
        }

        /// <summary>The UUIDs asked of this host, or null for all of its mdevs.</summary>
        public HashSet<Guid>? Of(ApSession session) => _byHost[session];

        /// <summary>Every UUID named for any host.</summary>
        public IEnumerable<Guid> Named => _byHost.Values.Where(v => v is not null).SelectMany(v => v!);
    }
}
