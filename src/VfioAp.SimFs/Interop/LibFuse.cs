using System;
using System.Runtime.InteropServices;

namespace VfioAp.SimFs.Interop
{
    /// <summary>
    /// The libfuse 3 high-level API (Debian package <c>libfuse3-3</c>). Names resolve through <c>dlsym</c>, which picks each
    /// symbol's default version: <c>fuse_new@@FUSE_3.1</c> and <c>fuse_loop_mt@@FUSE_3.12</c> on libfuse 3.12 and later,
    /// whose signatures are the ones declared here; <see cref="FuseAvailability"/> refuses older libraries.
    /// </summary>
    internal static unsafe partial class LibFuse
    {
        public const string Library = "libfuse3.so.3";

        /// <summary>Lowest <c>fuse_version()</c> whose default <c>fuse_loop_mt</c> takes the 3.12 config pointer (null = defaults).</summary>
        public const int MinimumVersion = 312;

        [LibraryImport(Library, EntryPoint = "fuse_version")]
        public static partial int Version();

        [LibraryImport(Library, EntryPoint = "fuse_new")]
        public static partial IntPtr New(FuseArgs* args, FuseOperations* operations, nuint operationsSize, IntPtr privateData);

        [LibraryImport(Library, EntryPoint = "fuse_mount")]
        public static partial int Mount(IntPtr fuse, byte* mountpoint);

        /// <summary>Serves requests on worker threads until the session exits (unmount or <see cref="Exit"/>).</summary>
        [LibraryImport(Library, EntryPoint = "fuse_loop_mt")]
        public static partial int LoopMultiThreaded(IntPtr fuse, IntPtr loopConfig);

        [LibraryImport(Library, EntryPoint = "fuse_exit")]
        public static partial void Exit(IntPtr fuse);

        /// <summary>Closes the device and unmounts; a no-op unmount when the connection is already gone.</summary>
        [LibraryImport(Library, EntryPoint = "fuse_unmount")]
        public static partial void Unmount(IntPtr fuse);

        [LibraryImport(Library, EntryPoint = "fuse_destroy")]
        public static partial void Destroy(IntPtr fuse);

        [LibraryImport(Library, EntryPoint = "fuse_get_context")]
        public static partial FuseContext* GetContext();

        [LibraryImport(Library, EntryPoint = "fuse_opt_free_args")]
        public static partial void FreeArgs(FuseArgs* args);
    }

    /// <summary>The few libc calls the mount lifecycle needs.</summary>
    internal static unsafe partial class LibC
    {
        private const string Library = "libc";

        /// <summary><c>MNT_DETACH</c>: lazy unmount, so a shell still sitting in the tree does not keep the daemon alive.</summary>
        public const int MntDetach = 2;

        [LibraryImport(Library, EntryPoint = "umount2", SetLastError = true)]
        public static partial int Umount2(byte* target, int flags);

        [LibraryImport(Library, EntryPoint = "geteuid")]
        public static partial uint GetEffectiveUserId();
    }
}
