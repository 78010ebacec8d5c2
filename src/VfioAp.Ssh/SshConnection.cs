using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace VfioAp.Ssh
{
    /// <summary>
    /// One SSH connection to one host, verified against known_hosts, reused for every remote command of a session and
    /// re-established (and re-verified) when it was lost between commands.
    /// </summary>
    /// <summary>Receives one line of a remote command's stdout, as a segment of a reused buffer.</summary>
    internal delegate void LineHandler(char[] buffer, int start, int length);

    /// <remarks>
    /// Threads. Every blocking call here (connect, login, reading a command's output, waiting for its exit) runs on the
    /// caller's thread, and callers use their own threads for that: New-ApSession's <c>SessionOpener</c> and the
    /// cmdlets' <c>HostFanOut</c> start dedicated threads up to -ThrottleLimit; a single session runs on the pipeline
    /// thread. Never on the thread pool, because SSH.NET 2026 itself needs the pool while we wait: its synchronous
    /// Connect starts <c>Socket.ConnectAsync(SocketAsyncEventArgs)</c> and waits on an event that the completion sets,
    /// and on Linux .NET runs socket completions as thread-pool work items. Its receive loop (key exchange, channel
    /// data, exit status) is a LongRunning task, i.e. a thread of its own; its keepalive is a System.Threading.Timer
    /// whose callback only sends a packet. So the pool only ever runs short callbacks for us, and the tests pass with
    /// it pinned to two worker threads (tests/pester/SshFleet.Tests.ps1).
    /// </remarks>
    internal sealed class SshConnection : IDisposable
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private readonly SshConnectionOptions _options;
        private readonly object _gate = new object();
        private SshClient? _client;
        private Jump.JumpTunnel? _tunnel;
        private bool _disposed;

        public SshConnection(SshConnectionOptions options)
        {
            _options = options;
        }

        public string Host => _options.Display;

        /// <summary>Connects now (if not connected): so a bad host key, login or address is reported by New-ApSession, not by the first cmdlet.</summary>
        public void EnsureConnected()
        {
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(SshSysfs), $"The SSH session to {Host} was closed.");
                if (_client is { IsConnected: true }) return;
                _client?.Dispose();
                _client = null;
                _client = Connect();
            }
        }

        private SshClient Connect()
        {
            var o = _options;
            var (host, port) = OpenTransport();
            try
            {
                return SshClientFactory.Connect(o, Host, host, port);
            }
            catch (SshHostException e) when (_tunnel != null && (e.Failure == SshFailure.ConnectFailed || e.Failure == SshFailure.Timeout))
            {
                // The hops are up (they connected and logged in), so the last one could not reach the target.
                var tunnel = _tunnel;
                CloseTransport();
                throw Jump.JumpTunnel.Failed(tunnel.LastHop, o.JumpHosts.Count - 1, o.JumpHosts.Count, Host,
                    $"could not reach {o.HostName}:{o.Port}{(tunnel.ChannelError is null ? "" : " (" + tunnel.ChannelError + ")")}: {e.Message}", null, e);
            }
            catch
            {
                CloseTransport();
                throw;
            }
        }

        /// <summary>
        /// Where the SSH connection to the target goes: the target itself, or (with jump hosts) a local port forwarded
        /// through them. The host key is checked under the target's own name and port either way.
        /// </summary>
        private (string Host, int Port) OpenTransport()
        {
            CloseTransport();
            if (_options.JumpHosts.Count == 0) return (_options.HostName, _options.Port);
            _tunnel = Jump.JumpTunnel.Open(_options.JumpHosts.ToList(), _options.HostName, _options.Port, Host);
            return (_tunnel.LocalHost, _tunnel.LocalPort);
        }

        private void CloseTransport()
        {
            _tunnel?.Dispose();
            _tunnel = null;
        }

        /// <summary>
        /// Runs <paramref name="commandText"/> and hands each stdout line to <paramref name="onLine"/> as it arrives.
        /// Returns the exit status (null when the server sent none) and stderr (its first
        /// <see cref="RemoteOutputLimits.KeptStderrBytes"/>). A timeout, a lost connection, or output that breaks its
        /// bounds or that <paramref name="onLine"/> cannot parse throws <see cref="SshHostException"/> after every line
        /// that did arrive was handed over; the command is then ended (its connection is closed and reopened on next use).
        /// <paramref name="timeout"/> bounds the whole call: waiting for output, reading and parsing it, waiting for the exit.
        /// </summary>
        public (int? ExitStatus, string Stderr) Run(string commandText, string? stdin, LineHandler onLine, TimeSpan timeout,
                                                    RemoteOutputLimits? limits = null, RemoteOutputMeter? meter = null)
        {
            limits ??= RemoteOutputLimits.Default;
            var cts = new CancellationTokenSource();
            var (cmd, exec) = Start(commandText, cts);
            using (cmd)
            using (cts)
            using (var watch = new CommandWatchdog(cmd.OutputStream, cmd.ExtendedOutputStream, timeout, limits, () => End(cts)))
            {
                // A command that fails (connection lost) must not leave the read below waiting for an EOF that never comes.
                _ = exec.ContinueWith(t => CloseQuietly(cmd.OutputStream), CancellationToken.None,
                    TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                if (stdin != null)
                {
                    using var input = cmd.CreateInputStream();
                    var bytes = Utf8.GetBytes(stdin);
                    input.Write(bytes, 0, bytes.Length);
                }
                RemoteOutputException? fault;
                try
                {
                    fault = RemoteOutputReader.Read(cmd.OutputStream, onLine, limits, watch, meter);
                }
                catch
                {
                    // The consumer gave up (a cancelled lock wait): the command must not run on unread.
                    End(cts);
                    throw;
                }
                if (fault != null)
                {
                    End(cts);
                    throw OutputInvalid(fault, meter?.Bytes ?? fault.Offset);
                }
                bool ranToEnd = watch.Stopped == CommandStop.None
                    && WaitQuietly(exec, Min(TimeSpan.FromSeconds(30), watch.Remaining)) && exec.Status == TaskStatus.RanToCompletion;
                // The wait above ended with the timeout: that is the timeout, also while only the exit was awaited.
                if (!ranToEnd && watch.Stopped == CommandStop.None) watch.Check();
                if (!ranToEnd) throw Stopped(watch, exec, timeout, limits, meter);
                int? status = cmd.ExitStatus;
                return (status, RemoteOutputReader.ReadStderr(cmd.ExtendedOutputStream, limits.KeptStderrBytes));
            }
        }

        /// <summary>
        /// Starts <paramref name="commandText"/> on a channel of its own that stays open beside the session's other
        /// commands (the lock holder's shell): its stdin stays open for the caller (after <paramref name="stdin"/>),
        /// its stdout is the caller's to read. <see cref="OpenCommand.End"/> stops it the way a failed command is stopped.
        /// </summary>
        public OpenCommand Open(string commandText, string? stdin)
        {
            var cts = new CancellationTokenSource();
            var (cmd, exec) = Start(commandText, cts);
            // A command that fails (connection lost) must not leave a read of its output waiting for an EOF that never comes.
            _ = exec.ContinueWith(t => CloseQuietly(cmd.OutputStream), CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            Stream input;
            try
            {
                input = cmd.CreateInputStream();
                if (stdin != null)
                {
                    var bytes = Utf8.GetBytes(stdin);
                    input.Write(bytes, 0, bytes.Length);
                    input.Flush();
                }
            }
            catch (Exception ex) when (ex is SshException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is IOException)
            {
                End(cts);
                cmd.Dispose();
                cts.Dispose();
                throw Lost(ex);
            }
            return new OpenCommand(cmd, exec, input, cts, () => End(cts));
        }

        /// <summary>Why a command that did not run to its end stopped, as the exception the caller gets.</summary>
        private SshHostException Stopped(CommandWatchdog watch, Task exec, TimeSpan timeout, RemoteOutputLimits limits, RemoteOutputMeter? meter)
        {
            Drop();
            if (watch.Stopped == CommandStop.TooMuchOutput)
                return OutputInvalid(new RemoteOutputException($"at most {limits.MaxTotalBytes} bytes of output and {limits.MaxBufferedStderrBytes} of stderr",
                    "more than that", meter?.Bytes ?? -1), meter?.Bytes ?? -1);
            if (watch.Stopped == CommandStop.Timeout || exec.IsCanceled)
                return new SshHostException(Host, SshFailure.Timeout,
                    $"Host {Host}: the remote command did not finish within {timeout.TotalSeconds:0.#} s and was stopped{(meter is null ? "" : $" after {meter.Bytes} bytes of output")}; the connection was closed (it is reopened on next use). " +
                    "A hung sysfs attribute, a remote shell that never ends or an overloaded host can cause this; raise the command timeout if the host is just large and slow.");
            return Lost(exec.IsFaulted ? exec.Exception!.GetBaseException() : new TimeoutException("the server did not close the command's channel after its output ended"));
        }

        private SshHostException OutputInvalid(RemoteOutputException fault, long offset) =>
            new SshHostException(Host, SshFailure.RemoteOutputInvalid,
                $"Host {Host}: the remote command's output is not what the module's script prints: {fault.Expected}, but found {fault.Found}" +
                (offset >= 0 ? $" (stopped after {offset} bytes of output)" : "") +
                ". The command was ended and the connection closed (it is reopened on next use); nothing more was read. " +
                "A login shell or profile that prints to stdout, a forced command (ForceCommand, command= in authorized_keys) or a wrapper that is not a POSIX sh can cause this.",
                fault);

        /// <summary>Ends a running command: cancels it and closes the connection, so nothing more is received for it.</summary>
        private void End(CancellationTokenSource cts)
        {
            try { cts.Cancel(); } catch (Exception ex) when (ex is AggregateException || ex is ObjectDisposedException) { }
            Drop();
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => b == Timeout.InfiniteTimeSpan || a < b ? a : b;

        /// <summary>
        /// Opens the command's channel. A connection that died while idle (host rebooted, NAT forgot it) only shows
        /// when a channel is opened; nothing has run on the host at that point, so it is safe to connect again once and
        /// open the channel there. On failure <paramref name="cts"/> is disposed.
        /// </summary>
        private (SshCommand, Task) Start(string commandText, CancellationTokenSource cts)
        {
            for (int attempt = 0; ; attempt++)
            {
                EnsureConnected();
                SshCommand cmd;
                try
                {
                    cmd = _client!.CreateCommand(commandText, Utf8);
                }
                catch (Exception ex) when (ex is SshConnectionException || ex is ObjectDisposedException)
                {
                    Drop();
                    if (attempt == 0) continue;
                    cts.Dispose();
                    throw Lost(ex);
                }
                try
                {
                    return (cmd, cmd.ExecuteAsync(cts.Token));
                }
                catch (Exception ex) when (ex is SshConnectionException || ex is SshException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                    cmd.Dispose();
                    Drop();
                    if (attempt == 0) continue;
                    cts.Dispose();
                    throw Lost(ex);
                }
            }
        }

        internal static bool WaitQuietly(Task t, TimeSpan span)
        {
            try { return t.Wait(span); }
            catch (AggregateException) { return true; }
        }

        private static void CloseQuietly(Stream stream)
        {
            try { stream.Dispose(); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException) { }
        }

        internal SshHostException Lost(Exception ex) =>
            new SshHostException(Host, SshFailure.ConnectionLost,
                $"Host {Host}: the SSH connection was lost ({ex.Message}). It is reopened on next use.", ex);

        private void Drop()
        {
            lock (_gate)
            {
                _client?.Dispose();
                _client = null;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _client?.Dispose();
                _client = null;
                CloseTransport();
            }
        }
    }
}
