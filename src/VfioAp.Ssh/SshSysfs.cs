using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Ssh
{
    /// <summary>
    /// A remote host's sysfs over SSH: every <see cref="ReadMany"/> and every <c>RunPlan</c> is exactly one remote
    /// command (one "Starting session: command" in sshd's log), whatever the host's size.
    /// </summary>
    public sealed class SshSysfs : ISysfs, IHostRooted, VfioAp.Core.Persistence.IHostShell
    {
        private readonly SshConnection _connection;
        private readonly SshConnectionOptions _options;

        private SshSysfs(SshConnectionOptions options)
        {
            _options = options;
            Root = RemotePathRules.CheckRoot(options.SysfsRoot);
            if (options.EffectiveHostRoot is string hostRoot)
            {
                HostRoot = RemotePathRules.CheckRoot(hostRoot);
                // Host files are read in the same script, which then starts in the host root and reaches sysfs below it.
                var prefix = HostRoot == "/" ? "" : HostRoot + "/";
                if (Root.StartsWith(prefix, StringComparison.Ordinal) && Root.Length > prefix.Length)
                    _sysfsUnderHost = Root.Substring(prefix.Length) + "/";
                else
                    HostRoot = null;
            }
            _connection = new SshConnection(options);
        }

        /// <summary>Connects, verifies the host key and logs in now, so a wrong host, key or password is reported at once.</summary>
        public static SshSysfs Connect(SshConnectionOptions options)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            var sysfs = new SshSysfs(options);
            try
            {
                sysfs._connection.EnsureConnected();
                return sysfs;
            }
            catch
            {
                sysfs.Dispose();
                throw;
            }
        }

        /// <summary>The name objects read through this host carry: <see cref="SshConnectionOptions.ComputerName"/>, else host (with :port when not 22).</summary>
        public string HostName => string.IsNullOrEmpty(_options.ComputerName) ? _options.Display : _options.ComputerName!;
        public string Root { get; }
        /// <summary>The remote host root (libvirt's files, the kernel log), or null when only sysfs is read.</summary>
        public string? HostRoot { get; }
        private readonly string? _sysfsUnderHost;
        public SshConnectionOptions Options => _options;

        /// <summary>Remote commands run so far (each ReadMany, Write and RunPlan is one); sshd logs one "Starting session: command" for each.</summary>
        public long RoundTrips => System.Threading.Interlocked.Read(ref _roundTrips);
        private long _roundTrips;

        public SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries)
        {
            if (queries is null) throw new ArgumentNullException(nameof(queries));
            bool withHost = HostRoot != null && queries.Any(q => q.Area == SysfsArea.Host);
            if (!withHost) queries = queries.Where(q => q.Area == SysfsArea.Sysfs).ToList();
            // With host files the script starts in the host root: sysfs paths get the sysfs root's place below it
            // (sys/), host paths stay as they are; the answers are mapped back below. The script itself is unchanged.
            var sent = withHost
                ? queries.Select(q => q.Area == SysfsArea.Host ? new SysfsQuery(q.Pattern, q.Kind) : new SysfsQuery(_sysfsUnderHost + q.Pattern, q.Kind)).ToList()
                : queries;
            var script = ReadManyScript.Build(withHost ? HostRoot! : Root, sent);
            var parser = new ReadManyOutputParser();
            var meter = new RemoteOutputMeter();
            System.Threading.Interlocked.Increment(ref _roundTrips);
            var (status, stderr) = _connection.Run(CommandText(script), SudoStdin(), parser.Feed, _options.CommandTimeout, _options.OutputLimits, meter);
            parser.Finish();
            if (!parser.Started) throw ScriptDidNotStart(stderr, status);
            if (!parser.Completed)
                throw new SshHostException(_connection.Host, SshFailure.RemoteOutputInvalid,
                    $"Host {_connection.Host}: the read of {Root} ended after {meter.Bytes} bytes of output without its end record (Z): cut short " +
                    $"(exit status {Show(status)}{StderrNote(stderr)}); nothing was changed. Try again; if it repeats, check the host's /bin/sh and what else runs at login.");
            // A missing root answers like a host without those files; HostReader then says the AP bus is missing under that root.
            if (!withHost) return new SysfsReadResult(parser.Entries);
            return new SysfsReadResult(parser.Entries.Select(e => e.Path.StartsWith(_sysfsUnderHost!, StringComparison.Ordinal)
                ? new SysfsEntry(e.Path.Substring(_sysfsUnderHost!.Length), e.Kind, e.Value, e.Error)
                : new SysfsEntry(e.Path, e.Kind, e.Value, e.Error, SysfsArea.Host)));
        }

        /// <summary>
        /// Runs a module-built script (mdevctl's definitions outside sysfs) as one remote command, through sudo when the
        /// session uses it. The script is quoted whole by <see cref="PosixQuote"/>; its callers put only validated values in it.
        /// </summary>
        public VfioAp.Core.Persistence.ShellCommandResult RunShell(string script)
        {
            if (script is null) throw new ArgumentNullException(nameof(script));
            var stdout = new System.Text.StringBuilder();
            System.Threading.Interlocked.Increment(ref _roundTrips);
            var (status, stderr) = _connection.Run(CommandText(script), SudoStdin(),
                (buffer, start, length) => stdout.Append(buffer, start, length).Append('\n'), _options.CommandTimeout, _options.OutputLimits);
            return new VfioAp.Core.Persistence.ShellCommandResult(status ?? -1, stdout.ToString(), stderr);
        }

        /// <summary>The host's AP configuration lock for this session's root, on the remote host (see <see cref="ApConfigLock.PathFor"/>).</summary>
        public string LockPath => ApConfigLock.PathFor(Root);

        /// <summary>The lock as the change engine holds it across a re-read, a re-plan and the write (a remote holder shell).</summary>
        public IHostLock HostLock => _hostLock ??= new SshHostLock(this);
        private IHostLock? _hostLock;

        /// <summary>Starts a remote shell that takes the lock and holds it until the returned hold is released (one more remote command).</summary>
        internal IDisposable TakeLock(TimeSpan timeout, System.Threading.CancellationToken cancel, Action<LockWait>? waiting)
        {
            var script = SshLockHolder.Script(LockPath, (int)Math.Ceiling(timeout.TotalSeconds));
            System.Threading.Interlocked.Increment(ref _roundTrips);
            return SshLockHolder.Take(_connection, CommandText(script), SudoStdin(), HostName, LockPath, timeout, _options.CommandTimeout, cancel, waiting);
        }

        /// <summary>
        /// The plan under the host's lock, all in the one remote command: the remote shell takes the lock (its own pid),
        /// compares the preconditions, writes, reads and releases the lock (also when it fails or is killed: trap). A request
        /// that carries this session's hold (<see cref="HostLock"/>) neither takes nor releases it: the script writes only
        /// while the lock file holds the holder shell's pid.
        /// </summary>
        public PlanRunResult RunPlan(PlanRequest request)
        {
            if (request is null) throw new ArgumentNullException(nameof(request));
            // The host's own files (a udev rule) under the remote host root, where its host-root reads find them.
            request = HostRootFiles.Resolve(request, HostRoot, HostName);
            var writes = request.Steps;
            var readAfter = request.ReadAfter;
            if (writes.Count == 0 && readAfter is null) return PlanRunResult.Success(0);
            int lockSeconds = (int)Math.Ceiling(request.LockTimeout.TotalSeconds);
            int heldBy = request.Hold is { } hold && hold.Holds(HostLock) && hold.Held is SshLockHolder sshHolder ? sshHolder.Pid : 0;
            var script = PlanScript.Build(Root, writes, readAfter, LockPath, request.Preconditions, lockSeconds, HostRoot, heldBy);
            var parser = new PlanOutputParser();
            if (request.Waiting is { } waiting)
                parser.Waiting = (holder, seconds) => waiting(new LockWait(HostName, LockPath, holder, TimeSpan.FromSeconds(seconds), request.LockTimeout));
            int? status;
            string stderr;
            // The remote wait for the lock counts on top of the command timeout.
            var timeout = _options.CommandTimeout + TimeSpan.FromSeconds(lockSeconds);
            System.Threading.Interlocked.Increment(ref _roundTrips);
            try
            {
                (status, stderr) = _connection.Run(CommandText(script), SudoStdin(), parser.Feed, timeout);
            }
            catch (SshHostException ex) when (ex.Failure == SshFailure.ConnectionLost || ex.Failure == SshFailure.Timeout || ex.Failure == SshFailure.RemoteOutputInvalid)
            {
                return Interrupted(writes, parser, ex);
            }
            parser.Finish();
            if (!parser.Started) throw ScriptDidNotStart(stderr, status);
            if (!parser.RootMissing)
            {
                if (parser.LockTimedOutHolder is { } holder)
                    throw ApConfigLockException.TimedOut(HostName, LockPath, holder, request.LockTimeout);
                if (parser.NotHeldHolder is { } now)
                    throw ApConfigLockException.Lost(HostName, LockPath, heldBy, now);
                if (parser.LockError is { } lockError)
                    throw ApConfigLockException.CannotCreate(HostName, LockPath, StrerrorText.TryParse(lockError, out var le) ? le : Errno.EIO,
                        $"creating it on the remote host ('{lockError}')");
                if (parser.Completed && parser.Conflicts.Count > 0)
                    return PlanRunResult.Conflict(parser.Conflicts, ReadBack(parser, readAfter));
            }
            if (parser.RootMissing)
                return new PlanRunResult(0, writes.Count == 0 ? -1 : 0, writes.Count == 0 ? Errno.None : Errno.ENOENT,
                    writes.Count == 0 ? null : $"Host {_connection.Host}: the sysfs root {Root} does not exist; nothing was written. Check -SysfsRoot.",
                    readAfter is null ? null : new SysfsReadResult(Array.Empty<SysfsEntry>()));
            if (parser.FailedStep >= 0)
            {
                var w = writes[parser.FailedStep];
                // A file step names its file as it is on the host; a sysfs write names the attribute under the root.
                string what = w is SysfsWriteStep sw ? $"writing '{sw.Write.Value}' to {Join(sw.Write.Path)}" : w.Description;
                string? message = null;
                if (parser.Error == Errno.EACCES || parser.Error == Errno.EPERM)
                    message = $"Host {_connection.Host}: {what} was refused: {ErrnoText.Describe(parser.Error)} ({parser.Error}). " +
                        (_options.UseSudo ? "Even through sudo: is sysfs mounted read-only, or does a security module (SELinux, AppArmor) forbid it?" : $"User '{_options.EffectiveUserName}' may not write sysfs: connect as root or add -UseSudo.") +
                        Applied(writes, parser.Applied);
                else if (!Enum.IsDefined(typeof(Errno), parser.Error) || parser.ErrorText != null && !StrerrorText.TryParse(parser.ErrorText, out _))
                    message = $"Host {_connection.Host}: {what} failed: '{parser.ErrorText}'." + Applied(writes, parser.Applied);
                if (!parser.Completed)
                    return Interrupted(writes, parser, CutShort(status, stderr));
                return new PlanRunResult(parser.Applied, parser.FailedStep, parser.Error, message, ReadBack(parser, readAfter));
            }
            if (!parser.Completed)
                return Interrupted(writes, parser, CutShort(status, stderr));
            return PlanRunResult.Success(parser.Applied, ReadBack(parser, readAfter));
        }

        /// <summary>The plan's read-back, with the host-root files it read (after the sysfs reads, from the host root) marked as such.</summary>
        private SysfsReadResult? ReadBack(PlanOutputParser parser, IReadOnlyList<SysfsQuery>? readAfter)
        {
            var after = parser.After;
            var host = readAfter?.Where(q => q.Area == SysfsArea.Host).Select(q => q.Pattern.Split('/')).ToList();
            if (after is null || HostRoot is null || host is null || host.Count == 0) return after;
            bool IsHost(string path)
            {
                var p = path.Split('/');
                return host.Any(h => h.Length == p.Length && h.Zip(p, SysfsPattern.Matches).All(m => m));
            }
            return new SysfsReadResult(after.Entries.Select(e => IsHost(e.Path) ? new SysfsEntry(e.Path, e.Kind, e.Value, e.Error, SysfsArea.Host) : e));
        }

        /// <summary>What a plan cut off by a lost connection or a timeout did: the steps reported applied, and the one in doubt.</summary>
        private PlanRunResult Interrupted(IReadOnlyList<PlanStep> writes, PlanOutputParser parser, SshHostException? cause)
        {
            int applied = parser.Applied;
            var error = cause?.Failure == SshFailure.Timeout ? Errno.ETIMEDOUT : Errno.EIO;
            string what = cause?.Failure == SshFailure.Timeout ? "did not finish in time" : "was cut off (the connection was lost)";
            if (parser.FailedStep >= 0)
            {
                // Every write had reported before the connection went: only the verification reads are missing.
                return new PlanRunResult(applied, parser.FailedStep, parser.Error,
                    $"Host {_connection.Host}: step {parser.FailedStep + 1} ({writes[parser.FailedStep].Description}) failed: {ErrnoText.Describe(parser.Error)}; steps 1..{applied} were applied; the connection was then lost before the host could be read back." +
                    (cause is null ? "" : " (" + cause.Message + ")"));
            }
            if (applied == writes.Count)
            {
                return new PlanRunResult(applied, applied, error,
                    $"Host {_connection.Host}: all {applied} step(s) were applied, but the connection was lost before the host could be read back to verify them. Read the host again." +
                    (cause is null ? "" : " (" + cause.Message + ")"));
            }
            string doubt = applied < writes.Count
                ? $" Step {applied + 1} ({writes[applied].Description}) may or may not have taken effect; steps {applied + 2}..{writes.Count} were not run."
                : "";
            if (applied == writes.Count - 1) doubt = $" Step {applied + 1} ({writes[applied].Description}) may or may not have taken effect.";
            var message = $"Host {_connection.Host}: the plan {what} after {applied} of {writes.Count} step(s) were applied." +
                (applied > 0 ? " Applied: " + string.Join("; ", writes.Take(applied).Select((w, i) => $"{i + 1}. {w.Description}")) + "." : "") +
                doubt + " Read the host again and re-run: the plan only writes what still differs." +
                (cause is null ? "" : " (" + cause.Message + ")");
            return new PlanRunResult(applied, applied, error, message) { Interrupted = true };
        }

        private static string Applied(IReadOnlyList<PlanStep> writes, int applied) =>
            applied == 0 ? " Nothing was written before it." : $" Steps 1..{applied} were applied before it.";

        /// <summary>The script ended without its last record: killed on the host, or its output lost.</summary>
        private SshHostException CutShort(int? status, string stderr) =>
            new SshHostException(_connection.Host, SshFailure.ConnectionLost,
                $"Host {_connection.Host}: the remote plan script stopped before its end (exit status {Show(status)}{StderrNote(stderr)}).");

        /// <summary>
        /// The exec request's text. sshd hands it to the user's login shell, which must be POSIX-like (sh, bash, dash, ksh,
        /// zsh); the script itself then runs in /bin/sh. With sudo the script is still on sudo's command line (it holds only
        /// sysfs paths and ids), while a password only ever goes to sudo's stdin.
        /// </summary>
        internal string CommandText(string script)
        {
            var sh = "/bin/sh -c " + PosixQuote.Quote(script);
            if (!_options.UseSudo) return "exec " + sh;
            return _options.EffectiveSudoPassword is null
                ? "exec sudo -n -- " + sh
                : "exec sudo -S -p '' -- " + sh;
        }

        private string? SudoStdin() =>
            _options.UseSudo && _options.EffectiveSudoPassword is { } p ? p.Reveal() + "\n" : null;

        private SshHostException ScriptDidNotStart(string stderr, int? status)
        {
            var err = stderr.Trim();
            if (_options.UseSudo)
            {
                string? advice = null;
                if (err.Contains("a password is required") || err.Contains("a terminal is required"))
                    advice = "sudo needs a password: pass -Credential (its password is given to sudo on stdin, never on a command line) or allow this user NOPASSWD for /bin/sh.";
                else if (err.Contains("incorrect password") || err.Contains("no password was provided") || err.Contains("Sorry, try again"))
                    advice = "sudo did not accept the password.";
                else if (err.Contains("not in the sudoers") || err.Contains("not allowed to execute") || err.Contains("may not run sudo"))
                    advice = $"user '{_options.EffectiveUserName}' may not run /bin/sh through sudo on this host.";
                else if (err.Contains("sudo: not found") || err.Contains("sudo: command not found"))
                    advice = "sudo is not installed there; connect as root instead.";
                if (advice != null)
                    return new SshHostException(_connection.Host, SshFailure.SudoFailed, $"Host {_connection.Host}: sudo failed: {advice} (sudo said: {OneLine(err)})");
            }
            return new SshHostException(_connection.Host, SshFailure.RemoteShell,
                $"Host {_connection.Host}: the remote script did not start (exit status {Show(status)}{StderrNote(stderr)}). The login shell must be POSIX-like and /bin/sh must exist.");
        }

        private string Join(string path) => (Root == "/" ? "" : Root) + "/" + path;
        private static string Show(int? status) => status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        private static string StderrNote(string stderr) => string.IsNullOrWhiteSpace(stderr) ? "" : ", stderr: " + OneLine(stderr.Trim());
        private static string OneLine(string s) => s.Length > 400 ? s.Substring(0, 400).Replace('\n', ' ') + "…" : s.Replace('\n', ' ');

        public void Dispose() => _connection.Dispose();
    }
}
