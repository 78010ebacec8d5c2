using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// An mdev's matrix: adapters (APM) × usage domains (AQM), plus control domains (ADM).
    /// The APQNs are the cross product; the type never stores them, so a 256 × 256 matrix costs 96 bytes.
    /// </summary>
    public readonly struct ApMatrix : IEquatable<ApMatrix>
    {
        // Typed so PowerShell enumerates ApId/DomainId (0x11), not plain numbers; they convert to ApMask implicitly.
        public AdapterMask Adapters { get; }
        public DomainMask Domains { get; }
        public DomainMask ControlDomains { get; }

        public ApMatrix(ApMask adapters, ApMask domains, ApMask controlDomains)
        {
            Adapters = adapters;
            Domains = domains;
            ControlDomains = controlDomains;
        }

        public static ApMatrix Empty => default;
        public bool IsEmpty => Adapters.IsEmpty && Domains.IsEmpty && ControlDomains.IsEmpty;
        public int ApqnCount => Adapters.Count * Domains.Count;

        public bool Contains(Apqn apqn) => Adapters.Contains(apqn.Adapter) && Domains.Contains(apqn.Domain);

        /// <summary>APQNs in the kernel's order: adapters ascending, domains ascending within each.</summary>
        public IEnumerable<Apqn> Apqns()
        {
            foreach (var a in Adapters.Mask)
                foreach (var d in Domains.Mask)
                    yield return new Apqn(a, d);
        }

        public ApMatrix WithAdapters(ApMask m) => new ApMatrix(m, Domains, ControlDomains);
        public ApMatrix WithDomains(ApMask m) => new ApMatrix(Adapters, m, ControlDomains);
        public ApMatrix WithControlDomains(ApMask m) => new ApMatrix(Adapters, Domains, m);
        public ApMatrix Union(ApMatrix o) => new ApMatrix(Adapters.Mask | o.Adapters.Mask, Domains.Mask | o.Domains.Mask, ControlDomains.Mask | o.ControlDomains.Mask);
        public ApMatrix Except(ApMatrix o) => new ApMatrix(Adapters.Mask.Except(o.Adapters), Domains.Mask.Except(o.Domains), ControlDomains.Mask.Except(o.ControlDomains));

        public bool Equals(ApMatrix other) => Adapters.Mask == other.Adapters.Mask && Domains.Mask == other.Domains.Mask && ControlDomains.Mask == other.ControlDomains.Mask;
        public override bool Equals(object? obj) => obj is ApMatrix m && Equals(m);
        public override int GetHashCode() => Adapters.GetHashCode() ^ (Domains.GetHashCode() * 397) ^ (ControlDomains.GetHashCode() * 7919);
        public static bool operator ==(ApMatrix a, ApMatrix b) => a.Equals(b);
        public static bool operator !=(ApMatrix a, ApMatrix b) => !a.Equals(b);
        public override string ToString() => $"adapters {Adapters}; domains {Domains}; control domains {ControlDomains}";
    }
}
