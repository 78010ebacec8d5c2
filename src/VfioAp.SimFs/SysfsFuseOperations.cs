using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.SimFs.Interop;

namespace VfioAp.SimFs
{
    /// <summary>
    /// The FUSE operations that make an <see cref="ISysfsTree"/> behave like sysfs (kernfs) to the processes reading it:
    /// attribute files are 4096 bytes long whatever they hold, a read at offset 0 runs the attribute's show function again
    /// (seq_file), every <c>write(2)</c> is one call of the store function with the kernel's errno as the result, truncation
    /// is accepted and ignored, and opening an attribute for an access it has no method for fails with EACCES even for root
    /// (<c>kernfs_fop_open</c>). The kernel keeps no names and no contents (see <see cref="FuseMount"/>), so every path walk
    /// and every read reaches the tree.
    /// </summary>
    internal sealed unsafe class SysfsFuseOperations
    {
        /// <summary>kernfs hands a store function at most one page (<c>kernfs_fop_write_iter</c>); PAGE_SIZE is 4 KiB on s390x.</summary>
        private const int PageSize = 4096;

        private readonly ISysfsTree _tree;
        private readonly Action<string> _log;
        private readonly long _mountTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private readonly ConcurrentDictionary<ulong, OpenAttribute> _open = new ConcurrentDictionary<ulong, OpenAttribute>();
        private long _nextHandle;

        /// <summary>Milliseconds a directory's subdirectory count is reused while nothing is written through the mount.</summary>
        private const long LinkCountLifetime = 1000;
        private readonly ConcurrentDictionary<string, LinkCount> _linkCounts = new ConcurrentDictionary<string, LinkCount>();
        private long _generation;
        private int _writesInProgress;

        public SysfsFuseOperations(ISysfsTree tree, Action<string> log)
        {
            _tree = tree;
            _log = log;
        }

        // ---- the operations, on the instance ----

        internal int Getattr(string path, LinuxStat* st)
        {
            var node = _tree.Lookup(path);
            if (node is null) return -(int)Errno.ENOENT;
            FillStat(path, node, st);
            return 0;
        }

        private void FillStat(string path, SysfsNode node, LinuxStat* st)
        {
            *st = default;
            switch (node.Kind)
            {
                case SysfsNodeKind.Directory:
                    st->Mode = LinuxStat.TypeDirectory | (uint)(node.Mode & 0x1ff);
                    // kernfs counts "." and ".." plus one link per subdirectory (kernfs_iop_getattr / set_nlink);
                    // find(1) relies on it to skip stat calls on leaves.
                    st->Nlink = 2 + (ulong)CountSubdirectories(path);
                    break;
                case SysfsNodeKind.File:
                    st->Mode = LinuxStat.TypeRegular | (uint)(node.Mode & 0x1ff);
                    st->Nlink = 1;
                    // Every sysfs attribute reports one page, whatever its show function prints.
                    st->Size = PageSize;
                    break;
                default:
                    st->Mode = LinuxStat.TypeSymlink | 0x1ff;
                    st->Nlink = 1;
                    break;
            }
            st->BlockSize = PageSize;
            st->AccessSeconds = st->ModifySeconds = st->ChangeSeconds = _mountTime;
        }

        /// <summary>
        /// Subdirectories of a directory. Counting means a lookup per entry (256 cards, 49152 links in a large host's
        /// <c>drivers/vfio_ap</c>) and every path walk asks for the link count of each directory on the way, so counts are
        /// kept until the next write through the mount, and for at most <see cref="LinkCountLifetime"/> in case the tree is
        /// changed by other means (the kernel's own attribute cache is as old, see <c>attr_timeout</c>).
        /// </summary>
        private int CountSubdirectories(string path)
        {
            long generation = Volatile.Read(ref _generation);
            bool stable = Volatile.Read(ref _writesInProgress) == 0;
            long now = Environment.TickCount64;
            if (stable && _linkCounts.TryGetValue(path, out var cached) && cached.Generation == generation && now - cached.Taken < LinkCountLifetime)
                return cached.Subdirectories;

            var names = _tree.List(path);
            if (names is null) return 0;
            int count = 0;
            foreach (var name in names)
                if (_tree.Lookup(Child(path, name))?.Kind == SysfsNodeKind.Directory) count++;

            // Kept only if no write began or ended while counting.
            if (stable && Volatile.Read(ref _writesInProgress) == 0 && Volatile.Read(ref _generation) == generation)
                _linkCounts[path] = new LinkCount(generation, now, count);
            return count;
        }

        internal int Readlink(string path, byte* buffer, nuint size)
        {
            var node = _tree.Lookup(path);
            if (node is null) return -(int)Errno.ENOENT;
            if (node.Kind != SysfsNodeKind.Symlink || node.LinkTarget is null) return -(int)Errno.EINVAL;
            if (size == 0) return -(int)Errno.EINVAL;
            // libfuse wants a NUL-terminated target, truncated to fit like readlink(2) truncates.
            var bytes = Encoding.UTF8.GetBytes(node.LinkTarget);
            int n = (int)Math.Min((ulong)bytes.Length, size - 1);
            Marshal.Copy(bytes, 0, (IntPtr)buffer, n);
            buffer[n] = 0;
            return 0;
        }

