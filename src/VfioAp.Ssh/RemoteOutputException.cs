using System;

namespace VfioAp.Ssh
{
    /// <summary>
    /// The remote output is not what the module's script prints: a line or the whole output past its bound
    /// (<see cref="RemoteOutputLimits"/>), or a record the parser cannot take. Thrown by the line reader and the
    /// output parsers; the connection turns it into <see cref="SshFailure.RemoteOutputInvalid"/> naming the host.
    /// </summary>
    public sealed class RemoteOutputException : Exception
    {
        public RemoteOutputException(string expected, string found, long offset = -1)
            : base($"expected {expected}, found {found}" + (offset >= 0 ? $" at byte offset {offset}" : ""))
        {
            Expected = expected;
            Found = found;
            Offset = offset;
        }

        /// <summary>What the module's script would have printed there.</summary>
        public string Expected { get; }
        /// <summary>What came instead.</summary>
        public string Found { get; }
        /// <summary>Bytes of stdout received before the fault, or -1 when not known at the throw (the connection knows).</summary>
        public long Offset { get; }
    }
}
