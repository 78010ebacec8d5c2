namespace VfioAp.Core.Model
{
    /// <summary>Linux errno values (asm-generic numbering, as on s390x) that the AP bus and vfio_ap return.</summary>
    public enum Errno
    {
        None = 0,
        EPERM = 1,
        ENOENT = 2,
        ESRCH = 3,
        EIO = 5,
        EACCES = 13,
        EBUSY = 16,
        EEXIST = 17,
        ENODEV = 19,
        ENOTDIR = 20,
        EISDIR = 21,
        EINVAL = 22,
        ENOSPC = 28,
        EROFS = 30,
        ERANGE = 34,
        EUSERS = 87,
        EADDRINUSE = 98,
        EADDRNOTAVAIL = 99,
        ETIMEDOUT = 110,
    }

    public static class ErrnoText
    {
        /// <summary>The C library's strerror text, as a shell prints it (<c>echo: write error: No such device</c>).</summary>
        public static string Describe(Errno errno) => errno switch
        {
            Errno.None => "Success",
            Errno.EPERM => "Operation not permitted",
            Errno.ENOENT => "No such file or directory",
            Errno.ESRCH => "No such process",
            Errno.EIO => "Input/output error",
            Errno.EACCES => "Permission denied",
            Errno.EBUSY => "Device or resource busy",
            Errno.EEXIST => "File exists",
            Errno.ENODEV => "No such device",
            Errno.ENOTDIR => "Not a directory",
            Errno.EISDIR => "Is a directory",
            Errno.EINVAL => "Invalid argument",
            Errno.ENOSPC => "No space left on device",
            Errno.EROFS => "Read-only file system",
            Errno.ERANGE => "Numerical result out of range",
            Errno.EUSERS => "Too many users",
            Errno.EADDRINUSE => "Address already in use",
            Errno.EADDRNOTAVAIL => "Cannot assign requested address",
            Errno.ETIMEDOUT => "Connection timed out",
            _ => "errno " + (int)errno,
        };

        /// <summary>Maps a numeric errno (from a remote shell or a FUSE reply) back to the enum; unknown values keep their number.</summary>
        public static Errno FromNumber(int value) => (Errno)value;
    }
}
