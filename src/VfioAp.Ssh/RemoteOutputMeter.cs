namespace VfioAp.Ssh
{
    /// <summary>Counts the stdout bytes one remote command sent, for messages that name where its output went wrong.</summary>
    public sealed class RemoteOutputMeter
    {
        /// <summary>Bytes of stdout read so far.</summary>
        public long Bytes { get; internal set; }
    }
}
