using System;
using VfioAp.Core.Model;

namespace VfioAp.Core.Locking
{
    /// <summary>Why the host's AP configuration lock was not taken.</summary>
    public enum ApConfigLockFailure
    {
        /// <summary>Another process held it for longer than the caller would wait.</summary>
        Timeout,
        /// <summary>The caller stopped waiting (Ctrl+C).</summary>
        Cancelled,
        /// <summary>The lock file could not be created at all (a read-only or missing lock directory).</summary>
        Unavailable,
    }

    /// <summary>The AP configuration lock could not be taken; nothing was written to the host.</summary>
    public sealed class ApConfigLockException : Exception
    {
        public ApConfigLockException(ApConfigLockFailure failure, string host, string lockPath, int holderPid, Errno errno, string message)
            : base(message)
        {
            Failure = failure;
            Host = host;
            LockPath = lockPath;
            HolderPid = holderPid;
            Errno = errno;
        }

        public ApConfigLockFailure Failure { get; }
        public string Host { get; }
        public string LockPath { get; }
        /// <summary>The pid in the lock file when the wait ended (0 when none was read).</summary>
        public int HolderPid { get; }
        /// <summary>For <see cref="ApConfigLockFailure.Unavailable"/>: why the lock file could not be created.</summary>
        public Errno Errno { get; }

        public static ApConfigLockException TimedOut(string host, string lockPath, int holder, TimeSpan waited) =>
            new ApConfigLockException(ApConfigLockFailure.Timeout, host, lockPath, holder, Errno.None,
                $"Host '{host}': the AP configuration lock {lockPath} is held by pid {holder}{(holder == 0 ? " (no pid written yet)" : "")}; " +
                $"gave up after waiting {waited.TotalSeconds:0.#} s. Nothing was written.");

        public static ApConfigLockException Stopped(string host, string lockPath, int holder) =>
            new ApConfigLockException(ApConfigLockFailure.Cancelled, host, lockPath, holder, Errno.None,
                $"Host '{host}': stopped while waiting for the AP configuration lock {lockPath} (held by pid {holder}). Nothing was written.");

        public static ApConfigLockException CannotCreate(string host, string lockPath, Errno errno, string what) =>
            new ApConfigLockException(ApConfigLockFailure.Unavailable, host, lockPath, 0, errno,
                $"Host '{host}': the AP configuration lock {lockPath} cannot be taken: {what} failed: {ErrnoText.Describe(errno)} ({errno}). Nothing was written.");

        /// <summary>A lock held across a re-plan by a holder that is gone (its remote shell ended with its connection) before the write.</summary>
        public static ApConfigLockException Lost(string host, string lockPath, int heldBy, int holdsNow) =>
            new ApConfigLockException(ApConfigLockFailure.Unavailable, host, lockPath, holdsNow, Errno.None,
                $"Host '{host}': the AP configuration lock {lockPath} was to be held across the re-plan by pid {heldBy}, but holds " +
                $"{(holdsNow == 0 ? "no pid" : "pid " + holdsNow)}: the holder ended (its connection was lost). Nothing was written; run the change again.");
    }

    /// <summary>Who waits for the lock, for a progress message: the holder's pid (0 when the file holds none yet), and how long so far.</summary>
    public readonly struct LockWait
    {
        public LockWait(string host, string lockPath, int holderPid, TimeSpan waited, TimeSpan timeout)
        {
            Host = host;
            LockPath = lockPath;
            HolderPid = holderPid;
            Waited = waited;
            Timeout = timeout;
        }

        public string Host { get; }
        public string LockPath { get; }
        public int HolderPid { get; }
        public TimeSpan Waited { get; }
        public TimeSpan Timeout { get; }
        public override string ToString() =>
            $"waiting for the AP configuration lock held by pid {HolderPid} on host {Host} ({Waited.TotalSeconds:0} of {Timeout.TotalSeconds:0} s)";
    }
}
