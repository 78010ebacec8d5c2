using System;
using System.Runtime.InteropServices;
using System.Text;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The reads of one thread of a batch, with as little per file as .NET allows: the path encoded into a reused
    /// NUL-terminated buffer (no full-path string), one open, reads into a pinned buffer until one comes back short
    /// (sysfs claims 4096 bytes for every attribute, so the size is never trusted), one close; a link is one readlink;
    /// short values are shared (<see cref="RecentValues"/>). The errno of every answer is the one
    /// <see cref="SingleFileRead"/> gives: anything but success or a plain ENOENT goes there to be decided. Only a
    /// FIFO or a character device placed in a tree would read differently (up to its first short read, not to EOF).
    /// </summary>
    internal sealed class TreeFileReader : IDisposable
    {
        private byte[] _path = new byte[512];
        private byte[] _data = new byte[4096];
        private GCHandle _pin;
        private readonly byte[] _link = new byte[4096];
        private readonly RecentValues _values = new RecentValues();

        public TreeFileReader()
        {
            _pin = GCHandle.Alloc(_data, GCHandleType.Pinned);
        }

        public SysfsEntry? Read(in TreeRead item)
        {
            switch (item.Kind)
            {
                case SysfsQueryKind.Exists:
                    // A name a directory listing just returned is there (as a file, directory or link): no stat needed.
                    return item.Listed || SingleFileRead.Exists(item.Full) ? new SysfsEntry(item.Path, item.Kind, null, Errno.None, item.Area) : null;
                case SysfsQueryKind.Link:
                    SetPath(item);
                    int n = PosixFile.ReadLink(_path, _link);
                    return n < 0 ? null : new SysfsEntry(item.Path, item.Kind, _values.Get(_link, n), Errno.None, item.Area);
                default:
                    return ReadContent(item);
            }
        }

        private SysfsEntry? ReadContent(in TreeRead item)
        {
            SetPath(item);
            int fd = PosixFile.OpenReadNoFollow(_path, out var openError);
            if (fd < 0)
            {
                // Not there is the common miss (status only under vfio_ap, online only under zcrypt) and, as the last
                // component is not followed, ENOENT cannot be a dangling link: no entry, one call. A link (ELOOP: sysfs
                // attributes are never links) and the rare errnos (EACCES on a directory on the way …) take the
                // spelled-out path.
                return openError == Errno.ENOENT ? null : SingleFileRead.ReadOne(item.Full, item.Path, item.Kind, item.Area);
            }
            try
            {
                int length = 0;
                while (true)
                {
                    if (length == _data.Length) Grow();
                    int room = _data.Length - length;
                    long got = PosixFile.Read(fd, IntPtr.Add(_pin.AddrOfPinnedObject(), length), room, out var readError);
                    // A directory opens fine and fails its read with EISDIR, the errno SingleFileRead gives it.
                    if (got < 0) return new SysfsEntry(item.Path, item.Kind, null, readError, item.Area);
                    length += (int)got;
                    // A regular file (sysfs attributes, tmpfs, FUSE) ends where a read comes back short: no read for
                    // the 0 that says so, which is a quarter of a file's calls (and a FUSE round trip).
                    if (got < room) break;
                }
                return new SysfsEntry(item.Path, item.Kind, _values.Get(_data, length), Errno.None, item.Area);
            }
            finally
            {
                PosixFile.Close(fd);
            }
        }

        /// <summary>A file larger than the buffer (an mdev matrix of a big host is half a megabyte): double it.</summary>
        private void Grow()
        {
            var bigger = new byte[_data.Length * 2];
            Buffer.BlockCopy(_data, 0, bigger, 0, _data.Length);
            _pin.Free();
            _data = bigger;
            _pin = GCHandle.Alloc(_data, GCHandleType.Pinned);
        }

        private void SetPath(in TreeRead item)
        {
            var enc = Encoding.UTF8;
            int need = enc.GetMaxByteCount(item.BaseDir.Length + item.Path.Length + 1) + 1;
            if (_path.Length < need) _path = new byte[need];
            int n = enc.GetBytes(item.BaseDir, 0, item.BaseDir.Length, _path, 0);
            if (item.BaseDir != "/") _path[n++] = (byte)'/';
            n += enc.GetBytes(item.Path, 0, item.Path.Length, _path, n);
            _path[n] = 0;
        }

        public void Dispose()
        {
            if (_pin.IsAllocated) _pin.Free();
        }
    }
}
