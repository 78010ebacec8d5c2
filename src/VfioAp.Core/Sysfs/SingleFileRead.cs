using System;
using System.IO;
using System.Text;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// One path read with every check spelled out: a directory is EISDIR, a path that is not there (neither file,
    /// directory nor link) is no entry, anything else is its content or the errno its read failed with. The batch
    /// reader (<see cref="LocalTreeReader"/>) takes shortcuts for the common cases and comes here for the odd ones, so
    /// both answer alike; a plan's precondition reads and machines without libc use it as it is.
    /// </summary>
    internal static class SingleFileRead
    {
        public static SysfsEntry? ReadOne(string full, string path, SysfsQueryKind kind, SysfsArea area)
        {
            switch (kind)
            {
                case SysfsQueryKind.Exists:
                    return Exists(full) ? new SysfsEntry(path, kind, null, Errno.None, area) : null;
                case SysfsQueryKind.Link:
                    var target = ReadLink(full);
                    return target is null ? null : new SysfsEntry(path, kind, target, Errno.None, area);
                default:
                    if (Directory.Exists(full)) return new SysfsEntry(path, kind, null, Errno.EISDIR, area);
                    // .NET's File.Exists is true for a dangling link (it falls back to lstat): reading one is ENOENT.
                    if (!File.Exists(full)) return null;
                    if (PosixFile.Available)
                    {
                        var err = PosixFile.ReadAll(full, out var text);
                        return new SysfsEntry(path, kind, err == Errno.None ? text : null, err, area);
                    }
                    try
                    {
                        return new SysfsEntry(path, kind, ReadAll(full), Errno.None, area);
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        return new SysfsEntry(path, kind, null, LocalSysfs.ErrnoOf(ex), area);
                    }
            }
        }

        public static bool Exists(string full) => Directory.Exists(full) || File.Exists(full) || ReadLink(full) != null;

        private static string ReadAll(string full)
        {
            // sysfs reports a size of 4096 for every attribute: read to EOF, never trust the length.
            using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
            using var reader = new StreamReader(fs, new UTF8Encoding(false));
            return reader.ReadToEnd();
        }

        private static string? ReadLink(string full) => PosixFile.Available ? PosixFile.ReadLink(full) : null;
    }
}
