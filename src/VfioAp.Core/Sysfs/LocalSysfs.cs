using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// A sysfs tree on this machine: <c>/sys</c> itself, a tree exported from the simulator, or a FUSE mount of one.
    /// One <see cref="ReadMany"/> call lists each directory at most once, however many queries pass through it, and
    /// reads the files in parallel (<see cref="LocalTreeReader"/>).
    /// </summary>
    public sealed class LocalSysfs : ISysfs, IHostRooted
    {
        /// <summary>A sysfs tree at <paramref name="root"/>; <paramref name="hostRoot"/> is the directory standing for the host's <c>/</c> (libvirt's and mdevctl's files, the kernel log), null when none is read.</summary>
        public LocalSysfs(string root = "/sys", string? hostName = null, string? hostRoot = null)
        {
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("The sysfs root must not be empty.", nameof(root));
            Root = root.Length > 1 ? root.TrimEnd('/') : root;
            HostName = hostName ?? Environment.MachineName;
            HostRoot = string.IsNullOrEmpty(hostRoot) ? null : hostRoot!.Length > 1 ? hostRoot.TrimEnd('/') : hostRoot;
        }

        public string HostName { get; }
        public string Root { get; }
        /// <summary>The host root for <see cref="SysfsArea.Host"/> queries, or null when this tree has none.</summary>
        public string? HostRoot { get; }

        /// <summary>How many batches were asked of this tree; a cmdlet should cost one.</summary>
        public int RoundTrips { get; private set; }

        private string Full(string relative) => Root == "/" ? "/" + relative : Root + "/" + relative;

        public SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries)
        {
            RoundTrips++;
            return ReadBatch(queries);
        }

        // The batch reader lists, expands and reads in parallel; a plan's precondition reads (one path each) use the
        // spelled-out read, which answers alike.
        private SysfsReadResult ReadBatch(IReadOnlyList<SysfsQuery> queries) => new LocalTreeReader(Root, HostRoot).Read(queries);

        private static SysfsEntry? ReadOne(string full, string path, SysfsQueryKind kind, SysfsArea area) =>
            SingleFileRead.ReadOne(full, path, kind, area);

        private Errno WriteOne(string path, string value)
        {
            // Like `echo value > attr`: one write(2) of the whole value with its newline, so the kernel's store sees it at once.
            var bytes = Encoding.UTF8.GetBytes(value.EndsWith("\n", StringComparison.Ordinal) ? value : value + "\n");
            if (PosixFile.Available) return PosixFile.WriteOnce(Full(path), bytes);
            try
            {
                using var fs = new FileStream(Full(path), FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                fs.Write(bytes, 0, bytes.Length);
                fs.Flush();
                return Errno.None;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return ErrnoOf(ex);
            }
        }

        /// <summary>The host's AP configuration lock for this tree (see <see cref="ApConfigLock.PathFor"/>).</summary>
        public string LockPath => HostLock.Path;

        /// <summary>The lock as a capability: the change engine holds it across a re-read, a re-plan and the write.</summary>
        public IHostLock HostLock => _lock ??= new ApConfigLockFile(ApConfigLock.PathFor(System.IO.Path.GetFullPath(Root)));
        private IHostLock? _lock;

        public PlanRunResult RunPlan(PlanRequest request)
        {
            if (request is null) throw new ArgumentNullException(nameof(request));
            // The host's own files (a udev rule) under this tree's host root, as its host-root reads find them.
            request = HostRootFiles.Resolve(request, HostRoot, HostName);
            RoundTrips++;
            using var held = request.Hold is { } hold && hold.Holds(HostLock) ? null : HostLock.Acquire(HostName, request.LockTimeout, request.Cancel, request.Waiting);
            var changed = request.Changed(p => p.StartsWith("/", StringComparison.Ordinal)
                ? LocalFileSteps.ContentOf(p)
                : ReadOne(Full(p), p, SysfsQueryKind.Content, SysfsArea.Sysfs) is { Ok: true } e ? e.Value : null);
            if (changed.Count > 0) return PlanRunResult.Conflict(changed, request.ReadAfter is null ? null : ReadBatch(request.ReadAfter));
            var steps = request.Steps;
            for (int i = 0; i < steps.Count; i++)
            {
                var e = steps[i] is SysfsWriteStep w ? WriteOne(w.Write.Path, w.Write.Value) : LocalFileSteps.Apply(steps[i]);
                if (e != Errno.None) return new PlanRunResult(i, i, e, null, request.ReadAfter is null ? null : ReadBatch(request.ReadAfter));
            }
            return PlanRunResult.Success(steps.Count, request.ReadAfter is null ? null : ReadBatch(request.ReadAfter));
        }

        public void Dispose() { }

        /// <summary>
        /// .NET on Linux puts the raw errno into IOException.HResult; a few errnos become typed exceptions instead.
        /// </summary>
        internal static Errno ErrnoOf(Exception ex) => ex switch
        {
            UnauthorizedAccessException => Errno.EACCES,
            FileNotFoundException => Errno.ENOENT,
            DirectoryNotFoundException => Errno.ENOENT,
            IOException io when io.HResult > 0 && io.HResult < 4096 => (Errno)io.HResult,
            _ => Errno.EIO,
        };
    }

    /// <summary>Shell glob matching for one path segment: <c>*</c> matches any run of characters; a leading dot must be matched literally.</summary>
    public static class SysfsPattern
    {
        public static bool Matches(string pattern, string name)
        {
            if (name.Length > 0 && name[0] == '.' && (pattern.Length == 0 || pattern[0] != '.')) return false;
            return Match(pattern, 0, name, 0);
        }

        private static bool Match(string p, int pi, string s, int si)
        {
            while (pi < p.Length)
            {
                if (p[pi] == '*')
                {
                    while (pi < p.Length && p[pi] == '*') pi++;
                    if (pi == p.Length) return true;
                    for (int k = si; k <= s.Length; k++)
                        if (Match(p, pi, s, k)) return true;
                    return false;
                }
                if (si >= s.Length || s[si] != p[pi]) return false;
                pi++;
                si++;
            }
            return si == s.Length;
        }
    }
}
