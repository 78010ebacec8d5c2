using System;
using System.Collections.Generic;
using System.IO;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Scenario files (about_VfioAp_Kernel: SCENARIO FILES) and the built-in scenarios. A scenario is applied to a fresh
    /// <see cref="SimulatedKernel"/> through the kernel's own write paths (apmask, bind/unbind, create, assign_*),
    /// so a state the kernel would refuse is refused here too, naming the entry.
    /// </summary>
    public static class ScenarioLibrary
    {
        /// <summary>The built-in scenarios: <c>seed</c>, <c>kernel-doc</c>, <c>over-provisioned</c>, <c>large-60x85</c>, <c>large-256x256</c>.</summary>
        public static IReadOnlyList<string> BuiltInNames { get; } = BuiltInScenarios.Names;

        /// <summary>
        /// A scenario file when <paramref name="nameOrPath"/> names an existing file or ends in <c>.json</c>;
        /// otherwise a built-in scenario by name.
        /// </summary>
        public static SimulatedKernel Load(string nameOrPath)
        {
            if (string.IsNullOrWhiteSpace(nameOrPath))
                throw new ScenarioException("(scenario)", 0, 0, null, "No scenario given. Built-in scenarios: " + string.Join(", ", BuiltInNames) + "; or give the path of a .json file.");
            if (File.Exists(nameOrPath) || nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                string text;
                try
                {
                    text = File.ReadAllText(nameOrPath);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new ScenarioException(nameOrPath, 0, 0, null, $"cannot read the scenario file: {ex.Message}", ex);
                }
                return FromJson(text, nameOrPath);
            }
            var json = BuiltInScenarios.Json(nameOrPath);
            if (json is null)
                throw new ScenarioException(nameOrPath, 0, 0, null,
                    $"'{nameOrPath}' is neither a built-in scenario nor an existing file. Built-in scenarios: {string.Join(", ", BuiltInNames)}.");
            return FromJson(json, nameOrPath);
        }

        /// <summary>The JSON text of a built-in scenario (a starting point for one's own), or null for an unknown name.</summary>
        public static string? BuiltInJson(string name) => BuiltInScenarios.Json(name);

        /// <summary>Builds a kernel from scenario JSON; <paramref name="source"/> names it in errors.</summary>
        public static SimulatedKernel FromJson(string json, string source)
        {
            if (json is null) throw new ArgumentNullException(nameof(json));
            source = string.IsNullOrEmpty(source) ? "(scenario)" : source;
            return new ScenarioBuilder(new ScenarioJson(source), source).Build(ScenarioJson.Parse(json, source));
        }
    }
}
