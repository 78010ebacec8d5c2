using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using Renci.SshNet.Common;
using VfioAp.Core.Locking;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The host's AP configuration lock held over SSH across several remote commands: a small remote sh on a channel of
    /// its own takes the lock with s390-tools' protocol (the plan script's <c>lk</c>; its pid goes into the lock file),
    /// prints <c>L&lt;pid&gt;</c> and then waits on its stdin for a <c>U</c> line. The session's other commands (the re-read, the plan) run
    /// on other channels of the same connection and do not take the lock again; the plan checks that the lock file still
    /// holds this pid before it writes. The lock is released when <see cref="Dispose"/> sends <c>U</c>, when stdin ends, when the channel
    /// closes, or when the connection drops (sshd closes the shell's stdin; the trap releases it); a holder whose shell
    /// was killed leaves a dead pid that the next writer takes over as stale, as with any s390-tools holder.
    /// </summary>
    internal sealed class SshLockHolder : IDisposable
    {
        private static readonly RemoteOutputLimits Limits = RemoteOutputLimits.Default;
        private OpenCommand? _command;
        private readonly LfLineReader _reader;
        private readonly TimeSpan _releaseTimeout;

        private SshLockHolder(OpenCommand command, LfLineReader reader, int pid, TimeSpan releaseTimeout)
        {
            _command = command;
            _reader = reader;
            Pid = pid;
            _releaseTimeout = releaseTimeout;
        }

        /// <summary>The remote shell holding the lock: the pid in the lock file.</summary>
        public int Pid { get; }

        /// <summary>The holder's script: take the lock (waiting up to <paramref name="lockTimeoutSeconds"/>), hold it until stdin ends, release it.</summary>
        public static string Script(string lockPath, int lockTimeoutSeconds)
        {
            RemotePathRules.CheckRoot(lockPath);
            var sb = new StringBuilder(2048);
            // Unlike the read and plan scripts, stdin stays open: its end is the signal to release.
            sb.Append("export LC_ALL=C\nexec 2>/dev/null\nprintf 'V1\\n'\n");
            sb.Append(PlanScript.Lock);
            sb.Append("L=").Append(PosixQuote.Quote(lockPath)).Append("; TO=").Append(lockTimeoutSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("lk || { printf 'Z\\n'; exit 0; }\n");
            // Held until told (a U line) or until stdin ends (the channel closed, the connection dropped).
            sb.Append("while IFS= read -r x; do [ \"$x\" = U ] && break; done\n");
            sb.Append("lr; trap - EXIT\nprintf 'Z\\n'\n");
            return sb.ToString();
        }

        /// <summary>
        /// Starts the holder and waits until it holds the lock (W records go to <paramref name="waiting"/>). Ctrl+C
        /// (<paramref name="cancel"/>) ends the remote wait at once (its command is stopped, the trap cleans up).
        /// </summary>
        public static SshLockHolder Take(SshConnection connection, string commandText, string? stdin, string host, string lockPath,
                                         TimeSpan timeout, TimeSpan commandTimeout, CancellationToken cancel, Action<LockWait>? waiting)
        {
            cancel.ThrowIfCancellationRequested();
            int lockSeconds = (int)Math.Ceiling(timeout.TotalSeconds);
            var command = connection.Open(commandText, stdin);
            var parser = new PlanOutputParser();
            int lastHolder = 0;
            parser.Waiting = (holder, seconds) =>
            {
                lastHolder = holder;
                waiting?.Invoke(new LockWait(host, lockPath, holder, TimeSpan.FromSeconds(seconds), timeout));
            };
            var reader = new LfLineReader(command.Output, Limits.MaxLineBytes, Limits.MaxTotalBytes);
            Exception? fault = null;
            bool stopped;
            using (var watch = new CommandWatchdog(command.Output, command.Errors, commandTimeout + TimeSpan.FromSeconds(lockSeconds), Limits, command.End))
            using (cancel.Register(() => watch.Stop(CommandStop.Timeout)))
            {
                try
                {
                    while (parser.LockHolder == 0 && parser.LockTimedOutHolder is null && parser.LockError is null && !parser.Completed
                           && reader.ReadLine(out var buffer, out int start, out int length))
                        parser.Feed(buffer, start, length);
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException
                                           || ex is RemoteOutputException || ex is FormatException)
                {
                    fault = ex;
                }
                stopped = watch.Stopped != CommandStop.None;
            }
            if (parser.LockHolder > 0 && !stopped && fault is null)
                return new SshLockHolder(command, reader, parser.LockHolder, commandTimeout);
            command.End();
            command.Dispose();
            if (cancel.IsCancellationRequested) throw ApConfigLockException.Stopped(host, lockPath, lastHolder);
            if (parser.LockTimedOutHolder is { } h) throw ApConfigLockException.TimedOut(host, lockPath, h, timeout);
            if (parser.LockError is { } e)
                throw ApConfigLockException.CannotCreate(host, lockPath, StrerrorText.TryParse(e, out var errno) ? errno : VfioAp.Core.Model.Errno.EIO,
                    $"creating it on the remote host ('{e}')");
            if (stopped)
                throw new SshHostException(connection.Host, SshFailure.Timeout,
                    $"Host {connection.Host}: the remote shell taking the AP configuration lock {lockPath} did not answer within {(commandTimeout.TotalSeconds + lockSeconds):0} s; it was stopped and the connection closed (it is reopened on next use). Nothing was written.");
            throw new SshHostException(connection.Host, fault is null ? SshFailure.RemoteShell : SshFailure.ConnectionLost,
                $"Host {connection.Host}: the remote shell that was to hold the AP configuration lock {lockPath} ended before it held it" +
                (fault is null ? "" : $" ({fault.Message})") + ". Nothing was written.", fault);
        }

        /// <summary>Releases the lock: a U line to the holder's stdin, then its end record (the lock is gone before it is printed).</summary>
        public void Dispose()
        {
            var command = Interlocked.Exchange(ref _command, null);
            if (command is null) return;
            try
            {
                command.Tell("U\n");
                // Closing the channel (not the connection) is enough to end a holder that does not answer: sshd closes its stdin.
                using var watch = new CommandWatchdog(command.Output, command.Errors, _releaseTimeout, Limits, command.Dispose);
                while (_reader.ReadLine(out var buffer, out int start, out int length))
                    if (length == 1 && buffer[start] == 'Z') break;
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException || ex is RemoteOutputException)
            {
                // The channel or the connection is gone: so is the holder shell, and its trap released the lock.
            }
            finally
            {
                command.Dispose();
            }
        }
    }
}
