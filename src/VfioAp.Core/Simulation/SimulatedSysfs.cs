using System;
using System.Collections.Generic;
using System.Threading;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// <see cref="ISysfs"/> over a <see cref="SimulatedKernel"/>: what an SSH session to a host would answer, without
    /// the host. Each call is one round trip (counted); a batch of reads sees one consistent kernel state; writes
    /// take the kernel's lock one at a time, so two sessions on one kernel race as two shells on one host would.
    /// Plans can be made to fail at a chosen step (the failing write is not applied) to test rollback.
    /// </summary>
    public sealed class SimulatedSysfs : ISysfs, IHostRooted
    {
        private readonly object _faultGate = new object();
        private int _roundTrips;
        private (int Step, Errno Error)? _nextPlanFault;
        private Func<SysfsWrite, int, Errno?>? _writeFault;
        private volatile bool _disposed;

        public SimulatedSysfs(SimulatedKernel kernel, string hostName = "simulated")
        {
            Kernel = kernel ?? throw new ArgumentNullException(nameof(kernel));
            HostName = string.IsNullOrEmpty(hostName) ? "simulated" : hostName;
        }

        public SimulatedKernel Kernel { get; }

        /// <summary>The simulated host's AP configuration lock, shared by every session on the same kernel.</summary>
        public IHostLock HostLock => SimulatedHostLock.For(Kernel);
        public string HostName { get; }
        /// <summary>The simulated host's sysfs mount point, for messages.</summary>
        public string Root => "/sys";
        /// <summary>The simulated host's <c>/</c>: its libvirt files and kernel log come from the scenario.</summary>
        public string? HostRoot => "/";

        /// <summary>How many round trips this session made; a read-only cmdlet should cost one.</summary>
        public int RoundTrips => Volatile.Read(ref _roundTrips);

        /// <summary>False makes every write fail with EACCES, as for a user who is not root (reads still work).</summary>
        public bool AsRoot { get; set; } = true;

        /// <summary>Makes step <paramref name="step"/> (0-based) of the next <c>RunPlan</c> fail with <paramref name="errno"/>, without applying it.</summary>
        public void FailNextPlanAt(int step, Errno errno)
        {
            if (step < 0) throw new ArgumentOutOfRangeException(nameof(step));
            if (errno == Errno.None) throw new ArgumentException("An injected failure needs an errno.", nameof(errno));
            lock (_faultGate) _nextPlanFault = (step, errno);
        }

        /// <summary>
        /// A standing rule asked before every write (plan steps with their index, single writes with index 0):
        /// an errno fails that write without applying it; null (or None) lets it through. Null clears the rule.
        /// </summary>
        public void FailWrite(Func<SysfsWrite, int, Errno?>? rule)
        {
            lock (_faultGate) _writeFault = rule;
        }

        public SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries)
        {
            CheckOpen();
            if (queries is null) throw new ArgumentNullException(nameof(queries));
            Interlocked.Increment(ref _roundTrips);
            return ReadBatch(queries);
        }

        private PlanRunResult RunSteps(IReadOnlyList<PlanStep> steps, IReadOnlyList<SysfsQuery>? readAfter)
        {
            Interlocked.Increment(ref _roundTrips);
            (int Step, Errno Error)? planFault;
            lock (_faultGate)
            {
                planFault = _nextPlanFault;
                _nextPlanFault = null;
            }
            for (int i = 0; i < steps.Count; i++)
            {
                var e = Injected(steps[i], i, planFault);
                if (e == Errno.None) e = steps[i] is SysfsWriteStep w ? WriteOne(w.Write.Path, w.Write.Value)
                    : steps[i].UnderHostRoot ? WriteHostFile(steps[i]) : LocalFileSteps.Apply(steps[i]);
                if (e != Errno.None) return new PlanRunResult(i, i, e, null, readAfter is null ? null : ReadBatch(readAfter));
            }
            return PlanRunResult.Success(steps.Count, readAfter is null ? null : ReadBatch(readAfter));
        }

        /// <summary>
        /// Under the simulated host's lock (<see cref="SimulatedHostLock"/>): every session on the same kernel takes turns,
        /// as processes on one host do with the s390-tools lock file. The kernel itself takes no lock for userspace.
        /// </summary>
        public PlanRunResult RunPlan(PlanRequest request)
        {
            CheckOpen();
            if (request is null) throw new ArgumentNullException(nameof(request));
            using var held = request.Hold is { } hold && hold.Holds(HostLock) ? null : HostLock.Acquire(HostName, request.LockTimeout, request.Cancel, request.Waiting);
            // Its own files (under its host root: a udev rule) are the simulated host's (SimulatedHostFiles), where its
            // reads and its boot find them; an absolute path is a directory on this machine standing for them (-MdevctlRoot).
            var changed = request.ChangedFiles(p => p.UnderHostRoot ? HostFileContent(p.Path)
                : p.IsHostFile ? LocalFileSteps.ContentOf(p.Path) : ReadContent(p.Path));
            if (changed.Count > 0)
            {
                Interlocked.Increment(ref _roundTrips);
                return PlanRunResult.Conflict(changed, request.ReadAfter is null ? null : ReadBatch(request.ReadAfter));
            }
            return RunSteps(request.Steps, request.ReadAfter);
        }

        private string? HostFileContent(string path) => Kernel.HostFiles.Files().TryGetValue(path, out var text) ? text : null;

        /// <summary>A file step on the simulated host's own files: replaced or removed whole, as a rename would, while no reader looks.</summary>
        private Errno WriteHostFile(PlanStep step)
        {
            if (!AsRoot) return Errno.EACCES;
            switch (step)
            {
                case FileWriteStep write:
                    Kernel.HostFiles.SetFile(write.Path, write.Content);
                    return Errno.None;
                case FileRemoveStep remove:
                    Kernel.HostFiles.SetFile(remove.Path, null);
                    return Errno.None;
                default:
                    throw new NotSupportedException($"{step.GetType().Name} is not a file step.");
            }
        }

        private string? ReadContent(string path)
        {
            lock (Kernel.Gate)
            {
                try { return Kernel.Read(path); }
                catch (SysfsException) { return null; }
            }
        }

        public void Dispose() => _disposed = true;

        private void CheckOpen()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(SimulatedSysfs), $"The simulated session to '{HostName}' was closed.");
        }

        private Errno Injected(PlanStep step, int index, (int Step, Errno Error)? planFault)
        {
            if (planFault is { } f && f.Step == index) return f.Error;
            Func<SysfsWrite, int, Errno?>? rule;
            lock (_faultGate) rule = _writeFault;
            return step is SysfsWriteStep w ? rule?.Invoke(w.Write, index) ?? Errno.None : Errno.None;
        }

        private Errno WriteOne(string path, string value)
        {
            if (!AsRoot) return Errno.EACCES;
            // As `echo value > attr`: the value and a newline in one write(2).
            var buf = value.EndsWith("\n", StringComparison.Ordinal) ? value : value + "\n";
            try
            {
                Kernel.Write(path, buf);
                return Errno.None;
            }
            catch (SysfsException ex)
            {
                return ex.Error;
            }
        }

        private SysfsReadResult ReadBatch(IReadOnlyList<SysfsQuery> queries)
        {
            var entries = new List<SysfsEntry>();
            lock (Kernel.Gate)
            {
                IReadOnlyDictionary<string, string>? files = null, links = null;
                foreach (var query in queries)
                {
                    if (query.Area == SysfsArea.Host)
                    {
                        files ??= Kernel.HostFiles.Files();
                        links ??= Kernel.HostFiles.Links();
                        entries.AddRange(ReadHost(query, files, links));
                        continue;
                    }
                    foreach (var path in SysfsGlob.Expand(Kernel, query.Pattern, verify: false))
                    {
                        var entry = ReadOne(path, query.Kind);
                        if (entry != null) entries.Add(entry);
                    }
                }
            }
            return new SysfsReadResult(entries);
        }

        /// <summary>A host-root query against the scenario's files: glob per segment, as the shell expands it.</summary>
        private static IEnumerable<SysfsEntry> ReadHost(SysfsQuery query, IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, string> links)
        {
            var segments = query.Pattern.Split('/');
            bool Match(string path)
            {
                var p = path.Split('/');
                if (p.Length != segments.Length) return false;
                for (int i = 0; i < p.Length; i++) if (!SysfsPattern.Matches(segments[i], p[i])) return false;
                return true;
            }
            // readlink prints nothing for a regular file, so a Link query matches only links.
            if (query.Kind != SysfsQueryKind.Link)
                foreach (var kv in files)
                    if (Match(kv.Key))
                        yield return new SysfsEntry(kv.Key, query.Kind, query.Kind == SysfsQueryKind.Content ? kv.Value : null, Errno.None, SysfsArea.Host);
            foreach (var kv in links)
                if (Match(kv.Key))
                    yield return new SysfsEntry(kv.Key, query.Kind, query.Kind == SysfsQueryKind.Link ? kv.Value : null, Errno.None, SysfsArea.Host);
        }

        /// <summary>One path of a batch; a path that does not exist gives no entry, as LocalSysfs answers.</summary>
        private SysfsEntry? ReadOne(string path, SysfsQueryKind kind)
        {
            switch (kind)
            {
                case SysfsQueryKind.Exists:
                    return Kernel.Lookup(path) is null ? null : new SysfsEntry(path, kind, null, Errno.None);
                case SysfsQueryKind.Link:
                    // readlink(1) prints nothing for a path that is not a symlink.
                    return Kernel.Lookup(path) is { Kind: SysfsNodeKind.Symlink } link ? new SysfsEntry(path, kind, link.LinkTarget, Errno.None) : null;
                default:
                    try
                    {
                        return new SysfsEntry(path, kind, Kernel.Read(path), Errno.None);
                    }
                    catch (SysfsException ex) when (ex.Error != Errno.ENOENT)
                    {
                        return new SysfsEntry(path, kind, null, ex.Error);
                    }
                    catch (SysfsException)
                    {
                        return null;
                    }
            }
        }
    }
}
