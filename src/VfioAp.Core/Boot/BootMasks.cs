using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// The AP bus masks the next boot ends up with, before mdevctl runs: <c>ap_perms_init</c> starts each mask all ones,
    /// or, when <c>ap.apmask=</c>/<c>ap.aqmask=</c> is on the command line, at zero with the value parsed into it
    /// (absolute, or <c>+</c>/<c>-</c> terms applied to zero; a value the kernel cannot parse leaves zero, since
    /// <c>ap_perms_init</c> ignores the error); then udev writes the rule's assignments in file order, each parsed
    /// by the kernel against the mask as it is (a value the kernel refuses changes nothing).
    /// </summary>
    public sealed class BootMasks
    {
        private BootMasks(ApMask ap, ApMask aq, BusMaskSource apSource, BusMaskSource aqSource, string? commandLine, string? commandLineSource, IReadOnlyList<string> notes)
        {
            ApMask = ap;
            AqMask = aq;
            ApMaskSource = apSource;
            AqMaskSource = aqSource;
            CommandLine = commandLine;
            CommandLineSource = commandLineSource;
            Notes = notes;
        }

        public ApMask ApMask { get; }
        public ApMask AqMask { get; }
        public BusMaskSource ApMaskSource { get; }
        public BusMaskSource AqMaskSource { get; }
        /// <summary>The next boot's kernel command line, or null when none was found.</summary>
        public string? CommandLine { get; }
        /// <summary>Where that command line was read (a BLS entry, etc/zipl.conf or proc/cmdline).</summary>
        public string? CommandLineSource { get; }
        /// <summary>Values the kernel or udev would not take, and other things worth knowing, each naming its file.</summary>
        public IReadOnlyList<string> Notes { get; }

        public ApMask MaskOf(BusMaskKind kind) => kind == BusMaskKind.ApMask ? ApMask : AqMask;
        public BusMaskSource SourceOf(BusMaskKind kind) => kind == BusMaskKind.ApMask ? ApMaskSource : AqMaskSource;

        public static BootMasks Resolve(BootFiles files)
        {
            var notes = new List<string>();
            var (cmdline, cmdSource, warnings) = files.NextCommandLine();
            notes.AddRange(warnings);
            var parsed = cmdline is null ? null : KernelCommandLine.Parse(cmdline);
            var udev = files.ReadUdevRule();
            if (udev is not null) notes.AddRange(udev.Warnings);
            var (ap, apSource) = Resolve(BusMaskKind.ApMask, parsed, cmdSource, udev, notes);
            var (aq, aqSource) = Resolve(BusMaskKind.AqMask, parsed, cmdSource, udev, notes);
            return new BootMasks(ap, aq, apSource, aqSource, cmdline, cmdSource, notes);
        }

        private static (ApMask, BusMaskSource) Resolve(BusMaskKind kind, KernelCommandLine? cmdline, string? cmdSource, UdevMaskFile? udev, List<string> notes)
        {
            var mask = ApMask.Full;
            var source = BusMaskSource.KernelDefault;
            if (cmdline?.ValueOf(kind) is string value)
            {
                source = BusMaskSource.KernelCommandLine;
                if (!ApMask.TryParseKernel(value, ApMask.Empty, out mask, out var problem))
                {
                    mask = ApMask.Empty;
                    notes.Add($"{cmdSource}: {Name(kind)}={value} is not a mask the kernel takes ({problem}); the kernel ignores the error and starts with {Name(kind)} empty, every {(kind == BusMaskKind.ApMask ? "adapter" : "domain")} for vfio_ap.");
                }
            }
            if (udev is null) return (mask, source);
            foreach (var a in udev.Assignments)
            {
                if (a.Kind != kind || !a.Assigns) continue;
                if (ApMask.TryParseKernel(a.Value, mask, out var next, out var problem))
                {
                    mask = next;
                    source = BusMaskSource.UdevRule;
                }
                else notes.Add($"{udev.File}, line {a.Line}: the kernel refuses '{a.Value}' for {kind.ToString().ToLowerInvariant()} ({problem}); the write changes nothing.");
            }
            return (mask, source);
        }

        private static string Name(BusMaskKind kind) => kind == BusMaskKind.ApMask ? KernelCommandLine.ApMaskParameter : KernelCommandLine.AqMaskParameter;
    }
}
