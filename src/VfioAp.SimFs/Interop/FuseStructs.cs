using System;
using System.Runtime.InteropServices;

namespace VfioAp.SimFs.Interop
{
    /// <summary>
    /// <c>struct fuse_operations</c> of libfuse 3 (<c>include/fuse.h</c>, checked against the installed 3.14 header:
    /// 42 function pointers, 336 bytes). Order is the ABI; every slot is listed so a shifted field cannot go unnoticed.
    /// A null slot makes libfuse answer ENOSYS (or its documented default).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FuseOperations
    {
        public IntPtr Getattr;
        public IntPtr Readlink;
        public IntPtr Mknod;
        public IntPtr Mkdir;
        public IntPtr Unlink;
        public IntPtr Rmdir;
        public IntPtr Symlink;
        public IntPtr Rename;
        public IntPtr Link;
        public IntPtr Chmod;
        public IntPtr Chown;
        public IntPtr Truncate;
        public IntPtr Open;
        public IntPtr Read;
        public IntPtr Write;
        public IntPtr Statfs;
        public IntPtr Flush;
        public IntPtr Release;
        public IntPtr Fsync;
        public IntPtr Setxattr;
        public IntPtr Getxattr;
        public IntPtr Listxattr;
        public IntPtr Removexattr;
        public IntPtr Opendir;
        public IntPtr Readdir;
        public IntPtr Releasedir;
        public IntPtr Fsyncdir;
        public IntPtr Init;
        public IntPtr Destroy;
        public IntPtr Access;
        public IntPtr Create;
        public IntPtr Lock;
        public IntPtr Utimens;
        public IntPtr Bmap;
        public IntPtr Ioctl;
        public IntPtr Poll;
        public IntPtr WriteBuf;
        public IntPtr ReadBuf;
        public IntPtr Flock;
        public IntPtr Fallocate;
        public IntPtr CopyFileRange;
        public IntPtr Lseek;

        /// <summary>What <c>sizeof(struct fuse_operations)</c> is in libfuse 3.14 on a 64-bit host.</summary>
        public const int NativeSize = 42 * 8;
    }

    /// <summary>
    /// <c>struct fuse_file_info</c> (<c>include/fuse_common.h</c>, 40 bytes): <c>int flags</c>, then a 32-bit word of bitfields
    /// (bit 0 writepage, bit 1 direct_io, bit 2 keep_cache, bit 3 flush, bit 4 nonseekable, …), 32 bits of padding,
    /// <c>uint64_t fh</c>, <c>uint64_t lock_owner</c>, <c>uint32_t poll_events</c>. Bit positions were checked by compiling
    /// against the installed header (direct_io = 0x2, nonseekable = 0x10 in the second word).
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct FuseFileInfo
    {
        [FieldOffset(0)] public int Flags;
        [FieldOffset(4)] public uint Bits;
        [FieldOffset(16)] public ulong FileHandle;
        [FieldOffset(24)] public ulong LockOwner;
        [FieldOffset(32)] public uint PollEvents;

        public const uint DirectIoBit = 1u << 1;
    }

    /// <summary><c>struct fuse_args</c> (<c>include/fuse_opt.h</c>).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct FuseArgs
    {
        public int Argc;
        public byte** Argv;
        public int Allocated;
    }

    /// <summary><c>struct fuse_context</c> (<c>include/fuse.h</c>): only the fields this file system reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct FuseContext
    {
        [FieldOffset(0)] public IntPtr Fuse;
        [FieldOffset(8)] public uint Uid;
        [FieldOffset(12)] public uint Gid;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(24)] public IntPtr PrivateData;
        [FieldOffset(32)] public uint Umask;
    }

    /// <summary>
    /// glibc's <c>struct stat</c> on x86_64 (144 bytes; offsets checked with offsetof against the installed headers).
    /// Other architectures lay it out differently; <see cref="FuseAvailability"/> refuses them rather than guess.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    internal struct LinuxStat
    {
        [FieldOffset(0)] public ulong Dev;
        [FieldOffset(8)] public ulong Ino;
        [FieldOffset(16)] public ulong Nlink;
        [FieldOffset(24)] public uint Mode;
        [FieldOffset(28)] public uint Uid;
        [FieldOffset(32)] public uint Gid;
        [FieldOffset(40)] public ulong Rdev;
        [FieldOffset(48)] public long Size;
        [FieldOffset(56)] public long BlockSize;
        [FieldOffset(64)] public long Blocks;
        [FieldOffset(72)] public long AccessSeconds;
        [FieldOffset(80)] public long AccessNanoseconds;
        [FieldOffset(88)] public long ModifySeconds;
        [FieldOffset(96)] public long ModifyNanoseconds;
        [FieldOffset(104)] public long ChangeSeconds;
        [FieldOffset(112)] public long ChangeNanoseconds;

        public const uint TypeDirectory = 0x4000;  // S_IFDIR
        public const uint TypeRegular = 0x8000;    // S_IFREG
        public const uint TypeSymlink = 0xA000;    // S_IFLNK
    }
}
