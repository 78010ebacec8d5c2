using System;
using System.Runtime.InteropServices;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.SimFs.Interop;

namespace VfioAp.SimFs
{
    /// <summary>
    /// The functions libfuse calls, in its C frames: each finds the mount's <see cref="SysfsFuseOperations"/>, turns
    /// the raw path into the tree's, and answers every exception with an errno, because none may unwind into libfuse.
    /// The changes sysfs never allows (mknod, mkdir, unlink, rename, chmod …) are answered here with sysfs's errno.
    /// </summary>
    internal static unsafe class FuseEntryPoints
    {
        /// <summary>The operations table handed to <c>fuse_new</c>; null slots get libfuse's ENOSYS or its documented default.</summary>
        public static FuseOperations Table()
        {
            var ops = new FuseOperations
            {
                Getattr = (IntPtr)(delegate* unmanaged<byte*, LinuxStat*, FuseFileInfo*, int>)&OnGetattr,
                Readlink = (IntPtr)(delegate* unmanaged<byte*, byte*, nuint, int>)&OnReadlink,
                Mknod = (IntPtr)(delegate* unmanaged<byte*, uint, ulong, int>)&OnMknod,
                Mkdir = (IntPtr)(delegate* unmanaged<byte*, uint, int>)&OnMkdir,
                Unlink = (IntPtr)(delegate* unmanaged<byte*, int>)&OnRemoveEntry,
                Rmdir = (IntPtr)(delegate* unmanaged<byte*, int>)&OnRemoveEntry,
                Symlink = (IntPtr)(delegate* unmanaged<byte*, byte*, int>)&OnTwoPathChange,
                Rename = (IntPtr)(delegate* unmanaged<byte*, byte*, uint, int>)&OnRename,
                Link = (IntPtr)(delegate* unmanaged<byte*, byte*, int>)&OnTwoPathChange,
                Chmod = (IntPtr)(delegate* unmanaged<byte*, uint, FuseFileInfo*, int>)&OnChmod,
                Chown = (IntPtr)(delegate* unmanaged<byte*, uint, uint, FuseFileInfo*, int>)&OnChown,
                Truncate = (IntPtr)(delegate* unmanaged<byte*, long, FuseFileInfo*, int>)&OnTruncate,
                Open = (IntPtr)(delegate* unmanaged<byte*, FuseFileInfo*, int>)&OnOpen,
                Read = (IntPtr)(delegate* unmanaged<byte*, byte*, nuint, long, FuseFileInfo*, int>)&OnRead,
                Write = (IntPtr)(delegate* unmanaged<byte*, byte*, nuint, long, FuseFileInfo*, int>)&OnWrite,
                Release = (IntPtr)(delegate* unmanaged<byte*, FuseFileInfo*, int>)&OnRelease,
                Readdir = (IntPtr)(delegate* unmanaged<byte*, IntPtr, IntPtr, long, FuseFileInfo*, int, int>)&OnReaddir,
                Create = (IntPtr)(delegate* unmanaged<byte*, uint, FuseFileInfo*, int>)&OnCreate,
                Utimens = (IntPtr)(delegate* unmanaged<byte*, IntPtr, FuseFileInfo*, int>)&OnUtimens,
            };
            return ops;
        }

        /// <summary>The answer for an exception from the tree: the kernel's errno for a <see cref="SysfsException"/>, EIO (and a log line) for a bug.</summary>
        private static int Fail(SysfsFuseOperations? fs, string operation, string path, Exception e)
        {
            Action<string> log = fs is null ? Console.Error.WriteLine : fs.Log;
            try
            {
                if (e is SysfsException sysfs)
                {
                    // The daemon's account of each refusal, so whoever drives the mount can see why a write failed.
                    var detail = sysfs.Detail is null ? "" : " (" + sysfs.Detail.Replace("\n", "; ") + ")";
                    log($"vfioap-simfs: {operation} /{path}: {ErrnoText.Describe(sysfs.Error)}{detail}");
                    return -(int)sysfs.Error;
                }
                log($"vfioap-simfs: {operation} /{path} failed inside the simulated tree, answering EIO: {e}");
            }
            catch (Exception)
            {
                // Logging must not unwind into libfuse's C frames either.
            }
            return -(int)Errno.EIO;
        }

