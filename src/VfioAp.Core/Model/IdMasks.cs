using System;
using System.Collections;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// An <see cref="ApMask"/> of adapters as output objects carry it: it enumerates <see cref="ApId"/>s, so PowerShell
    /// shows <c>0x11</c> (not 17) in <c>Format-List *</c>, at the prompt and in string interpolation, while
    /// <c>[int]</c> still gives the number. Converts to and from <see cref="ApMask"/> implicitly, so the rules keep
    /// working on plain masks.
    /// </summary>
    public readonly struct AdapterMask : IEquatable<AdapterMask>, IEnumerable<ApId>
    {
        public AdapterMask(ApMask mask) { Mask = mask; }
        public ApMask Mask { get; }
        public int Count => Mask.Count;
        public bool IsEmpty => Mask.IsEmpty;
        public bool Contains(int id) => Mask.Contains(id);
        public ApMask With(int id) => Mask.With(id);
        public ApMask Without(int id) => Mask.Without(id);
        public ApMask Except(ApMask other) => Mask.Except(other);
        public bool Overlaps(ApMask other) => Mask.Overlaps(other);
        public bool IsSubsetOf(ApMask other) => Mask.IsSubsetOf(other);
        public int NextSetBit(int from) => Mask.NextSetBit(from);
        public string ToKernelString() => Mask.ToKernelString();
        public override string ToString() => Mask.ToString();

        public static implicit operator ApMask(AdapterMask m) => m.Mask;
        public static implicit operator AdapterMask(ApMask m) => new AdapterMask(m);
        public bool Equals(AdapterMask other) => Mask == other.Mask;
        public override bool Equals(object? obj) => obj is AdapterMask m ? Equals(m) : obj is ApMask a && Mask == a;
        public override int GetHashCode() => Mask.GetHashCode();

        public IEnumerator<ApId> GetEnumerator()
        {
            foreach (var n in Mask) yield return new ApId(n);
        }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>An <see cref="ApMask"/> of usage or control domains that enumerates <see cref="DomainId"/>s (<c>0x0035</c>); see <see cref="AdapterMask"/>.</summary>
    public readonly struct DomainMask : IEquatable<DomainMask>, IEnumerable<DomainId>
    {
        public DomainMask(ApMask mask) { Mask = mask; }
        public ApMask Mask { get; }
        public int Count => Mask.Count;
        public bool IsEmpty => Mask.IsEmpty;
        public bool Contains(int id) => Mask.Contains(id);
        public ApMask With(int id) => Mask.With(id);
        public ApMask Without(int id) => Mask.Without(id);
        public ApMask Except(ApMask other) => Mask.Except(other);
        public bool Overlaps(ApMask other) => Mask.Overlaps(other);
        public bool IsSubsetOf(ApMask other) => Mask.IsSubsetOf(other);
        public int NextSetBit(int from) => Mask.NextSetBit(from);
        public string ToKernelString() => Mask.ToKernelString();
        public override string ToString() => Mask.ToString();

        public static implicit operator ApMask(DomainMask m) => m.Mask;
        public static implicit operator DomainMask(ApMask m) => new DomainMask(m);
        public bool Equals(DomainMask other) => Mask == other.Mask;
        public override bool Equals(object? obj) => obj is DomainMask m ? Equals(m) : obj is ApMask a && Mask == a;
        public override int GetHashCode() => Mask.GetHashCode();

        public IEnumerator<DomainId> GetEnumerator()
        {
            foreach (var n in Mask) yield return new DomainId(n);
        }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
