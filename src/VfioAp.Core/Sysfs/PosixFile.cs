using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// open/read/write/readlink straight from libc. .NET folds several errnos into one exception type
    /// (EACCES, EPERM and EISDIR all become UnauthorizedAccessException), and a sysfs store's errno is the
    /// kernel's answer, so the module must see it unchanged.
    /// </summary>
    internal static class PosixFile
    {
        private const int O_RDONLY = 0, O_WRONLY = 1, O_CLOEXEC = 0x80000, O_NOFOLLOW = 0x20000;
        private const int EINTR = 4;

        public static bool Available { get; } = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public static Errno WriteOnce(string path, byte[] bytes)
        {
            int fd = open(Z(path), O_WRONLY | O_CLOEXEC);
            if (fd < 0) return LastErrno();
            try
            {
                long n;
                do { n = write(fd, bytes, (IntPtr)bytes.Length); } while (n < 0 && Marshal.GetLastWin32Error() == EINTR);
                if (n < 0) return LastErrno();
                return n == bytes.Length ? Errno.None : Errno.EIO;
            }
            finally
            {
                close(fd);
            }
        }

        public static Errno ReadAll(string path, out string? text)
        {
            text = null;
            int fd = open(Z(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) return LastErrno();
            try
            {
                var buf = new byte[4096];
                using var ms = new MemoryStream();
                while (true)
                {
                    long n = read(fd, buf, (IntPtr)buf.Length);
                    if (n < 0)
                    {
                        if (Marshal.GetLastWin32Error() == EINTR) continue;
                        return LastErrno();
                    }
                    if (n == 0) break;
                    ms.Write(buf, 0, (int)n);
                }
                text = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
                return Errno.None;
            }
            finally
            {
                close(fd);
            }
        }

        public static string? ReadLink(string path)
        {
            var buf = new byte[4096];
            long n = readlink(Z(path), buf, (IntPtr)buf.Length);
            return n < 0 ? null : Encoding.UTF8.GetString(buf, 0, (int)n);
        }

        private static Errno LastErrno() => (Errno)Marshal.GetLastWin32Error();

        // The batch reader's calls (LocalTreeReader): the caller keeps a NUL-terminated path and a pinned buffer per
        // thread, so a file costs open, read until 0, close and no allocation beyond its value.

        /// <summary>
        /// open(2) read-only of a NUL-terminated UTF-8 path, not following a symlink in its last component (that fails
        /// with ELOOP): then ENOENT means nothing is there, not even a dangling link. The fd, or -1 with <paramref name="error"/>.
        /// </summary>
        public static int OpenReadNoFollow(byte[] zpath, out Errno error)
        {
            int fd;
            do { fd = open(zpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW); } while (fd < 0 && Marshal.GetLastWin32Error() == EINTR);
            error = fd < 0 ? LastErrno() : Errno.None;
            return fd;
        }

        /// <summary>read(2) into pinned memory, retried on EINTR; the byte count, or -1 with <paramref name="error"/>.</summary>
        public static long Read(int fd, IntPtr into, int count, out Errno error)
        {
            long n;
            do { n = read(fd, into, (IntPtr)count); } while (n < 0 && Marshal.GetLastWin32Error() == EINTR);
            error = n < 0 ? LastErrno() : Errno.None;
            return n;
        }

        public static void Close(int fd) => close(fd);

        /// <summary>readlink(2) of a NUL-terminated path into <paramref name="target"/>; the length, or -1.</summary>
        public static int ReadLink(byte[] zpath, byte[] target) => (int)readlink(zpath, target, (IntPtr)target.Length);

        // netstandard2.0 cannot marshal UTF-8 strings; pass NUL-terminated bytes.
        private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

        [DllImport("libc", SetLastError = true)] private static extern int open(byte[] path, int flags);
        [DllImport("libc", SetLastError = true)] private static extern long read(int fd, byte[] buf, IntPtr count);
        [DllImport("libc", SetLastError = true)] private static extern long write(int fd, byte[] buf, IntPtr count);
        [DllImport("libc", SetLastError = true)] private static extern long read(int fd, IntPtr buf, IntPtr count);
        [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
        [DllImport("libc", SetLastError = true)] private static extern long readlink(byte[] path, byte[] buf, IntPtr bufsiz);
    }
}
