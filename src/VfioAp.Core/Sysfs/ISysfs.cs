using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The only door to a host's sysfs. Every implementation answers a whole batch of reads, and a whole plan of
    /// writes, in one round trip: that is what keeps a read-only cmdlet at one SSH command on a host of any size.
    /// Paths are relative to the sysfs root (<c>bus/ap/apmask</c>), separated by <c>/</c>.
    /// </summary>
    public interface ISysfs : IDisposable
    {
        /// <summary>The host the answers come from, for messages and for each output object's ComputerName.</summary>
        string HostName { get; }

        /// <summary>Where sysfs is mounted on that host (<c>/sys</c>, or a test tree); used in messages.</summary>
        string Root { get; }

        /// <summary>Expands each query's pattern (<c>*</c> matches within one path segment, as a shell glob) and reads every match.</summary>
        SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries);

        /// <summary>
        /// Runs a plan under the host's AP configuration lock, in one round trip: take the lock (or throw
        /// <see cref="Locking.ApConfigLockException"/>, nothing written), re-read the request's preconditions and, when one
        /// changed, write nothing and answer <see cref="PlanRunResult.Conflicts"/>; else the writes in order, stopping at the
        /// first failure; then (written or not) the request's reads, so a plan is applied and verified in one SSH
        /// command; then release. There is no door to run writes without the lock and the preconditions: even a single
        /// write is a one-step plan, so nothing this module writes can slip between another writer's read and write.
        /// </summary>
        PlanRunResult RunPlan(PlanRequest request);
    }

    /// <summary>
    /// A transport that also reads files under a host root (<see cref="SysfsArea.Host"/>): the directory standing for the
    /// host's <c>/</c>, or null when it has none (then host queries answer nothing).
    /// </summary>
    public interface IHostRooted
    {
        string? HostRoot { get; }
    }

    public enum SysfsQueryKind
    {
        /// <summary>The file's text.</summary>
        Content,
        /// <summary>The symlink's target as <c>readlink</c> prints it (e.g. <c>../../../../bus/ap/drivers/vfio_ap</c>).</summary>
        Link,
        /// <summary>Only that the path exists (a directory or a file); no content is read.</summary>
        Exists,
    }

    /// <summary>Where a query's path is rooted: in sysfs, or in the host's <c>/</c> (mdevctl's and libvirt's files, the kernel log).</summary>
    public enum SysfsArea
    {
        /// <summary>Relative to the sysfs root (<c>bus/ap/apmask</c>).</summary>
        Sysfs,
        /// <summary>
        /// Relative to the host root (<c>etc/libvirt/qemu/*.xml</c>): read in the same batch as sysfs, so knowing the
        /// guests costs no extra round trip. A transport without a host root answers nothing for these (no error).
        /// </summary>
        Host,
    }

    public sealed class SysfsQuery
    {
        public SysfsQuery(string pattern, SysfsQueryKind kind = SysfsQueryKind.Content, SysfsArea area = SysfsArea.Sysfs)
        {
            if (string.IsNullOrEmpty(pattern) || pattern.StartsWith("/", StringComparison.Ordinal) || pattern.Contains(".."))
                throw new ArgumentException($"A sysfs query is a relative path without '..': '{pattern}'.", nameof(pattern));
            Pattern = pattern;
            Kind = kind;
            Area = area;
        }

        /// <summary>A query of a file under the host root (see <see cref="SysfsArea.Host"/>).</summary>
        public static SysfsQuery Host(string pattern, SysfsQueryKind kind = SysfsQueryKind.Content) => new SysfsQuery(pattern, kind, SysfsArea.Host);

        public string Pattern { get; }
        public SysfsQueryKind Kind { get; }
        public SysfsArea Area { get; }
        public bool IsGlob => Pattern.IndexOf('*') >= 0;
        public override string ToString() => (Area == SysfsArea.Host ? "host " : "") + Kind + " " + Pattern;
    }

    /// <summary>One matched path: its content or link target, or the errno its read failed with.</summary>
    public sealed class SysfsEntry
    {
        public SysfsEntry(string path, SysfsQueryKind kind, string? value, Errno error, SysfsArea area = SysfsArea.Sysfs)
        {
            Path = path;
            Kind = kind;
            Value = value;
            Error = error;
            Area = area;
        }

        public string Path { get; }
        public SysfsArea Area { get; }
        public SysfsQueryKind Kind { get; }
        /// <summary>Content for <see cref="SysfsQueryKind.Content"/>, target for <see cref="SysfsQueryKind.Link"/>, null for Exists or on error.</summary>
        public string? Value { get; }
        public Errno Error { get; }
        public bool Ok => Error == Errno.None;
        public override string ToString() => Ok ? $"{Path} = {Value}" : $"{Path}: {Error}";
    }

    public sealed class SysfsReadResult
    {
        private readonly Dictionary<string, SysfsEntry> _byPath;

        public SysfsReadResult(IEnumerable<SysfsEntry> entries)
        {
            _byPath = new Dictionary<string, SysfsEntry>(StringComparer.Ordinal);
            var list = new List<SysfsEntry>();
            var host = new List<SysfsEntry>();
            foreach (var e in entries)
            {
                if (e.Area == SysfsArea.Host)
                {
                    host.Add(e);
                    _byPath[HostKey + e.Path] = e;
                    continue;
                }
                list.Add(e);
                _byPath[e.Path] = e;
            }
            Entries = list;
            HostEntries = host;
        }

        // Host paths live beside sysfs paths in one table; NUL can be in no path, so the two never collide.
        private const string HostKey = "\0host:";

        /// <summary>The sysfs entries.</summary>
        public IReadOnlyList<SysfsEntry> Entries { get; }

        /// <summary>The entries read under the host root (<see cref="SysfsArea.Host"/>), in the order read.</summary>
        public IReadOnlyList<SysfsEntry> HostEntries { get; }

        /// <summary>The host-root entry for an exact path, or null.</summary>
        public SysfsEntry? HostEntry(string path) => _byPath.TryGetValue(HostKey + path, out var e) ? e : null;

        /// <summary>The entry for an exact path, or null when no query matched it (the file does not exist).</summary>
        public SysfsEntry? this[string path] => _byPath.TryGetValue(path, out var e) ? e : null;

        /// <summary>Content of a path that must have been read, or null when it does not exist or could not be read.</summary>
        public string? ContentOf(string path) => _byPath.TryGetValue(path, out var e) && e.Ok ? e.Value : null;
    }

    /// <summary>What became of a plan: how many steps were applied, and the step that failed with its errno.</summary>
    public sealed class PlanRunResult
    {
        public PlanRunResult(int applied, int failedStep, Errno error, string? message = null, SysfsReadResult? after = null, IReadOnlyList<string>? conflicts = null)
        {
            Conflicts = conflicts;
            Applied = applied;
            FailedStep = failedStep;
            Error = error;
            Message = message;
            After = after;
        }

        public static PlanRunResult Success(int count, SysfsReadResult? after = null) => new PlanRunResult(count, -1, Errno.None, null, after);

        /// <summary>Nothing was written: under the lock, these precondition paths no longer had the content the plan was made from.</summary>
        public static PlanRunResult Conflict(IReadOnlyList<string> changed, SysfsReadResult? after) =>
            new PlanRunResult(0, 0, Errno.None, "the host changed since the plan was made: " + string.Join(", ", changed), after, changed);

        /// <summary>Non-null when nothing was written because the host changed since the plan was made: the paths that changed.</summary>
        public IReadOnlyList<string>? Conflicts { get; }
        public bool IsConflict => Conflicts is { Count: > 0 };

        /// <summary>What the readAfter queries returned, read after the writes in the same round trip; null when none were asked or the transport failed.</summary>
        public SysfsReadResult? After { get; }

        /// <summary>Steps 0..Applied-1 took effect.</summary>
        public int Applied { get; }
        /// <summary>Index of the failed step, or -1 when all succeeded. A failure not tied to a step (lost connection) has FailedStep = Applied.</summary>
        public int FailedStep { get; }
        public Errno Error { get; }
        /// <summary>Extra words from the transport (a lost connection, a timeout), null for plain kernel errnos.</summary>
        public string? Message { get; }
        public bool Succeeded => FailedStep < 0;
    }
}