        /// <summary>FUSE paths are absolute within the mount ("/bus/ap/apmask"); the tree's are relative ("bus/ap/apmask", "" = root).</summary>
        private static string TreePath(byte* rawPath)
        {
            var path = rawPath is null ? "" : Marshal.PtrToStringUTF8((IntPtr)rawPath) ?? "";
            return path.TrimStart('/');
        }

        /// <summary>The instance this mount was created with, handed to <c>fuse_new</c> as private data.</summary>
        private static SysfsFuseOperations Current()
        {
            var context = LibFuse.GetContext();
            return (SysfsFuseOperations)GCHandle.FromIntPtr(context->PrivateData).Target!;
        }

        // ---- entry points called by libfuse; no exception may unwind into its C frames ----

        [UnmanagedCallersOnly]
        private static int OnGetattr(byte* path, LinuxStat* st, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Getattr(p, st); }
            catch (Exception e) { return Fail(fs, "getattr", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnReadlink(byte* path, byte* buffer, nuint size)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Readlink(p, buffer, size); }
            catch (Exception e) { return Fail(fs, "readlink", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnOpen(byte* path, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Open(p, fi); }
            catch (Exception e) { return Fail(fs, "open", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnRead(byte* path, byte* buffer, nuint size, long offset, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Read(p, buffer, size, offset, fi); }
            catch (Exception e) { return Fail(fs, "read", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnWrite(byte* path, byte* buffer, nuint size, long offset, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Write(p, buffer, size); }
            catch (Exception e) { return Fail(fs, "write", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnRelease(byte* path, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null;
            try { fs = Current(); fs.Release(fi->FileHandle); return 0; }
            catch (Exception e) { return Fail(fs, "release", "", e); }
        }

        [UnmanagedCallersOnly]
        private static int OnReaddir(byte* path, IntPtr buffer, IntPtr filler, long offset, FuseFileInfo* fi, int flags)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Readdir(p, buffer, filler); }
            catch (Exception e) { return Fail(fs, "readdir", p, e); }
        }

        [UnmanagedCallersOnly]
        private static int OnTruncate(byte* path, long size, FuseFileInfo* fi)
        {
            SysfsFuseOperations? fs = null; string p = "";
            try { fs = Current(); p = TreePath(path); return fs.Truncate(p); }
            catch (Exception e) { return Fail(fs, "truncate", p, e); }
        }

        // A new name in sysfs: the VFS finds no create method on a kernfs directory (lookup_open) and answers EACCES.
        [UnmanagedCallersOnly]
        private static int OnCreate(byte* path, uint mode, FuseFileInfo* fi) => -(int)Errno.EACCES;

        // vfs_mknod, vfs_unlink, vfs_rmdir, vfs_symlink, vfs_link, kernfs_iop_rename/mkdir: EPERM on sysfs.
        [UnmanagedCallersOnly]
        private static int OnMknod(byte* path, uint mode, ulong device) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnMkdir(byte* path, uint mode) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnRemoveEntry(byte* path) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnTwoPathChange(byte* from, byte* to) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnRename(byte* from, byte* to, uint flags) => -(int)Errno.EPERM;

        // Real sysfs lets root change an attribute's mode, owner and times (kernfs_iop_setattr). The tree has no place to keep
        // them, and pretending would show a change that did not happen, so the simulation refuses with EPERM.
        [UnmanagedCallersOnly]
        private static int OnChmod(byte* path, uint mode, FuseFileInfo* fi) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnChown(byte* path, uint uid, uint gid, FuseFileInfo* fi) => -(int)Errno.EPERM;

        [UnmanagedCallersOnly]
        private static int OnUtimens(byte* path, IntPtr times, FuseFileInfo* fi) => -(int)Errno.EPERM;
    }
}
