using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// The persistent masks as s390-tools' own tools take them (libap's <c>ap_read_udev_masks</c>, used by chzdev -p and
    /// by ap-check for define/modify): the rule's line for each mask, and the live sysfs mask for a mask the rule does
    /// not set, or when there is no rule. chzdev applies relative input (<c>+6</c>, <c>-4-7</c>) to these.
    /// </summary>
    public static class PersistentMaskFallback
    {
        public static (ApMask ApMask, ApMask AqMask, bool ApFromRule, bool AqFromRule) Resolve(UdevMaskFile? rule, ApMask liveApMask, ApMask liveAqMask)
        {
            var ap = rule?.MaskOf(BusMaskKind.ApMask);
            var aq = rule?.MaskOf(BusMaskKind.AqMask);
            return (ap ?? liveApMask, aq ?? liveAqMask, ap.HasValue, aq.HasValue);
        }
    }
}
