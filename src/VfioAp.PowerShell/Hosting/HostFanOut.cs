using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>What one host's work item produced: its objects, or the failure that stopped it.</summary>
    internal sealed class HostOutcome
    {
        public HostOutcome(ApSession session, IReadOnlyList<object>? results, Exception? failure)
        {
            Session = session;
            Results = results;
            Failure = failure;
        }

        public ApSession Session { get; }
        public IReadOnlyList<object>? Results { get; }
        public Exception? Failure { get; }
    }

    /// <summary>
    /// Runs per-host work on at most <c>limit</c> worker threads and hands the outcomes back to the pipeline thread,
    /// which alone writes to the pipeline. Dedicated threads, not the thread pool: a host read blocks (SSH, a slow
    /// disk), and the pool's slow growth would serialize a fan-out over many hosts.
    /// </summary>
    internal sealed class HostFanOut : IDisposable
    {
        private readonly int _limit;
        private readonly object _gate = new object();
        private readonly Queue<(ApSession Session, Func<IReadOnlyList<object>> Work)> _pending = new Queue<(ApSession, Func<IReadOnlyList<object>>)>();
        private readonly BlockingCollection<HostOutcome> _done = new BlockingCollection<HostOutcome>();
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private int _workers;
        private int _enqueued;
        private int _taken;

        public HostFanOut(int limit)
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
            _limit = limit;
        }

        /// <summary>Work items handed in so far.</summary>
        public int Total => Volatile.Read(ref _enqueued);

        /// <summary>Outcomes handed back so far.</summary>
        public int Completed => Volatile.Read(ref _taken);

        public void Enqueue(ApSession session, Func<IReadOnlyList<object>> work)
        {
            bool startWorker;
            lock (_gate)
            {
                _pending.Enqueue((session, work));
                _enqueued++;
                startWorker = _workers < _limit;
                if (startWorker) _workers++;
            }
            if (startWorker)
                new Thread(WorkerLoop) { IsBackground = true, Name = "VfioAp host fan-out" }.Start();
        }

        /// <summary>
        /// The next finished host's outcome. Without <paramref name="wait"/> it returns only what is already finished;
        /// with it, it blocks until a host finishes, and returns false once every enqueued item has been taken.
        /// </summary>
        public bool TryTake(bool wait, out HostOutcome? outcome)
        {
            outcome = null;
            if (Completed >= Total) return false;
            if (!wait) 
            {
                if (!_done.TryTake(out var o)) return false;
                outcome = o;
            }
            else
            {
                outcome = _done.Take(_cancel.Token);
            }
            Interlocked.Increment(ref _taken);
            return true;
        }

        /// <summary>Stops waiting (Ctrl+C). Reads already in flight finish in the background and are discarded.</summary>
        public void Cancel()
        {
            lock (_gate) _pending.Clear();
            _cancel.Cancel();
        }

        private void WorkerLoop()
        {
            while (true)
            {
                (ApSession Session, Func<IReadOnlyList<object>> Work) item;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _workers--;
                        return;
                    }
                    item = _pending.Dequeue();
                }
                HostOutcome outcome;
                try
                {
                    outcome = new HostOutcome(item.Session, item.Work(), null);
                }
                catch (Exception e)
                {
                    outcome = new HostOutcome(item.Session, null, e);
                }
                if (_cancel.IsCancellationRequested) continue;
                _done.Add(outcome);
            }
        }

        public void Dispose()
        {
            Cancel();
            _cancel.Dispose();
        }
    }
}
