using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using VfioAp.Core.Sysfs;
using VfioAp.SimFs.Interop;

namespace VfioAp.SimFs
{
    /// <summary>
    /// An <see cref="ISysfsTree"/> mounted with libfuse 3 at a directory and served on libfuse's worker threads until it is
    /// unmounted — by <see cref="RequestUnmount"/>, by <see cref="Dispose"/>, or from outside (<c>fusermount3 -u</c>).
    /// </summary>
    public sealed unsafe class FuseMount : IDisposable
    {
        private readonly Action<string> _log;
        private readonly List<IntPtr> _nativeStrings = new List<IntPtr>();
        private readonly Thread _loopThread;
        private readonly TaskCompletionSource<int> _loopResult = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        private GCHandle _self;
        private IntPtr _fuse;
        private FuseArgs* _args;
        private int _unmountRequested;
        private int _disposed;

        private FuseMount(string mountpoint, Action<string> log)
        {
            Mountpoint = mountpoint;
            _log = log;
            _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "fuse_loop_mt " + mountpoint };
        }

        /// <summary>The absolute directory the tree is mounted at.</summary>
        public string Mountpoint { get; }

        /// <summary>Completes with <c>fuse_loop_mt</c>'s result once the file system is no longer served.</summary>
        public Task<int> Served => _loopResult.Task;

        /// <summary>
        /// Mounts <paramref name="tree"/> at <paramref name="mountpoint"/>. Throws <see cref="FuseMountException"/> saying what is
        /// wrong (no FUSE, no such directory, a stale mount, libfuse's refusal) and what to do.
        /// </summary>
        public static FuseMount Start(ISysfsTree tree, string mountpoint, FuseMountOptions? options = null, Action<string>? log = null)
        {
            options ??= new FuseMountOptions();
            log ??= Console.Error.WriteLine;
            var reason = FuseAvailability.UnavailableReason;
            if (reason is not null) throw new FuseMountException("FUSE is not available: " + reason);
            var dir = Path.GetFullPath(mountpoint);
            CheckMountpoint(dir);

            var mount = new FuseMount(dir, log);
            try
            {
                mount.Create(new SysfsFuseOperations(tree, log), options);
                mount._loopThread.Start();
                return mount;
            }
            catch
            {
                mount.Dispose();
                throw;
            }
        }

        private static void CheckMountpoint(string dir)
        {
            FileAttributes attributes;
            try
            {
                attributes = File.GetAttributes(dir);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new FuseMountException($"Mountpoint {dir} does not exist: create it first (mkdir -p {dir}).");
            }
            catch (IOException e)
            {
                // ENOTCONN: the directory is still mounted by a SimFs that died without unmounting.
                throw new FuseMountException($"Mountpoint {dir} cannot be examined ({e.Message}); if a previous VfioAp.SimFs died there, run 'fusermount3 -u {dir}' and try again.");
            }
            if ((attributes & FileAttributes.Directory) == 0)
                throw new FuseMountException($"Mountpoint {dir} is not a directory.");
        }

        private void Create(SysfsFuseOperations operations, FuseMountOptions options)
        {
            _self = GCHandle.Alloc(operations);

            // Names and absent names change with writes (an mdev appears, a queue's driver link goes), so the kernel keeps no
            // name cache: every path walk asks the tree again, as every sysfs lookup asks kernfs, and each answer carries fresh
            // attributes. Attributes themselves may be kept for a second: they are fixed per name (type, mode, size 4096)
            // except a directory's link count, and keeping them halves the requests a find(1) makes. Contents are never
            // cached (direct_io on every open).
            var mountOptions = new StringBuilder("fsname=vfioap-simfs,subtype=vfioap-simfs,default_permissions,")
                .Append("entry_timeout=0,negative_timeout=0,attr_timeout=1");
            if (options.AllowOther) mountOptions.Append(",allow_other");
            var argv = new[] { "vfioap-simfs", "-o", mountOptions.ToString() };

            _args = (FuseArgs*)NativeMemory.AllocZeroed((nuint)sizeof(FuseArgs));
            var vector = (byte**)NativeMemory.AllocZeroed((nuint)((argv.Length + 1) * sizeof(byte*)));
            _nativeStrings.Add((IntPtr)vector);
            for (int i = 0; i < argv.Length; i++) vector[i] = NativeString(argv[i]);
            _args->Argc = argv.Length;
            _args->Argv = vector;

            var table = FuseEntryPoints.Table();
            _fuse = LibFuse.New(_args, &table, (nuint)sizeof(FuseOperations), GCHandle.ToIntPtr(_self));
            if (_fuse == IntPtr.Zero)
                throw new FuseMountException($"libfuse refused the options '{string.Join(" ", argv)}' (fuse_new failed; libfuse printed the reason on stderr).");

            if (LibFuse.Mount(_fuse, NativeString(Mountpoint)) != 0)
            {
                LibFuse.Destroy(_fuse);
                _fuse = IntPtr.Zero;
                throw new FuseMountException($"Mounting FUSE at {Mountpoint} failed (fuse_mount; libfuse printed the reason on stderr)." +
                    (options.AllowOther && !FuseAvailability.IsRoot ? " allow_other as non-root needs 'user_allow_other' in /etc/fuse.conf." : ""));
            }
        }

