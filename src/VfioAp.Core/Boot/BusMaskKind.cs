namespace VfioAp.Core.Boot
{
    /// <summary>Which of the AP bus's two ownership masks: adapters (<c>apmask</c>) or usage domains (<c>aqmask</c>).</summary>
    public enum BusMaskKind
    {
        ApMask,
        AqMask,
    }
}
