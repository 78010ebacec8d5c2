using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// A loop over many small blocking items (file reads) on dedicated threads, at most one per core, the calling
    /// thread being one of them. Never on the thread pool: a read blocks in the kernel (or in a FUSE server), and
    /// blocked pool threads make the pool grow by its slow heuristics while SSH.NET's and PowerShell's async work
    /// waits behind them. A few short-lived threads cost less than one pool injection.
    /// </summary>
    internal static class DedicatedThreads
    {
        /// <summary>How many threads <see cref="For{T}"/> uses for <paramref name="items"/>: one per core, fewer when each would get less than <paramref name="minItemsPerThread"/>.</summary>
        public static int For(int items, int minItemsPerThread) =>
            Math.Max(1, Math.Min(Environment.ProcessorCount, items / Math.Max(1, minItemsPerThread)));

        /// <summary>
        /// Runs <paramref name="body"/> for 0..count-1, items taken in chunks from a shared counter so a slow
        /// stretch does not hold one thread back; each thread has its own state, disposed when it ends. The first
        /// exception stops the others and is rethrown here.
        /// </summary>
        public static void For<T>(int count, int minItemsPerThread, int chunk, Func<T> newState, Action<T, int> body) where T : IDisposable
        {
            int threads = For(count, minItemsPerThread);
            int next = 0;
            Exception? failure = null;
            void Work()
            {
                try
                {
                    using var state = newState();
                    while (Volatile.Read(ref failure) is null)
                    {
                        int start = Interlocked.Add(ref next, chunk) - chunk;
                        if (start >= count) break;
                        int end = Math.Min(count, start + chunk);
                        for (int i = start; i < end; i++) body(state, i);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                }
            }
            var helpers = new Thread[threads - 1];
            for (int i = 0; i < helpers.Length; i++)
            {
                helpers[i] = new Thread(Work, 256 * 1024) { IsBackground = true, Name = "VfioAp local read " + (i + 1) };
                helpers[i].Start();
            }
            Work();
            foreach (var t in helpers) t.Join();
            if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }
}
