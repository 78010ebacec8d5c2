using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// A sysfs-like tree that computes its files on demand, as the kernel does: the simulated kernel implements it,
    /// and <c>SimulatedSysfs</c> (in memory) and <c>VfioAp.SimFs</c> (a FUSE mount) both serve it.
    /// Paths are relative to the sysfs root; "" is the root.
    /// </summary>
    public interface ISysfsTree
    {
        /// <summary>What is at the path, or null when nothing is.</summary>
        SysfsNode? Lookup(string path);

        /// <summary>Names in a directory, or null when the path is not a directory.</summary>
        IReadOnlyList<string>? List(string path);

        /// <summary>A file's text; throws <see cref="SysfsException"/> with the kernel's errno (write-only attributes: EACCES).</summary>
        string Read(string path);

        /// <summary>A write as the kernel's store function takes it; throws <see cref="SysfsException"/> with the kernel's errno.</summary>
        void Write(string path, string value);
    }

    public enum SysfsNodeKind { Directory, File, Symlink }

    public sealed class SysfsNode
    {
        public SysfsNode(SysfsNodeKind kind, int mode, string? linkTarget = null)
        {
            Kind = kind;
            Mode = mode;
            LinkTarget = linkTarget;
        }

        public SysfsNodeKind Kind { get; }
        /// <summary>Permission bits as sysfs shows them: 0444 read-only, 0644 read-write, 0200 write-only, 0755 directories.</summary>
        public int Mode { get; }
        public string? LinkTarget { get; }
    }

    public sealed class SysfsException : System.Exception
    {
        public SysfsException(Errno error, string path, string? detail = null)
            : base($"{path}: {ErrnoText.Describe(error)}{(detail is null ? "" : " (" + detail + ")")}")
        {
            Error = error;
            Path = path;
            Detail = detail;
        }

        public Errno Error { get; }
        public string Path { get; }
        /// <summary>What the kernel would have logged, when it logs something (e.g. the EADDRINUSE line naming the other mdev).</summary>
        public string? Detail { get; }
    }
}
