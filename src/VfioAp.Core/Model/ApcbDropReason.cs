namespace VfioAp.Core.Model
{
    /// <summary>Why the guest APCB lost an adapter, a domain or a control domain (about_VfioAp_Apcb: REASONS).</summary>
    public enum ApcbDropReason
    {
        AdapterNotInHostConfig,
        DomainNotInHostConfig,
        ControlDomainNotInHostConfig,
        QueueMissing,
        QueueNotBound,
        QueueBoundToOtherDriver,
        QueueResetFailed,
    }

    /// <summary>One APQN that made the kernel drop its adapter.</summary>
    public sealed class ApqnCause
    {
        public ApqnCause(Apqn apqn, ApcbDropReason reason, string? driver)
        {
            Apqn = apqn;
            Reason = reason;
            Driver = driver;
        }

        public Apqn Apqn { get; }
        public ApcbDropReason Reason { get; }
        /// <summary>The other driver's name for <see cref="ApcbDropReason.QueueBoundToOtherDriver"/>.</summary>
        public string? Driver { get; }
        public override string ToString() => $"{Apqn} {Reason}{(Driver is null ? "" : " (" + Driver + ")")}";
    }
}
