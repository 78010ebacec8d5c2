using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace VfioAp.Ssh
{
    /// <summary>Why a remote command was stopped before it ended by itself.</summary>
    internal enum CommandStop
    {
        None,
        /// <summary>The command timeout passed (waiting for output, reading it, or waiting for the exit).</summary>
        Timeout,
        /// <summary>More stdout arrived than <see cref="RemoteOutputLimits.MaxTotalBytes"/>, or more stderr than the library may hold.</summary>
        TooMuchOutput,
    }

    /// <summary>
    /// Watches one running remote command: its wall time against the command timeout in every state, and what the SSH
    /// library holds for it unread. SSH.NET acknowledges channel data as it arrives (it grants the server a new window
    /// whether or not anyone read the data), so a host that sends faster than the module parses, or floods stderr, which
    /// is only read at the end, would grow its buffers without bound; the watchdog stops the command before that.
    /// <para>
    /// The check runs on a timer (a short callback on the thread pool, as the keepalive does) and also from the reading
    /// thread after every line, so a stream that never blocks the reader is stopped in time even when the pool is busy.
    /// Stopping only signals: it closes the output stream (the reader's next read ends) and closes the connection on a
    /// thread of its own, since that waits for SSH.NET's receive thread.
    /// </para>
    /// </summary>
    internal sealed class CommandWatchdog : IDisposable
    {
        private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);
        private readonly Stream _stdout;
        private readonly Stream _stderr;
        private readonly TimeSpan _timeout;
        private readonly RemoteOutputLimits _limits;
        private readonly Action _end;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Timer _timer;
        private int _stop;
        private long _consumed;
        private volatile bool _disposed;

        public CommandWatchdog(Stream stdout, Stream stderr, TimeSpan timeout, RemoteOutputLimits limits, Action end)
        {
            _stdout = stdout;
            _stderr = stderr;
            _timeout = timeout <= TimeSpan.Zero ? Timeout.InfiniteTimeSpan : timeout;
            _limits = limits;
            _end = end;
            _timer = new Timer(_ => Check(), null, Period, Period);
        }

        /// <summary>Why the command was stopped; <see cref="CommandStop.None"/> while it was not.</summary>
        public CommandStop Stopped => (CommandStop)Volatile.Read(ref _stop);

        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>What is left of the command timeout (infinite when there is none).</summary>
        public TimeSpan Remaining =>
            _timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : _timeout - _clock.Elapsed is var r && r > TimeSpan.Zero ? r : TimeSpan.Zero;

        /// <summary>Told by the reader how many stdout bytes it has taken, so what the library still holds can be bounded too.</summary>
        public void Consumed(long bytes) => Volatile.Write(ref _consumed, bytes);

        /// <summary>Checks now; true when the command has been stopped.</summary>
        public bool Check()
        {
            if (Stopped != CommandStop.None) return true;
            if (_disposed) return false;
            if (_timeout != Timeout.InfiniteTimeSpan && _clock.Elapsed >= _timeout) return Stop(CommandStop.Timeout);
            if (Volatile.Read(ref _consumed) + Buffered(_stdout) > _limits.MaxTotalBytes || Buffered(_stderr) > _limits.MaxBufferedStderrBytes)
                return Stop(CommandStop.TooMuchOutput);
            return false;
        }

        /// <summary>Stops the command for <paramref name="why"/> (the first reason wins); true.</summary>
        public bool Stop(CommandStop why)
        {
            if (Interlocked.CompareExchange(ref _stop, (int)why, (int)CommandStop.None) != (int)CommandStop.None) return true;
            try { _stdout.Dispose(); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException) { }
            new Thread(() => _end()) { IsBackground = true, Name = "VfioAp SSH stop" }.Start();
            return true;
        }

        private static long Buffered(Stream s)
        {
            try { return s.Length; }
            catch (Exception ex) when (ex is NotSupportedException || ex is ObjectDisposedException || ex is IOException) { return 0; }
        }

        /// <summary>The command is over: a timer callback still in flight must not stop the connection's next command.</summary>
        public void Dispose()
        {
            _disposed = true;
            _timer.Dispose();
        }
    }
}
