using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Persistence
{
    /// <summary>How an mdev's live matrix and its persisted definition disagree; None when they agree.</summary>
    [Flags]
    public enum MdevDriftKind
    {
        None = 0,
        /// <summary>The mdev exists in sysfs but has no mdevctl definition: it is gone after a reboot.</summary>
        NotPersisted = 1,
        /// <summary>A definition exists but no such mdev is in sysfs (not started, or removed by hand).</summary>
        NotLive = 2,
        /// <summary>Both exist and the matrices differ.</summary>
        MatrixDiffers = 4,
        /// <summary>The definition's start mode is not the one asked for (e.g. manual where the runbook expects auto).</summary>
        StartDiffers = 8,
        /// <summary>The definition file cannot be used (malformed, not vfio_ap, ids out of range): at boot mdevctl would not build this matrix.</summary>
        InvalidDefinition = 16,
    }

    /// <summary>The difference between one mdev's live matrix and its persisted definition, for runbooks to assert on.</summary>
    public sealed class MdevDrift
    {
        public string ComputerName { get; init; } = "";
        public Guid Uuid { get; init; }
        public MdevDriftKind Kind { get; init; }
        public bool InSync => Kind == MdevDriftKind.None;
        public bool Live => LiveMatrix.HasValue;
        public bool Persisted => DefinitionPath is not null;
        public ApMatrix? LiveMatrix { get; init; }
        public ApMatrix? PersistedMatrix { get; init; }
        public ApMask AdaptersOnlyLive { get; init; }
        public ApMask AdaptersOnlyPersisted { get; init; }
        public ApMask DomainsOnlyLive { get; init; }
        public ApMask DomainsOnlyPersisted { get; init; }
        public ApMask ControlDomainsOnlyLive { get; init; }
        public ApMask ControlDomainsOnlyPersisted { get; init; }
        public MdevStartMode? PersistedStart { get; init; }
        /// <summary>The start mode the caller asked for, or null when start modes were not compared.</summary>
        public MdevStartMode? ExpectedStart { get; init; }
        /// <summary>The definition's file (or other source).</summary>
        public string? DefinitionPath { get; init; }
        /// <summary>Why the definition cannot be used, for <see cref="MdevDriftKind.InvalidDefinition"/>.</summary>
        public string? Problem { get; init; }
        /// <summary>Each difference in words, in the order kinds are listed.</summary>
        public IReadOnlyList<string> Differences { get; init; } = Array.Empty<string>();

        public override string ToString() => MdevUuid.Format(Uuid) + ": " + (InSync ? "in sync" : string.Join("; ", Differences));
    }

    /// <summary>Compares live mdevs with mdevctl's definitions of vfio_ap mdevs on the same host.</summary>
    public static class MdevDriftComparer
    {
        /// <param name="computerName">The host, stamped on every result.</param>
        /// <param name="live">The mdevs in sysfs (a snapshot's <c>Mdevs</c>).</param>
        /// <param name="persisted">What the host's mdevctl directory holds; definitions of other parents are not vfio_ap and are skipped.</param>
        /// <param name="expectedStart">When given, a definition with another start mode is drift.</param>
        /// <param name="maxAdapterId">The host's <c>ap_max_adapter_id</c>: a definition with a larger id could not be started.</param>
        /// <param name="maxDomainId">The host's <c>ap_max_domain_id</c>.</param>
        public static IReadOnlyList<MdevDrift> Compare(string computerName, IEnumerable<VfioApMdev> live, MdevctlStoreContents persisted,
                                                       MdevStartMode? expectedStart = null, int maxAdapterId = ApId.Max, int maxDomainId = DomainId.Max)
        {
            var liveByUuid = new Dictionary<Guid, VfioApMdev>();
            foreach (var m in live) liveByUuid[m.Uuid] = m;
            var defByUuid = new Dictionary<Guid, MdevctlDefinition>();
            foreach (var d in persisted.Definitions.Where(d => d.Parent == MdevctlDefinition.MatrixParent))
                if (!defByUuid.ContainsKey(d.Uuid)) defByUuid[d.Uuid] = d;
            var brokenByUuid = new Dictionary<Guid, PersistenceException>();
            foreach (var p in persisted.Problems)
                if (TryUuidOfPath(p.Source, out var u) && !defByUuid.ContainsKey(u) && !brokenByUuid.ContainsKey(u)) brokenByUuid[u] = p;

            var uuids = liveByUuid.Keys.Concat(defByUuid.Keys).Concat(brokenByUuid.Keys).Distinct()
                                  .OrderBy(MdevUuid.Format, StringComparer.Ordinal);
            var result = new List<MdevDrift>();
            foreach (var uuid in uuids)
            {
                liveByUuid.TryGetValue(uuid, out var l);
                defByUuid.TryGetValue(uuid, out var d);
                brokenByUuid.TryGetValue(uuid, out var broken);
                result.Add(CompareOne(computerName, uuid, l, d, broken, expectedStart, maxAdapterId, maxDomainId));
            }
            return result;
        }

        public static MdevDrift CompareOne(string computerName, Guid uuid, VfioApMdev? live, MdevctlDefinition? definition, PersistenceException? broken,
                                           MdevStartMode? expectedStart, int maxAdapterId = ApId.Max, int maxDomainId = DomainId.Max)
        {
            var kind = MdevDriftKind.None;
            var words = new List<string>();
            ApMatrix? persistedMatrix = null;
            string? problem = broken?.Message;
            if (definition is not null)
            {
                try
                {
                    persistedMatrix = definition.ToMatrix(maxAdapterId, maxDomainId);
                }
                catch (PersistenceException ex)
                {
                    problem = ex.Message;
                }
            }

            if (live is null) { kind |= MdevDriftKind.NotLive; words.Add("defined in mdevctl but not present in sysfs"); }
            if (definition is null && broken is null) { kind |= MdevDriftKind.NotPersisted; words.Add("live but not defined in mdevctl: it will not come back after a reboot"); }
            if (problem is not null) { kind |= MdevDriftKind.InvalidDefinition; words.Add("the definition cannot be used: " + problem); }

            var lm = live?.Matrix ?? ApMatrix.Empty;
            var pm = persistedMatrix ?? ApMatrix.Empty;
            // Per-field differences only mean something when both sides have a matrix.
            bool both = live is not null && persistedMatrix.HasValue;
            var onlyLive = both ? lm.Except(pm) : ApMatrix.Empty;
            var onlyPersisted = both ? pm.Except(lm) : ApMatrix.Empty;
            if (both && lm != pm)
            {
                kind |= MdevDriftKind.MatrixDiffers;
                Describe(words, "adapters", onlyLive.Adapters, onlyPersisted.Adapters);
                Describe(words, "domains", onlyLive.Domains, onlyPersisted.Domains);
                Describe(words, "control domains", onlyLive.ControlDomains, onlyPersisted.ControlDomains);
            }
            if (expectedStart is MdevStartMode want && definition is not null && definition.Start != want)
            {
                kind |= MdevDriftKind.StartDiffers;
                words.Add($"start is {definition.Start.ToMdevctl()}, expected {want.ToMdevctl()}");
            }
            return new MdevDrift
            {
                ComputerName = computerName,
                Uuid = uuid,
                Kind = kind,
                LiveMatrix = live?.Matrix,
                PersistedMatrix = persistedMatrix,
                AdaptersOnlyLive = onlyLive.Adapters,
                AdaptersOnlyPersisted = onlyPersisted.Adapters,
                DomainsOnlyLive = onlyLive.Domains,
                DomainsOnlyPersisted = onlyPersisted.Domains,
                ControlDomainsOnlyLive = onlyLive.ControlDomains,
                ControlDomainsOnlyPersisted = onlyPersisted.ControlDomains,
                PersistedStart = definition?.Start,
                ExpectedStart = expectedStart,
                DefinitionPath = definition?.Source ?? broken?.Source,
                Problem = problem,
                Differences = words,
            };
        }

        private static void Describe(List<string> words, string what, ApMask onlyLive, ApMask onlyPersisted)
        {
            if (!onlyLive.IsEmpty) words.Add($"{what} {onlyLive} live only");
            if (!onlyPersisted.IsEmpty) words.Add($"{what} {onlyPersisted} persisted only");
        }

        private static bool TryUuidOfPath(string path, out Guid uuid)
        {
            int slash = path.LastIndexOfAny(new[] { '/', '\\' });
            return MdevUuid.TryParse(slash < 0 ? path : path.Substring(slash + 1), out uuid);
        }
    }
}