        internal int Open(string path, FuseFileInfo* fi)
        {
            var node = _tree.Lookup(path);
            if (node is null) return -(int)Errno.ENOENT;
            if (node.Kind == SysfsNodeKind.Directory) return -(int)Errno.EISDIR;
            int access = fi->Flags & 3; // O_ACCMODE: 0 read, 1 write, 2 read+write
            bool wantsRead = access != 1, wantsWrite = access != 0;
            // kernfs_fop_open refuses an access the attribute has no show/store for, with EACCES even for root.
            if (wantsRead && (node.Mode & 0x124) == 0) return -(int)Errno.EACCES;
            if (wantsWrite && (node.Mode & 0x92) == 0) return -(int)Errno.EACCES;
            ulong handle = (ulong)Interlocked.Increment(ref _nextHandle);
            _open[handle] = new OpenAttribute(path);
            fi->FileHandle = handle;
            // No page cache: each read(2) and write(2) must reach the tree, as each reaches show/store in sysfs.
            fi->Bits |= FuseFileInfo.DirectIoBit;
            return 0;
        }

        internal int Read(string path, byte* buffer, nuint size, long offset, FuseFileInfo* fi)
        {
            if (!_open.TryGetValue(fi->FileHandle, out var file)) file = new OpenAttribute(path);
            byte[] text;
            lock (file)
            {
                // seq_file semantics: reading from offset 0 runs show again; later offsets continue the same snapshot.
                if (offset == 0 || file.Snapshot is null)
                    file.Snapshot = Encoding.UTF8.GetBytes(_tree.Read(path));
                text = file.Snapshot;
            }
            if (offset >= text.Length) return 0;
            int n = (int)Math.Min((ulong)(text.Length - offset), size);
            Marshal.Copy(text, (int)offset, (IntPtr)buffer, n);
            return n;
        }

        internal int Write(string path, byte* buffer, nuint size)
        {
            // sysfs_kf_write: an empty write never reaches the store function.
            if (size == 0) return 0;
            int n = (int)Math.Min(size, (nuint)PageSize);
            // One char per byte, exactly the bytes the store function would see; the tree's parser rejects anything else.
            var value = Encoding.Latin1.GetString(buffer, n);
            Interlocked.Increment(ref _writesInProgress);
            try
            {
                _tree.Write(path, value);
            }
            finally
            {
                // Any store may add or remove directories (create, remove, a mask moving queues): forget the link counts.
                Interlocked.Increment(ref _generation);
                _linkCounts.Clear();
                Interlocked.Decrement(ref _writesInProgress);
            }
            return n;
        }

        internal int Readdir(string path, IntPtr buffer, IntPtr filler)
        {
            var names = _tree.List(path);
            if (names is null) return _tree.Lookup(path) is null ? -(int)Errno.ENOENT : -(int)Errno.ENOTDIR;
            var fill = (delegate* unmanaged<IntPtr, byte*, LinuxStat*, long, int, int>)filler;
            AddEntry(fill, buffer, ".", null);
            AddEntry(fill, buffer, "..", null);
            foreach (var name in names)
            {
                // Give the entry's type, so readdir reports d_type as sysfs does and ls/find need not stat each entry.
                var node = _tree.Lookup(Child(path, name));
                if (node is null) continue; // vanished between List and Lookup (an mdev removed meanwhile)
                LinuxStat st = default;
                st.Mode = node.Kind switch
                {
                    SysfsNodeKind.Directory => LinuxStat.TypeDirectory,
                    SysfsNodeKind.File => LinuxStat.TypeRegular,
                    _ => LinuxStat.TypeSymlink,
                } | (uint)(node.Mode & 0x1ff);
                if (AddEntry(fill, buffer, name, &st) != 0) break; // libfuse's buffer is full
            }
            return 0;
        }

        private static int AddEntry(delegate* unmanaged<IntPtr, byte*, LinuxStat*, long, int, int> fill, IntPtr buffer, string name, LinuxStat* st)
        {
            int length = Encoding.UTF8.GetByteCount(name);
            byte* bytes = stackalloc byte[length + 1];
            Encoding.UTF8.GetBytes(name, new Span<byte>(bytes, length));
            bytes[length] = 0;
            return fill(buffer, bytes, st, 0, 0);
        }

        internal int Truncate(string path)
        {
            var node = _tree.Lookup(path);
            if (node is null) return -(int)Errno.ENOENT;
            if (node.Kind == SysfsNodeKind.Directory) return -(int)Errno.EISDIR;
            // kernfs_iop_setattr ignores a size change: "echo x > attr" opens with O_TRUNC and must not fail on it.
            return 0;
        }

        private static string Child(string path, string name) => path.Length == 0 ? name : path + "/" + name;

        /// <summary>Where the daemon reports refusals and failures.</summary>
        internal void Log(string line) => _log(line);

        /// <summary>The kernel forgets an open file's snapshot on the last close.</summary>
        internal void Release(ulong handle) => _open.TryRemove(handle, out _);

        private readonly struct LinkCount
        {
            public LinkCount(long generation, long taken, int subdirectories)
            {
                Generation = generation;
                Taken = taken;
                Subdirectories = subdirectories;
            }

            public long Generation { get; }
            public long Taken { get; }
            public int Subdirectories { get; }
        }

        /// <summary>One open attribute: the text its show function printed for the read that started at offset 0.</summary>
        private sealed class OpenAttribute
        {
            public OpenAttribute(string path) => Path = path;
            public string Path { get; }
            public byte[]? Snapshot { get; set; }
        }
    }
}
