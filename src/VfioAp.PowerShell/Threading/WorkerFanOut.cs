using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace VfioAp.PowerShell.Threading
{
    /// <summary>What one work item produced: its value, or the failure that stopped it.</summary>
    internal sealed class FanOutResult<TKey, T>
    {
        public FanOutResult(TKey key, T value, Exception? failure)
        {
            Key = key;
            Value = value;
            Failure = failure;
        }

        /// <summary>What the work was for (a session, a host's index).</summary>
        public TKey Key { get; }
        /// <summary>The work's value; default when it failed.</summary>
        public T Value { get; }
        public Exception? Failure { get; }
    }

    /// <summary>
    /// The module's one fan-out: work items (a host's read, its change, an SSH login) run on at most <c>limit</c>
    /// dedicated threads, and their results come back to the pipeline thread, which alone writes to the pipeline.
    /// Dedicated threads, not the thread pool: each item blocks (SSH, a slow disk, the host's lock), and the pool's slow
    /// growth — about one thread a second — would serialize a fan-out over many hosts, and on Linux SSH.NET's
    /// synchronous connect waits for a completion the pool itself must run. Workers can also hand the pipeline thread
    /// something to do meanwhile (<see cref="Post"/>: a Write-Progress for a wait on a host's lock).
    /// </summary>
    internal sealed class WorkerFanOut<TKey, T> : IDisposable
    {
        private readonly int _limit;
        private readonly string _threadName;
        private readonly object _gate = new object();
        private readonly Queue<(TKey Key, Func<T> Work)> _pending = new Queue<(TKey, Func<T>)>();
        private readonly BlockingCollection<object> _done = new BlockingCollection<object>();
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private int _workers;
        private int _enqueued;
        private int _taken;

        public WorkerFanOut(int limit, string threadName = "VfioAp fan-out")
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
            _limit = limit;
            _threadName = threadName;
        }

        /// <summary>Work items handed in so far.</summary>
        public int Total => Volatile.Read(ref _enqueued);

        /// <summary>Results handed back so far.</summary>
        public int Completed => Volatile.Read(ref _taken);

        public void Enqueue(TKey key, Func<T> work)
        {
            bool startWorker;
            lock (_gate)
            {
                _pending.Enqueue((key, work));
                _enqueued++;
                startWorker = _workers < _limit;
                if (startWorker) _workers++;
            }
            if (startWorker)
                new Thread(WorkerLoop) { IsBackground = true, Name = _threadName }.Start();
        }

        /// <summary>From a worker: runs <paramref name="onConsumerThread"/> on the thread that takes the results, before its next result.</summary>
        public void Post(Action onConsumerThread)
        {
            if (!_cancel.IsCancellationRequested) _done.Add(onConsumerThread);
        }

        /// <summary>
        /// The next finished item's result, running what workers posted meanwhile. Without <paramref name="wait"/> it
        /// returns only what is already finished; with it, it blocks until an item finishes, and returns false once every
        /// enqueued item has been taken. Ctrl+C (<see cref="Cancel"/>) while waiting throws OperationCanceledException.
        /// </summary>
        public bool TryTake(bool wait, out FanOutResult<TKey, T>? result)
        {
            result = null;
            while (Completed < Total)
            {
                object? next;
                if (!wait)
                {
                    if (!_done.TryTake(out next) || next is null) return false;
                }
                else
                {
                    next = _done.Take(_cancel.Token);
                }
                if (next is Action posted)
                {
                    posted();
                    continue;
                }
                result = (FanOutResult<TKey, T>)next;
                Interlocked.Increment(ref _taken);
                return true;
            }
            return false;
        }

        /// <summary>Stops waiting (Ctrl+C): no item not yet started starts; items in flight finish in the background and are discarded.</summary>
        public void Cancel()
        {
            lock (_gate) _pending.Clear();
            _cancel.Cancel();
        }

        private void WorkerLoop()
        {
            while (true)
            {
                (TKey Key, Func<T> Work) item;
                lock (_gate)
                {
                    if (_pending.Count == 0)
                    {
                        _workers--;
                        return;
                    }
                    item = _pending.Dequeue();
                }
                FanOutResult<TKey, T> result;
                try
                {
                    result = new FanOutResult<TKey, T>(item.Key, item.Work(), null);
                }
                catch (Exception e)
                {
                    result = new FanOutResult<TKey, T>(item.Key, default!, e);
                }
                if (_cancel.IsCancellationRequested) continue;
                _done.Add(result);
            }
        }

        public void Dispose()
        {
            Cancel();
            _cancel.Dispose();
        }
    }
}
