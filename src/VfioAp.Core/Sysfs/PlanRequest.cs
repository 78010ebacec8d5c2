using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// One file a plan was computed from and its content then (null: it did not exist). Under the host's lock, before
    /// the first write, the file is read again; if it differs, someone changed the host since the plan was made.
    /// </summary>
    public sealed class SysfsPrecondition
    {
        public SysfsPrecondition(string path, string? expected)
        {
            if (string.IsNullOrEmpty(path) || path.StartsWith("/", StringComparison.Ordinal) || path.Contains("..") || path.IndexOf('*') >= 0)
                throw new ArgumentException($"A precondition names one relative path without '..' or '*': '{path}'.", nameof(path));
            Path = path;
            Expected = expected;
        }

        public string Path { get; }
        /// <summary>The content the plan saw; null when the file did not exist.</summary>
        public string? Expected { get; }

        /// <summary>Whether the content read now (null: absent) is what the plan saw.</summary>
        public bool Holds(string? now) => string.Equals(Expected, now, StringComparison.Ordinal);

        /// <summary>
        /// The preconditions of a plan: each path a plan depends on (a <c>*</c> matches within one segment) with the
        /// content <paramref name="read"/> gave it; an exact path the read did not find must still be absent.
        /// </summary>
        public static IReadOnlyList<SysfsPrecondition> From(IEnumerable<string> dependsOn, SysfsReadResult read)
        {
            var list = new List<SysfsPrecondition>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pattern in dependsOn)
            {
                if (pattern.IndexOf('*') < 0)
                {
                    // A file the read could not read (EACCES) cannot be compared; one it did not find must stay absent.
                    var found = read[pattern];
                    if (found is { Ok: false }) continue;
                    if (seen.Add(pattern)) list.Add(new SysfsPrecondition(pattern, found is { Kind: SysfsQueryKind.Content } e ? e.Value : null));
                    continue;
                }
                var segments = pattern.Split('/');
                foreach (var e in read.Entries)
                {
                    if (e.Kind != SysfsQueryKind.Content || !e.Ok) continue;
                    var parts = e.Path.Split('/');
                    if (parts.Length != segments.Length) continue;
                    bool match = true;
                    for (int i = 0; i < parts.Length && match; i++) match = SysfsPattern.Matches(segments[i], parts[i]);
                    if (match && seen.Add(e.Path)) list.Add(new SysfsPrecondition(e.Path, e.Value));
                }
            }
            return list;
        }

        public override string ToString() => Path + (Expected is null ? " (absent)" : "");
    }

    /// <summary>
    /// A plan run as every transport runs it: take the host's AP configuration lock (waiting up to
    /// <see cref="LockTimeout"/>), check the <see cref="Preconditions"/>, and only when all hold run the writes; then,
    /// written or not, read <see cref="ReadAfter"/>; release the lock. All in one round trip.
    /// </summary>
    public sealed class PlanRequest
    {
        public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(30);

        public PlanRequest(IReadOnlyList<SysfsWrite> writes, IReadOnlyList<SysfsQuery>? readAfter = null,
                           IReadOnlyList<SysfsPrecondition>? preconditions = null, TimeSpan? lockTimeout = null,
                           CancellationToken cancel = default, Action<LockWait>? waiting = null)
        {
            Writes = writes ?? throw new ArgumentNullException(nameof(writes));
            ReadAfter = readAfter;
            Preconditions = preconditions ?? Array.Empty<SysfsPrecondition>();
            LockTimeout = lockTimeout ?? DefaultLockTimeout;
            if (LockTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lockTimeout));
            Cancel = cancel;
            Waiting = waiting;
        }

        public IReadOnlyList<SysfsWrite> Writes { get; }
        public IReadOnlyList<SysfsQuery>? ReadAfter { get; }
        public IReadOnlyList<SysfsPrecondition> Preconditions { get; }
        public TimeSpan LockTimeout { get; }
        /// <summary>Stops a wait for the lock (Ctrl+C); once the lock is held, the plan runs to its end.</summary>
        public CancellationToken Cancel { get; }
        /// <summary>Told about each wait for a lock another process holds (for Write-Progress).</summary>
        public Action<LockWait>? Waiting { get; }

        /// <summary>The preconditions that no longer hold, given a function that reads a path now (null: absent).</summary>
        public IReadOnlyList<string> Changed(Func<string, string?> readNow) =>
            Preconditions.Where(p => !p.Holds(readNow(p.Path))).Select(p => p.Path).ToList();
    }
}
