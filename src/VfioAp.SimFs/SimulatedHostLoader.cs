using System.IO;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Simulation;

namespace VfioAp.SimFs
{
    /// <summary>Builds the simulated kernel a mount serves, from a built-in scenario name or a scenario JSON file.</summary>
    internal static class SimulatedHostLoader
    {
        /// <summary>
        /// Loads <paramref name="nameOrPath"/> with <see cref="ScenarioLibrary.Load"/>; throws <see cref="ScenarioException"/>
        /// (with the file, line and entry) for a bad scenario and, for an unknown name, the list of built-in ones.
        /// With <paramref name="legacyKernel"/> the scenario's own <c>kernel</c> features are overridden by
        /// <see cref="KernelFeatures.Legacy"/> (no <c>ap_config</c>, no <c>guest_matrix</c>).
        /// </summary>
        public static SimulatedKernel Load(string nameOrPath, bool legacyKernel)
        {
            // Loaded as given first, so any mistake in the scenario is reported against its own text and line numbers.
            var kernel = ScenarioLibrary.Load(nameOrPath);
            if (!legacyKernel || kernel.Features == KernelFeatures.Legacy) return kernel;

            var json = ScenarioLibrary.BuiltInJson(nameOrPath) is string builtIn && !File.Exists(nameOrPath)
                ? builtIn
                : File.ReadAllText(nameOrPath);
            var root = JObject.Parse(json);
            root["kernel"] = new JObject
            {
                ["apConfig"] = KernelFeatures.Legacy.ApConfig,
                ["guestMatrix"] = KernelFeatures.Legacy.GuestMatrix,
            };
            return ScenarioLibrary.FromJson(root.ToString(), nameOrPath);
        }
    }
}
