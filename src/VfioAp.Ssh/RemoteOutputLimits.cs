using System;

namespace VfioAp.Ssh
{
    /// <summary>
    /// How much of a remote command's output the module takes before it stops the command as misbehaving. The bounds
    /// come from what the module asks for, not from what the host sends: a sysfs attribute is at most a page (4 KiB on
    /// s390x, PAGE_SIZE), a path at most PATH_MAX (4 KiB), so no record line of the read or plan script needs more than
    /// <see cref="MaxLineBytes"/>; the whole output of the largest host the architecture allows (256 adapters x 256
    /// domains, every queue's attributes and links, libvirt's files and the kernel log) stays far below
    /// <see cref="MaxTotalBytes"/>. Past either bound the read stops, the command is ended (its connection is closed)
    /// and the error is <see cref="SshFailure.RemoteOutputInvalid"/>. Memory for one host's command is then bounded by
    /// about twice <see cref="MaxTotalBytes"/> (UTF-16 text) whatever the host sends, and by one line for garbage.
    /// </summary>
    public sealed class RemoteOutputLimits
    {
        /// <summary>A page (the largest sysfs attribute) and PATH_MAX for its path, twice over for the framing.</summary>
        public const int DefaultMaxLineBytes = 4 * (4096 + 4096);

        /// <summary>
        /// A 256 x 256 host (65,535 queues, every part of the snapshot, GNU tools) reads as 20.3 MB in 493,845 lines of
        /// at most 118 bytes (measured, see the README's Reliability section); the bound is about ten times that.
        /// </summary>
        public const long DefaultMaxTotalBytes = 192L * 1024 * 1024;

        /// <summary>What the module keeps of stderr for its messages; more is read and dropped.</summary>
        public const int DefaultKeptStderrBytes = 64 * 1024;

        /// <summary>Stderr the SSH library may hold unread while stdout is being read (the module reads stderr at the end).</summary>
        public const long DefaultMaxBufferedStderrBytes = 4L * 1024 * 1024;

        public static RemoteOutputLimits Default { get; } = new RemoteOutputLimits(DefaultMaxLineBytes, DefaultMaxTotalBytes);

        public RemoteOutputLimits(int maxLineBytes, long maxTotalBytes,
                                  int keptStderrBytes = DefaultKeptStderrBytes, long maxBufferedStderrBytes = DefaultMaxBufferedStderrBytes)
        {
            if (maxLineBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxLineBytes));
            if (maxTotalBytes < maxLineBytes) throw new ArgumentOutOfRangeException(nameof(maxTotalBytes));
            MaxLineBytes = maxLineBytes;
            MaxTotalBytes = maxTotalBytes;
            KeptStderrBytes = keptStderrBytes;
            MaxBufferedStderrBytes = maxBufferedStderrBytes;
        }

        /// <summary>The longest line of stdout (without its '\n'), in bytes.</summary>
        public int MaxLineBytes { get; }
        /// <summary>The most stdout one command may send, in bytes.</summary>
        public long MaxTotalBytes { get; }
        public int KeptStderrBytes { get; }
        public long MaxBufferedStderrBytes { get; }
    }
}
