namespace VfioAp.Core.Model
{
    /// <summary>Why an APQN the guest holds in its APCB does not work.</summary>
    public enum UnusableReason
    {
        /// <summary>The adapter was deconfigured (the card's <c>config</c> is 0, SCLP): its queues answer nothing, whatever their devices say.</summary>
        CardDeconfigured,
        /// <summary>The queue device says <c>config</c> 0 (a bus scan saw the adapter deconfigured).</summary>
        QueueDeconfigured,
        /// <summary>The card or queue is checkstopped (hardware).</summary>
        Checkstopped,
    }

    /// <summary>An APQN in a guest's APCB that the guest cannot use, with the reason in words.</summary>
    public sealed class UnusableApqn
    {
        public UnusableApqn(Apqn apqn, UnusableReason reason, string message)
        {
            Apqn = apqn;
            Reason = reason;
            Message = message;
        }

        public Apqn Apqn { get; }
        public UnusableReason Reason { get; }
        public string Message { get; }
        public override string ToString() => $"{Apqn} {Reason}";
    }
}