        private byte* NativeString(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            Marshal.Copy(bytes, 0, (IntPtr)p, bytes.Length);
            p[bytes.Length] = 0;
            _nativeStrings.Add((IntPtr)p);
            return p;
        }

        private void RunLoop()
        {
            try
            {
                // A null config asks libfuse 3.12+ for its defaults (fuse_loop_cfg_create).
                _loopResult.TrySetResult(LibFuse.LoopMultiThreaded(_fuse, IntPtr.Zero));
            }
            catch (Exception e)
            {
                _loopResult.TrySetException(e);
            }
        }

        /// <summary>
        /// Detaches the mount (lazily, so a shell sitting inside cannot block it). The kernel then ends the FUSE connection
        /// once nothing uses the mount any more, and the loop returns. Safe to call from a signal handler and more than once.
        /// </summary>
        public void RequestUnmount()
        {
            if (Interlocked.Exchange(ref _unmountRequested, 1) != 0 || _fuse == IntPtr.Zero) return;
            if (Served.IsCompleted) return;
            if (FuseAvailability.IsRoot)
            {
                var target = Encoding.UTF8.GetBytes(Mountpoint + "\0");
                fixed (byte* p = target)
                {
                    // EINVAL: no longer a mount point (already unmounted from outside): nothing to do.
                    if (LibC.Umount2(p, LibC.MntDetach) != 0 && Marshal.GetLastPInvokeError() != 22)
                        _log($"vfioap-simfs: umount2({Mountpoint}, MNT_DETACH) failed: {Marshal.GetLastPInvokeErrorMessage()}");
                }
                return;
            }
            RunFusermount("-u", "-z", Mountpoint);
        }

        private void RunFusermount(params string[] arguments)
        {
            var fusermount = FuseAvailability.FindFusermount() ?? "fusermount3";
            var start = new ProcessStartInfo(fusermount) { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                _log($"vfioap-simfs: {fusermount} {string.Join(" ", arguments)} failed ({process.ExitCode}): {error.Trim()}");
        }

        /// <summary>Unmounts (if still mounted), waits for the loop to end and frees libfuse's state.</summary>
        public void Dispose() => Dispose(TimeSpan.FromSeconds(10));

        /// <summary>
        /// As <see cref="Dispose()"/>, waiting at most <paramref name="loopTimeout"/> for the connection to end. If a process
        /// still holds files in the mount, libfuse's state is left for process exit to close rather than freed under the loop.
        /// </summary>
        public void Dispose(TimeSpan loopTimeout)
        {
            // Once, even when a signal's process exit and the normal end of Main race to it.
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (_fuse != IntPtr.Zero)
            {
                if (_loopThread.IsAlive || !Served.IsCompleted)
                {
                    RequestUnmount();
                    if (_loopThread.ThreadState != System.Threading.ThreadState.Unstarted && !_loopThread.Join(loopTimeout))
                    {
                        _log($"vfioap-simfs: {Mountpoint} is detached but a process still uses it, so the FUSE connection stays open until it lets go.");
                        return;
                    }
                }
                // After the loop: closes /dev/fuse; its unmount is skipped when the kernel already ended the connection.
                LibFuse.Unmount(_fuse);
                LibFuse.Destroy(_fuse);
                _fuse = IntPtr.Zero;
            }
            if (_args is not null)
            {
                // fuse_new may have replaced argv with a copy of its own (allocated = 1); that copy is libfuse's to free.
                if (_args->Allocated != 0) LibFuse.FreeArgs(_args);
                NativeMemory.Free(_args);
                _args = null;
            }
            foreach (var p in _nativeStrings) NativeMemory.Free((void*)p);
            _nativeStrings.Clear();
            if (_self.IsAllocated) _self.Free();
        }
    }

    public sealed class FuseMountOptions
    {
        /// <summary>Mount with <c>allow_other</c>, so users other than the mounting one (sshd's session user) can see the tree.</summary>
        public bool AllowOther { get; init; }
    }

    public sealed class FuseMountException : Exception
    {
        public FuseMountException(string message) : base(message) { }
    }
}
