using System;
using System.Collections.Generic;
using System.Management.Automation;
using VfioAp.Core.Model;

namespace VfioAp.PowerShell.Arguments
{
    /// <summary>
    /// Turns 5, '0x05', '05', arrays and ranges (4..7) into adapter ids with the Core's parser (the kernel's number
    /// syntax: a quoted '035' is octal 29, as assign_adapter reads it). Anything else fails parameter binding with the
    /// Core's message, before any host is read.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ApIdTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is null) return null;
            var ids = new List<ApId>();
            foreach (var item in IdArgument.Flatten(inputData))
            {
                if (IdArgument.TryRange(item, "adapter", x => Convert(x), out var from, out var to)) { for (int i = from; i <= to; i++) ids.Add(new ApId(i)); }
                else ids.Add(Convert(item));
            }
            return ids.ToArray();
        }

        internal static ApId Convert(object? item)
        {
            switch (item)
            {
                case ApId id: return id;
                case ApCard card: return card.Id;
            }
            var text = IdArgument.AsKernelText(item);
            if (text is null) throw new InvalidIdException($"{IdArgument.Describe(item)} is not an adapter id: use a number such as 5, 0x05 or '05'.", item);
            if (!ApId.TryParse(text, out var parsed, out var problem)) throw new InvalidIdException(problem!, item);
            return parsed;
        }
    }

    /// <summary>As <see cref="ApIdTransformationAttribute"/>, for usage and control domain ids.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class DomainIdTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is null) return null;
            var ids = new List<DomainId>();
            foreach (var item in IdArgument.Flatten(inputData))
            {
                if (IdArgument.TryRange(item, "domain", x => Convert(x), out var from, out var to)) { for (int i = from; i <= to; i++) ids.Add(new DomainId(i)); }
                else ids.Add(Convert(item));
            }
            return ids.ToArray();
        }

        internal static DomainId Convert(object? item)
        {
            if (item is DomainId id) return id;
            var text = IdArgument.AsKernelText(item);
            if (text is null) throw new InvalidIdException($"{IdArgument.Describe(item)} is not a domain id: use a number such as 53, 0x35 or '0x0035'.", item);
            if (!DomainId.TryParse(text, out var parsed, out var problem)) throw new InvalidIdException(problem!, item);
            return parsed;
        }
    }

    /// <summary>APQNs as sysfs names them, '05.0035' (hex on both sides), or ApQueue objects.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ApqnTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is null) return null;
            var apqns = new List<Apqn>();
            foreach (var item in IdArgument.Flatten(inputData))
            {
                switch (item)
                {
                    case Apqn q: apqns.Add(q); continue;
                    case ApQueue queue: apqns.Add(queue.Apqn); continue;
                    case string s:
                        if (!Apqn.TryParse(s, out var parsed, out var problem)) throw new InvalidIdException(problem!, item);
                        apqns.Add(parsed);
                        continue;
                    default:
                        throw new InvalidIdException($"{IdArgument.Describe(item)} is not an APQN: write adapter.domain in hex, e.g. '05.0035'.", item);
                }
            }
            return apqns.ToArray();
        }
    }

    /// <summary>
    /// Mdev UUIDs in any standard form (62177883-f1bb-47f0-914d-32a22e3a8804, upper case, braces, 32 digits without
    /// hyphens), or the objects that name an mdev (VfioApMdev, Apcb).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class MdevIdTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is null) return null;
            var ids = new List<Guid>();
            foreach (var item in IdArgument.Flatten(inputData))
            {
                switch (item)
                {
                    case Guid g: ids.Add(g); continue;
                    case VfioApMdev m: ids.Add(m.Uuid); continue;
                    case Apcb a: ids.Add(a.Mdev); continue;
                    case string s when Guid.TryParse(s.Trim(), out var parsed): ids.Add(parsed); continue;
                    default:
                        throw new InvalidIdException(
                            $"{IdArgument.Describe(item)} is not an mdev UUID: write it as sysfs names it, e.g. 62177883-f1bb-47f0-914d-32a22e3a8804 (upper case, braces or the 32 digits alone also work).", item);
                }
            }
            return ids.ToArray();
        }
    }
}
