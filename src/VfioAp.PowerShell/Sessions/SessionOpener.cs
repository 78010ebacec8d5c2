using System;
using System.Collections.Generic;
using System.Threading;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// Opens many hosts at once on at most <c>limit</c> dedicated threads and hands the results back in the order the
    /// hosts were given. Not the thread pool: opening an SSH session blocks (TCP connect, key exchange, login), and on
    /// Linux SSH.NET's synchronous connect waits for a socket completion that .NET runs as a thread-pool work item. A
    /// pool thread that blocks there waits for another pool thread; with few cores the pool grows by about one thread
    /// a second, so 20 hosts took 16 s and some ran into their connect timeout while merely queued. Here the waiting
    /// threads are our own, the pool stays free for the short completions, and each host's connect timeout starts when
    /// its connect starts.
    /// </summary>
    internal sealed class SessionOpener<TResult> : IDisposable
    {
        private readonly Func<int, TResult> _open;
        private readonly int _count;
        private readonly (TResult? Value, Exception? Error)[] _results;
        private readonly bool[] _done;
        private readonly object _gate = new object();
        private int _next;
        private volatile bool _stopped;

        public SessionOpener(int count, int limit, Func<int, TResult> open)
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
            _open = open ?? throw new ArgumentNullException(nameof(open));
            _count = count;
            _results = new (TResult?, Exception?)[count];
            _done = new bool[count];
            int threads = Math.Min(limit, count);
            for (int i = 0; i < threads; i++)
                new Thread(Work) { IsBackground = true, Name = "VfioAp session opener" }.Start();
        }

        /// <summary>The result of host <paramref name="index"/> (blocking until it is opened or failed); false once stopped.</summary>
        public bool TryGet(int index, out TResult? value, out Exception? error)
        {
            lock (_gate)
            {
                while (!_done[index] && !_stopped) Monitor.Wait(_gate);
                value = _results[index].Value;
                error = _results[index].Error;
                return _done[index];
            }
        }

        /// <summary>Ctrl+C: no further host is started; the pipeline thread stops waiting.</summary>
        public void Stop()
        {
            _stopped = true;
            lock (_gate) Monitor.PulseAll(_gate);
        }

        private void Work()
        {
            while (!_stopped)
            {
                int i = Interlocked.Increment(ref _next) - 1;
                if (i >= _count) return;
                (TResult?, Exception?) r;
                try { r = (_open(i), null); }
                catch (Exception e) { r = (default, e); }
                lock (_gate)
                {
                    _results[i] = r;
                    _done[i] = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }

        public void Dispose() => Stop();
    }
}
