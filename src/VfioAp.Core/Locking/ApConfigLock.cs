using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using VfioAp.Core.Model;

namespace VfioAp.Core.Locking
{
    /// <summary>
    /// The host's AP configuration lock, as s390-tools takes it (libutil's util_lockfile, used by mdevctl's
    /// <c>ap-check</c> callout and the zcrypt tools): the holder writes <c>&lt;pid&gt;\n</c> to a private temporary file and
    /// link(2)s it to the lock path, which succeeds for exactly one process. A lock whose pid is gone (kill -0 says
    /// ESRCH) or that has held no pid for 120 s is stale and is removed. It is released by unlinking it, only while it
    /// still holds the holder's pid. Every change this module makes to a host holds it, so the module, mdevctl and other
    /// admins' tools take turns instead of overwriting each other's read-modify-write.
    /// <para>
    /// Over SSH the same protocol runs as POSIX sh inside the plan's one remote command (the holder is that shell).
    /// </para>
    /// </summary>
    public sealed class ApConfigLock : IDisposable
    {
        /// <summary>The lock's file name in <c>/run/lock</c>, as s390-tools names it.</summary>
        public const string FileName = "s390apconfig.lock";

        /// <summary>A lock file without a pid for this long is a leftover of a crashed holder (util_lockfile's WAITPID).</summary>
        public static readonly TimeSpan NoPidStaleAfter = TimeSpan.FromSeconds(120);

        private static int _tempCounter;
        private int _released;

        private ApConfigLock(string path, int pid)
        {
            Path = path;
            Pid = pid;
        }

        /// <summary>The lock file.</summary>
        public string Path { get; }
        /// <summary>The pid written to it: this process.</summary>
        public int Pid { get; }

        /// <summary>
        /// Where the lock of the host behind a sysfs root lives. A root whose last segment is <c>sys</c> is a host's (or a
        /// test root's) <c>/sys</c>: the lock is <c>run/lock/s390apconfig.lock</c> beside it, so <c>/sys</c> gives
        /// <c>/run/lock/s390apconfig.lock</c>. Any other tree (an exported or FUSE-mounted simulation) has no host around it:
        /// its lock is <c>/run/lock/s390apconfig.&lt;16 hex digits&gt;.lock</c>, the digits being FNV-1a-64 of the tree's
        /// absolute path, so every process (and every SSH session) using the same tree finds the same lock, and nothing is
        /// created inside the tree (sysfs, and a SimFs mount, refuse new files).
        /// </summary>
        public static string PathFor(string sysfsRoot)
        {
            if (string.IsNullOrEmpty(sysfsRoot)) throw new ArgumentException("The sysfs root must not be empty.", nameof(sysfsRoot));
            var root = sysfsRoot.TrimEnd('/');
            int slash = root.LastIndexOf('/');
            if (slash >= 0 && root.Substring(slash + 1) == "sys")
                return root.Substring(0, slash) + "/run/lock/" + FileName;
            return "/run/lock/s390apconfig." + Fnv1a64(root.Length == 0 ? "/" : root).ToString("x16") + ".lock";
        }

        internal static ulong Fnv1a64(string text)
        {
            ulong h = 14695981039346656037UL;
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                h ^= b;
                h *= 1099511628211UL;
            }
            return h;
        }

        /// <summary>This process's pid, as the lock file records it.</summary>
        public static int CurrentPid { get; } = Process.GetCurrentProcess().Id;

