namespace VfioAp.Core.Model
{
    /// <summary>One kernel log line about an AP queue: its timestamp as printed, the text, and the APQN it names.</summary>
    public sealed class KernelLogLine
    {
        public KernelLogLine(string timestamp, string text, Apqn apqn)
        {
            Timestamp = timestamp;
            Text = text;
            Apqn = apqn;
        }

        /// <summary>As the log prints it: dmesg's seconds since boot (<c>12.345678</c>) or syslog's date.</summary>
        public string Timestamp { get; }
        public string Text { get; }
        public Apqn Apqn { get; }
        public override string ToString() => $"[{Timestamp}] {Text}";
    }
}
