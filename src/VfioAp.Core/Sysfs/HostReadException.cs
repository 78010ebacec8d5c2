using System;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>A host that cannot be read as an AP host: no AP bus, vfio_ap missing, a file the kernel could not have written.</summary>
    public sealed class HostReadException : Exception
    {
        public HostReadException(string host, string path, string message, Errno error = Errno.None, Exception? inner = null)
            : base(message, inner)
        {
            Host = host;
            Path = path;
            Error = error;
        }

        public string Host { get; }
        public string Path { get; }
        public Errno Error { get; }
    }
}
