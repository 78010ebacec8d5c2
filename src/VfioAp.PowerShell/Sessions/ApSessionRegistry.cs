using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// The open sessions of this process, as Get-ApSession lists them. Process-wide like Posh-SSH's session list:
    /// a session opened in one runspace can be used from a ForEach-Object -Parallel runspace.
    /// </summary>
    internal static class ApSessionRegistry
    {
        private static readonly object Gate = new object();
        private static readonly SortedDictionary<int, ApSession> Sessions = new SortedDictionary<int, ApSession>();
        private static int _lastId;

        public static int NextId() => Interlocked.Increment(ref _lastId);

        public static void Add(ApSession session)
        {
            lock (Gate) Sessions.Add(session.Id, session);
        }

        public static IReadOnlyList<ApSession> All()
        {
            lock (Gate) return Sessions.Values.ToList();
        }

        /// <summary>The sessions not closed yet (what Tab completion offers).</summary>
        public static IReadOnlyList<ApSession> Open() => All().Where(s => s.State != ApSessionState.Closed).ToList();

        public static ApSession? Find(int id)
        {
            lock (Gate) return Sessions.TryGetValue(id, out var s) ? s : null;
        }

        /// <summary>Removes and disposes the session; false when it was not registered (already removed).</summary>
        public static bool Remove(ApSession session)
        {
            bool removed;
            lock (Gate) removed = Sessions.TryGetValue(session.Id, out var s) && ReferenceEquals(s, session) && Sessions.Remove(session.Id);
            session.Dispose();
            return removed;
        }
    }
}
