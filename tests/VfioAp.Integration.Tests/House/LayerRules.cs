using System;
using System.Collections.Generic;
using System.Linq;

namespace VfioAp.Integration.Tests.House
{
    /// <summary>
    /// The layers inside one assembly, bottom first: a namespace may use its own layer's namespace and those below, never
    /// one above and never a sibling on its own level (siblings stay independent). Every namespace of the assembly must be
    /// placed, so a new folder has to be given its layer here before it can be used.
    /// </summary>
    public sealed class Layering
    {
        private readonly Dictionary<string, int> _level = new Dictionary<string, int>(StringComparer.Ordinal);

        public Layering(string assembly, params string[][] layers)
        {
            Assembly = assembly;
            for (int i = 0; i < layers.Length; i++)
                foreach (var ns in layers[i]) _level.Add(ns, i);
        }

        public string Assembly { get; }

        /// <summary>
        /// Namespaces outside the layers, which any layer may use: what the compiler emits into every assembly
        /// (<c>&lt;PrivateImplementationDetails&gt;</c> in the global namespace, <c>Microsoft.CodeAnalysis.EmbeddedAttribute</c>,
        /// the nullable attributes in <c>System.Runtime.CompilerServices</c>) and the polyfills it looks up there.
        /// </summary>
        public ISet<string> Anywhere { get; } = new HashSet<string>(StringComparer.Ordinal) { "", "Microsoft.CodeAnalysis", "System.Runtime.CompilerServices" };

        /// <summary>Null when <paramref name="from"/> may use <paramref name="to"/>; otherwise why not.</summary>
        public string? Check(string from, string to)
        {
            if (from == to || Anywhere.Contains(from) || Anywhere.Contains(to)) return null;
            if (!_level.TryGetValue(from, out var f)) return $"namespace {from} is not placed in a layer of {Assembly}";
            if (!_level.TryGetValue(to, out var t)) return $"namespace {to} is not placed in a layer of {Assembly}";
            if (t < f) return null;
            return t > f ? $"{from} is below {to}" : $"{from} and {to} are siblings on one layer";
        }
    }

    /// <summary>Which assemblies (by name) an assembly must not reference at all.</summary>
    public sealed record ForbiddenAssemblies(string Assembly, params string[] Forbidden);

    /// <summary>The house's direction rules applied to type uses read from compiled assemblies.</summary>
    public sealed class LayerRules
    {
        public LayerRules(IEnumerable<Layering> layerings, IEnumerable<ForbiddenAssemblies> forbidden)
        {
            Layerings = layerings.ToDictionary(l => l.Assembly, StringComparer.Ordinal);
            Forbidden = forbidden.ToDictionary(f => f.Assembly, f => f.Forbidden, StringComparer.Ordinal);
        }

        public IReadOnlyDictionary<string, Layering> Layerings { get; }
        public IReadOnlyDictionary<string, string[]> Forbidden { get; }

        /// <summary>
        /// The project's rules. Core: the model at the bottom; the rules (and the lock, which needs only the model)
        /// above it; mdevctl's and libvirt's file formats (Persistence) above the rules; the boot (persistent masks, the next boot's
        /// prediction) above those; the transports and the host
        /// reader (Sysfs), which read libvirt's domain files in the snapshot's batch, above those; the simulated kernel
        /// on top. PowerShell: the module's loader and the error list at the bottom;
        /// sessions; the kernel-syntax arguments (completers read the sessions); the fan-out host base; cmdlets on top.
        /// </summary>
        public static LayerRules House()
        {
            var core = new Layering("VfioAp.Core",
                new[] { "VfioAp.Core.Model" },
                new[] { "VfioAp.Core.Rules", "VfioAp.Core.Locking" },
                new[] { "VfioAp.Core.Persistence" },
                new[] { "VfioAp.Core.Boot" },
                new[] { "VfioAp.Core.Sysfs" },
                new[] { "VfioAp.Core.Changes" },
                new[] { "VfioAp.Core.Simulation" });
            // (IsExternalInit, Core's polyfill for init accessors, is in System.Runtime.CompilerServices: see Anywhere.)
            var powerShell = new Layering("VfioAp.PowerShell",
                new[] { "VfioAp.PowerShell.Loading", "VfioAp.PowerShell.Errors", "VfioAp.PowerShell.Threading" },
                new[] { "VfioAp.PowerShell.Sessions" },
                new[] { "VfioAp.PowerShell.Arguments" },
                new[] { "VfioAp.PowerShell.Hosting" },
                new[] { "VfioAp.PowerShell.Commands" });
            return new LayerRules(new[] { core, powerShell }, new[]
            {
                new ForbiddenAssemblies("VfioAp.Core", "VfioAp.Ssh", "VfioAp.SimFs", "VfioAp.PowerShell", "System.Management.Automation", "Renci.SshNet"),
                new ForbiddenAssemblies("VfioAp.Ssh", "VfioAp.SimFs", "VfioAp.PowerShell", "System.Management.Automation"),
                new ForbiddenAssemblies("VfioAp.SimFs", "VfioAp.Ssh", "VfioAp.PowerShell", "System.Management.Automation"),
            });
        }

        /// <summary>Every use against the rules, one line each naming the type, the member and what it uses; distinct, sorted.</summary>
        public IReadOnlyList<string> Violations(IEnumerable<TypeUse> uses)
        {
            var found = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var use in uses)
            {
                if (Forbidden.TryGetValue(use.Assembly, out var banned) && banned.Contains(use.Target.Assembly, StringComparer.Ordinal))
                    found.Add($"{use}: {use.Assembly} must not reference {use.Target.Assembly}");
                if (use.Target.Assembly != use.Assembly || !Layerings.TryGetValue(use.Assembly, out var layering)) continue;
                if (layering.Check(use.FromNamespace, use.Target.Namespace) is string why) found.Add($"{use}: {why}");
            }
            return found.ToList();
        }
    }
}
