using System;
using System.Collections.Generic;
using System.Globalization;
using VfioAp.Core.Model;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// The bridge between a vfio_ap matrix and mdevctl's ordered attribute writes. mdevctl starts a defined mdev by
    /// creating it and writing each attribute in order to <c>/sys/bus/mdev/devices/&lt;uuid&gt;/&lt;name&gt;</c>; the matrix a
    /// definition stands for is therefore what those writes leave behind, computed here with the kernel's parsing.
    /// </summary>
    public static class MdevMatrixAttributes
    {
        /// <summary>
        /// The attribute list for a matrix: <c>assign_adapter</c> for each adapter, then <c>assign_domain</c>, then
        /// <c>assign_control_domain</c>, ascending, ids as <c>0x</c> hex. Single assigns rather than one <c>ap_config</c>
        /// write because every vfio_ap kernel has them, while mdevctl stops the device when an attribute is missing;
        /// and since every intermediate matrix is a subset of the final one, no intermediate write is refused
        /// where the final matrix would be accepted.
        /// </summary>
        public static IReadOnlyList<MdevctlAttribute> FromMatrix(ApMatrix matrix)
        {
            var list = new List<MdevctlAttribute>(matrix.Adapters.Count + matrix.Domains.Count + matrix.ControlDomains.Count);
            foreach (var a in matrix.Adapters) list.Add(new MdevctlAttribute(MdevctlAttribute.AssignAdapter, new ApId(a).ToKernelArgument()));
            foreach (var d in matrix.Domains) list.Add(new MdevctlAttribute(MdevctlAttribute.AssignDomain, new DomainId(d).ToKernelArgument()));
            foreach (var c in matrix.ControlDomains) list.Add(new MdevctlAttribute(MdevctlAttribute.AssignControlDomain, new DomainId(c).ToKernelArgument()));
            return list;
        }

        /// <summary>
        /// Replays the attribute writes on an empty matrix, as the kernel would take them when mdevctl starts the
        /// device. Values are parsed exactly as the kernel's <c>kstrtoul(buf, 0)</c> (so <c>035</c> is octal 29);
        /// ids above <paramref name="maxAdapterId"/>/<paramref name="maxDomainId"/> (the host's
        /// <c>ap_max_*_id</c>, 255 when unknown) are refused as the kernel refuses them with ENODEV.
        /// </summary>
        /// <param name="attributes">The definition's attrs, in order.</param>
        /// <param name="source">The file or input, for messages.</param>
        /// <param name="entryOf">Names entry i for messages (<c>attrs[3] (assign_domain)</c>) and gives its line.</param>
        /// <param name="maxAdapterId">The host's <c>ap_max_adapter_id</c>, or 255.</param>
        /// <param name="maxDomainId">The host's <c>ap_max_domain_id</c>, or 255 (it bounds control domains too).</param>
        /// <param name="warnings">Receives what mdevctl or the kernel would do differently from what the author probably meant.</param>
        public static ApMatrix Replay(IReadOnlyList<MdevctlAttribute> attributes, string source, Func<int, (string Entry, int? Line)> entryOf,
                                      int maxAdapterId = ApId.Max, int maxDomainId = DomainId.Max, ICollection<string>? warnings = null)
        {
            var replay = new Replayer(source, entryOf, maxAdapterId, maxDomainId, warnings);
            var matrix = ApMatrix.Empty;
            for (int i = 0; i < attributes.Count; i++) matrix = replay.Apply(matrix, attributes[i], i);
            return matrix;
        }

        /// <summary>One replay: the input's name for messages, the host's maxima, and where warnings go.</summary>
        private sealed class Replayer
        {
            private readonly string _source;
            private readonly Func<int, (string Entry, int? Line)> _entryOf;
            private readonly int _maxAdapterId, _maxDomainId;
            private readonly ICollection<string>? _warnings;

            public Replayer(string source, Func<int, (string Entry, int? Line)> entryOf, int maxAdapterId, int maxDomainId, ICollection<string>? warnings)
            {
                _source = source;
                _entryOf = entryOf;
                _maxAdapterId = maxAdapterId;
                _maxDomainId = maxDomainId;
                _warnings = warnings;
            }

            /// <summary>The matrix after attribute write <paramref name="i"/>, as the kernel takes it.</summary>
            public ApMatrix Apply(ApMatrix m, MdevctlAttribute attr, int i)
            {
                switch (attr.Name)
                {
                    case MdevctlAttribute.AssignAdapter: return m.WithAdapters(m.Adapters.With(Id(attr, i, "adapter", _maxAdapterId, "ap_max_adapter_id")));
                    case MdevctlAttribute.UnassignAdapter: return m.WithAdapters(m.Adapters.Without(Id(attr, i, "adapter", _maxAdapterId, "ap_max_adapter_id")));
                    case MdevctlAttribute.AssignDomain: return m.WithDomains(m.Domains.With(Id(attr, i, "domain", _maxDomainId, "ap_max_domain_id")));
                    case MdevctlAttribute.UnassignDomain: return m.WithDomains(m.Domains.Without(Id(attr, i, "domain", _maxDomainId, "ap_max_domain_id")));
                    case MdevctlAttribute.AssignControlDomain:
                        return m.WithControlDomains(m.ControlDomains.With(Id(attr, i, "control domain", _maxDomainId, "ap_max_domain_id")));
                    case MdevctlAttribute.UnassignControlDomain:
                        return m.WithControlDomains(m.ControlDomains.Without(Id(attr, i, "control domain", _maxDomainId, "ap_max_domain_id")));
                    case MdevctlAttribute.ApConfig:
                        var whole = ApConfig(attr, i);
                        _warnings?.Add($"{Where(i)}: ap_config exists only on newer kernels; on a kernel without it mdevctl fails to start the mdev.");
                        return whole;
                    default:
                        _warnings?.Add($"{Where(i)}: '{attr.Name}' is not an attribute of a vfio_ap mdev; it is kept, but mdevctl stops the device when it finds no such attribute at start.");
                        return m;
                }
            }

            private string Where(int index) => _source + ", " + _entryOf(index).Entry;

            private PersistenceException Fail(int index, string problem)
            {
                var (entry, line) = _entryOf(index);
                return new PersistenceException(_source, entry, problem, line);
            }

            private int Id(MdevctlAttribute attr, int index, string what, int max, string maxAttribute)
            {
                var v = attr.Value;
                var shown = v.Replace("\n", "\\n");
                if (!KernelNumber.TryParse(v, out ulong n, out var errno))
                {
                    throw Fail(index, errno == Errno.ERANGE
                        ? $"'{shown}' is too large for a {what} id; the kernel refuses it with ERANGE. Use a number from 0 to {max}, written 0x…"
                        : $"'{shown}' is not a {what} id as the kernel reads it (5 and 53 decimal, 0x35 hex, 035 octal, no spaces); the kernel refuses it with EINVAL. Write the id as 0x followed by hex digits.");
                }
                if (n > (ulong)max)
                {
                    throw Fail(index, max == ApId.Max
                        ? $"{what} id '{shown}' ({n}) is above {max}, the architecture's maximum."
                        : $"{what} id '{shown}' ({n}) is above {max}, this host's maximum ({maxAttribute}); the kernel refuses it with ENODEV.");
                }
                if (v.Length > 1 && v[0] == '0' && v[1] != 'x' && v[1] != 'X' && n != 0)
                    _warnings?.Add($"{Where(index)}: the kernel reads '{shown}' as octal, i.e. {what} {n} (0x{n.ToString("x", CultureInfo.InvariantCulture)}).");
                return (int)n;
            }

            private ApMatrix ApConfig(MdevctlAttribute attr, int index)
            {
                var parts = attr.Value.TrimEnd('\n').Split(',');
                if (parts.Length != 3)
                    throw Fail(index, $"ap_config takes three masks separated by commas (APM,AQM,ADM); found {parts.Length} part(s). The kernel refuses it with EINVAL.");
                var masks = new ApMask[3];
                string[] names = { "APM", "AQM", "ADM" };
                for (int k = 0; k < 3; k++)
                {
                    if (!ApMask.TryParseAbsolute(parts[k], out masks[k], out var problem))
                        throw Fail(index, $"ap_config {names[k]}: {problem} The kernel refuses it with EINVAL.");
                    int max = k == 0 ? _maxAdapterId : _maxDomainId;
                    int over = masks[k].NextSetBit(max + 1);
                    if (max < ApId.Max && over >= 0)
                        throw Fail(index, $"ap_config {names[k]} sets bit {over}, above this host's maximum {max}; the kernel refuses it with ENODEV.");
                }
                return new ApMatrix(masks[0], masks[1], masks[2]);
            }
        }
    }
}