        /// <summary>
        /// Takes the lock, waiting up to <paramref name="timeout"/> while a live process holds it (reporting each wait to
        /// <paramref name="waiting"/>) and removing a stale one. Throws <see cref="ApConfigLockException"/> on timeout,
        /// cancellation, or when the lock file cannot be created at all.
        /// </summary>
        public static ApConfigLock Acquire(string host, string lockPath, TimeSpan timeout, CancellationToken cancel = default, Action<LockWait>? waiting = null)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
                throw new PlatformNotSupportedException("The AP configuration lock is a Linux lock file (link(2), kill(2)).");
            int pid = CurrentPid;
            // util_lockfile's temporary name is the lock path + pid + time; a counter keeps two threads of one process apart.
            var temp = lockPath + pid.ToString("D5") + ((int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() & 255)).ToString("x2") + "." + Interlocked.Increment(ref _tempCounter);
            var content = Encoding.ASCII.GetBytes(pid + "\n");
            int fd = open(Z(temp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0x1a4);
            if (fd < 0) throw ApConfigLockException.CannotCreate(host, lockPath, LastErrno(), "creating the temporary file " + temp);
            try
            {
                long n = write(fd, content, (IntPtr)content.Length);
                var writeErr = n == content.Length ? Errno.None : n < 0 ? LastErrno() : Errno.EIO;
                close(fd);
                if (writeErr != Errno.None) throw ApConfigLockException.CannotCreate(host, lockPath, writeErr, "writing the temporary file " + temp);

                var clock = Stopwatch.StartNew();
                int delayMs = 2;
                while (true)
                {
                    if (link(Z(temp), Z(lockPath)) == 0)
                        return new ApConfigLock(lockPath, pid);
                    var err = LastErrno();
                    if (err != Errno.EEXIST) throw ApConfigLockException.CannotCreate(host, lockPath, err, "link(2) to the lock path");
                    int holder = RemoveIfStale(lockPath, out bool removed);
                    if (removed) continue;
                    if (clock.Elapsed >= timeout) throw ApConfigLockException.TimedOut(host, lockPath, holder, clock.Elapsed);
                    waiting?.Invoke(new LockWait(host, lockPath, holder, clock.Elapsed, timeout));
                    var left = timeout - clock.Elapsed;
                    int sleep = (int)Math.Max(1, Math.Min(delayMs, left.TotalMilliseconds));
                    if (cancel.WaitHandle.WaitOne(sleep)) throw ApConfigLockException.Stopped(host, lockPath, holder);
                    // Short at first (a plan holds the lock for milliseconds), then at most 100 ms between looks.
                    delayMs = Math.Min(100, delayMs * 2);
                }
            }
            finally
            {
                unlink(Z(temp));
            }
        }

        /// <summary>
        /// util_lockfile's stale check: a pid that kill -0 reports gone (ESRCH; EPERM counts as alive), or no pid for
        /// 120 s since the file was last modified, makes the lock stale and it is removed. Returns the holder's pid (0 when none).
        /// </summary>
        private static int RemoveIfStale(string lockPath, out bool removed)
        {
            removed = false;
            int fd = open(Z(lockPath), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) { removed = true; return 0; } // gone meanwhile: try again at once
            int pid;
            try
            {
                var buf = new byte[40];
                long n = read(fd, buf, (IntPtr)(buf.Length - 1));
                pid = n > 0 ? LeadingInt(buf, (int)n) : 0;
            }
            finally
            {
                close(fd);
            }
            if (pid > 0)
            {
                if (kill(pid, 0) != 0 && LastErrno() == Errno.ESRCH)
                {
                    unlink(Z(lockPath));
                    removed = true;
                }
                return pid;
            }
            DateTime modified;
            try { modified = File.GetLastWriteTimeUtc(lockPath); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { removed = true; return 0; }
            if (DateTime.UtcNow > modified + NoPidStaleAfter)
            {
                unlink(Z(lockPath));
                removed = true;
            }
            return 0;
        }

        /// <summary>The pid a lock file holds now, 0 when it holds none or does not exist.</summary>
        public static int HolderOf(string lockPath)
        {
            int fd = open(Z(lockPath), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) return 0;
            try
            {
                var buf = new byte[40];
                long n = read(fd, buf, (IntPtr)(buf.Length - 1));
                return n > 0 ? LeadingInt(buf, (int)n) : 0;
            }
            finally
            {
                close(fd);
            }
        }

        /// <summary>atoi: leading blanks, then digits.</summary>
        private static int LeadingInt(byte[] buf, int n)
        {
            int i = 0, v = 0;
            while (i < n && (buf[i] == ' ' || buf[i] == '\t')) i++;
            for (; i < n && buf[i] >= '0' && buf[i] <= '9' && v < 100000000; i++) v = v * 10 + (buf[i] - '0');
            return v;
        }

        /// <summary>Releases the lock: unlinks it only while it still holds this process's pid (a lock taken over as stale is someone else's now).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0) return;
            if (HolderOf(Path) == Pid) unlink(Z(Path));
        }

        private const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_CLOEXEC = 0x80000;

        private static Errno LastErrno() => (Errno)Marshal.GetLastWin32Error();
        private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

        [DllImport("libc", SetLastError = true)] private static extern int open(byte[] path, int flags, int mode);
        [DllImport("libc", SetLastError = true)] private static extern long read(int fd, byte[] buf, IntPtr count);
        [DllImport("libc", SetLastError = true)] private static extern long write(int fd, byte[] buf, IntPtr count);
        [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
        [DllImport("libc", SetLastError = true)] private static extern int link(byte[] oldpath, byte[] newpath);
        [DllImport("libc", SetLastError = true)] private static extern int unlink(byte[] path);
        [DllImport("libc", SetLastError = true)] private static extern int kill(int pid, int sig);
    }
}
