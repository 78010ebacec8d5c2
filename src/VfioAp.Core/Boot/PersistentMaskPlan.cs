using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// Persisting the AP bus masks as <c>chzdev -t ap apmask=… aqmask=… -p</c> does: chzdev's rule
    /// <c>/etc/udev/rules.d/41-ap.rules</c> (<see cref="UdevMaskRule"/>) written whole with a line for each mask — chzdev
    /// writes both, the one not given taken from libap's persistent value — replaced atomically under the host's AP
    /// configuration lock, its text when the plan was made the step's precondition. The file belongs to the host
    /// itself, so the step is under the host root: on a simulated host it lands in the host's own files, where its boot
    /// and <c>Test-VfioApBoot</c> read it.
    /// </summary>
    public static class PersistentMaskPlan
    {
        public const string What = "udev rule with the persistent AP bus masks";

        /// <summary>The rule's text as the snapshot read it (null: no rule); false when the file exists but could not be read.</summary>
        public static bool TryReadRule(HostSnapshot host, out string? text)
        {
            host.Require(SnapshotParts.PersistentFiles, "persisting the AP bus masks");
            text = null;
            return !host.PersistentFiles.TryGetValue(UdevMaskRule.FilePath, out text) || text is not null;
        }

        /// <summary>
        /// The persistent masks relative input applies to, as chzdev takes them (libap's <c>ap_read_udev_masks</c>):
        /// the rule's line for each mask, the live mask where the rule has none.
        /// </summary>
        public static (ApMask ApMask, ApMask AqMask) Current(HostSnapshot host, string? ruleText)
        {
            var rule = ruleText is null ? null : UdevMaskFile.Read(ruleText, "/" + UdevMaskRule.FilePath);
            var (ap, aq, _, _) = PersistentMaskFallback.Resolve(rule, host.Bus.ApMask.Mask, host.Bus.AqMask.Mask);
            return (ap, aq);
        }

        /// <summary>The plan that makes the rule persist exactly these masks; empty when it already holds that text.</summary>
        public static WritePlan Plan(HostSnapshot host, ApMask apmask, ApMask aqmask, string? ruleText)
        {
            var text = UdevMaskRule.Text(apmask, aqmask)!;
            if (ruleText == text)
                return WritePlan.Nothing($"the udev rule of {host.ComputerName} already persists apmask and aqmask as requested", SnapshotParts.PersistentFiles);
            var step = new FileWriteStep(UdevMaskRule.FilePath, text, ruleText, What, underHostRoot: true);
            return new WritePlan($"Persist apmask and aqmask in /{UdevMaskRule.FilePath} on {host.ComputerName}", new PlanStep[] { step },
                SnapshotParts.PersistentFiles, s => Compare(s, text, "the masks' rule"), s => Compare(s, ruleText, "the rule as it was"));
        }

        private static string? Compare(HostSnapshot s, string? expected, string what)
        {
            s.PersistentFiles.TryGetValue(UdevMaskRule.FilePath, out var now);
            return now == expected ? null
                : $"/{UdevMaskRule.FilePath} holds {(now is null ? "nothing" : now.Length + " bytes")}, expected {what} ({(expected is null ? "no file" : expected.Length + " bytes")})";
        }

        /// <summary>
        /// What ap-check does at the next boot with these persistent masks: each mdevctl auto definition (read with the
        /// host) holding an APQN the masks leave to the host's drivers is refused its start, so its guest loses it.
        /// chzdev itself refuses a persistent mask change whose new bits meet an auto definition (zdev's
        /// <c>check_mask_changes</c>); this module writes and warns, naming every such definition.
        /// </summary>
        public static IEnumerable<string> LeftToHost(BootFiles files, ApMask apmask, ApMask aqmask)
        {
            var (definitions, _) = MdevctlAutoStart.ReadDefinitions(files);
            foreach (var (def, file) in definitions)
            {
                if (!def.IsVfioAp || def.Start != MdevStartMode.Auto) continue;
                ApMatrix matrix;
                try { matrix = def.ToMatrix(); }
                catch (PersistenceException) { continue; }
                var owned = ApCheckCallout.Shared(matrix, apmask, aqmask);
                if (owned.Count == 0) continue;
                yield return $"mdevctl auto definition {def.Uuid:D} (/{file}) holds APQN {ApCheckCallout.Show(owned)}, which the persistent masks " +
                             $"give to the host's drivers: at the next boot ap-check refuses to start it (chzdev -p refuses such a mask: \"persistent apmask conflicts with defined autostart mdev\"). Give {(owned.Count == 1 ? "it" : "them")} to vfio_ap " +
                             $"persistently too, or take {(owned.Count == 1 ? "it" : "them")} out of the definition (Export-VfioApMdev -Persist after Set-VfioApMatrix).";
            }
        }
    }
}
