using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The queues of one batch, sorted out in one pass over its answers: the queue directories in the order read, and
    /// per queue its driver (the link's last segment) and the text of <c>online</c>, <c>config</c>, <c>chkstop</c> and
    /// <c>status</c>. A path is parsed once, in place (<see cref="SysfsLayout.TryParseQueueAttribute"/>), instead of
    /// being built again for every lookup: a 256 × 256 host has 330,000 of them. Equal texts share one string, so the
    /// queue objects of a large host hold a few driver names and states, not one copy each.
    /// </summary>
    internal sealed class QueueFileTable
    {
        private readonly Dictionary<int, int> _slotOf = new Dictionary<int, int>();
        private QueueFiles[] _slots = new QueueFiles[64];
        private int _count;
        private readonly Dictionary<string, string> _shared = new Dictionary<string, string>(StringComparer.Ordinal);

        public QueueFileTable(SysfsReadResult answers)
        {
            foreach (var e in answers.Entries)
            {
                if (!e.Ok) continue;
                if (e.Kind == SysfsQueryKind.Exists)
                {
                    if (SysfsLayout.TryParseQueueDir(e.Path, out var dir)) Queues.Add(dir);
                }
                else if (e.Value != null && SysfsLayout.TryParseQueueAttribute(e.Path, null, out var q))
                {
                    Take(e, q);
                }
            }
        }

        /// <summary>The queue directories, in the order the batch listed them.</summary>
        public List<Apqn> Queues { get; } = new List<Apqn>();

        /// <summary>What the batch held for the queue (all null when nothing).</summary>
        public QueueFiles Of(Apqn queue) => _slotOf.TryGetValue(queue.QueueId, out var i) ? _slots[i] : default;

        /// <summary>The driver bound to the queue, or null when the queue has no driver link.</summary>
        public string? DriverOf(Apqn queue) => Of(queue).Driver;

        private void Take(SysfsEntry e, Apqn q)
        {
            int at = e.Path.LastIndexOf('/') + 1;
            if (e.Kind == SysfsQueryKind.Link)
            {
                if (Is(e.Path, at, "driver")) Slot(q).Driver = Share(SysfsLayout.LastSegment(e.Value!));
                return;
            }
            if (Is(e.Path, at, "status")) Slot(q).Status = Share(SysfsFormat.Line(e.Value!));
            else if (Is(e.Path, at, "online")) Slot(q).Online = e.Value;
            else if (Is(e.Path, at, "config")) Slot(q).Config = e.Value;
            else if (Is(e.Path, at, "chkstop")) Slot(q).Checkstop = e.Value;
        }

        private static bool Is(string path, int at, string name) =>
            path.Length - at == name.Length && string.CompareOrdinal(path, at, name, 0, name.Length) == 0;

        private ref QueueFiles Slot(Apqn q)
        {
            if (!_slotOf.TryGetValue(q.QueueId, out var i))
            {
                if (_count == _slots.Length) Array.Resize(ref _slots, _slots.Length * 2);
                i = _count++;
                _slotOf.Add(q.QueueId, i);
            }
            return ref _slots[i];
        }

        private string Share(string text)
        {
            if (_shared.TryGetValue(text, out var known)) return known;
            _shared.Add(text, text);
            return text;
        }
    }
}
