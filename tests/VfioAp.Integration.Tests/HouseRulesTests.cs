using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Integration.Tests.House;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The house rules a newcomer can rely on, checked on the real build: every type's namespace is its folder; Core,
    /// Ssh, SimFs and the PowerShell module use each other in one direction only, and inside Core and the module the
    /// layers point down (README, Layout); no source file or method grows past what one can read at once.
    /// The layer check reads the compiled assemblies' metadata (method bodies included), so a fully qualified name
    /// or a lambda cannot slip past it; the other checks parse the sources with Roslyn, which also sees the types
    /// (interfaces, enums) a PDB has no sequence points for.
    /// </summary>
    public sealed class HouseRulesTests
    {
        private static readonly string[] Assemblies = { "VfioAp.Core", "VfioAp.Ssh", "VfioAp.SimFs", "VfioAp.PowerShell" };

        internal static string RepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "VfioAp.PowerShell.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("VfioAp.PowerShell.sln not found above " + AppContext.BaseDirectory);
        }

        private static string Report(IReadOnlyList<string> problems) =>
            problems.Count + " problem(s):" + Environment.NewLine + string.Join(Environment.NewLine, problems);

        [Fact]
        public void Every_type_is_in_the_namespace_its_folder_names()
        {
            var files = SourceFile.All(RepoRoot());
            Assert.Contains(files, f => f.Display == "src/VfioAp.Core/Model/ApMatrix.cs");
            var problems = SourceRules.NamespaceMismatches(files);
            Assert.True(problems.Count == 0, Report(problems));
        }

        [Fact]
        public void References_point_down_the_layers()
        {
            var rules = LayerRules.House();
            var uses = Assemblies.SelectMany(a => MetadataReferences.Read(Path.Combine(AppContext.BaseDirectory, a + ".dll"))).ToList();
            // The reader sees what the rules are about: Rules uses the model, the cmdlets use Core, Ssh implements ISysfs.
            Assert.Contains(uses, u => u.FromNamespace == "VfioAp.Core.Rules" && u.Target.Namespace == "VfioAp.Core.Model");
            Assert.Contains(uses, u => u.Assembly == "VfioAp.PowerShell" && u.Target.Assembly == "VfioAp.Core");
            Assert.Contains(uses, u => u.Assembly == "VfioAp.Ssh" && u.Target.FullName == "VfioAp.Core.Sysfs.ISysfs");
            var problems = rules.Violations(uses);
            Assert.True(problems.Count == 0, Report(problems));
        }

        [Fact]
        public void No_source_file_is_longer_than_350_lines()
        {
            var problems = SourceRules.LongFiles(SourceFile.All(RepoRoot()));
            Assert.True(problems.Count == 0, Report(problems));
        }

        [Fact]
        public void No_method_is_longer_than_80_lines()
        {
            var problems = SourceRules.LongMethods(SourceFile.All(RepoRoot()));
            Assert.True(problems.Count == 0, Report(problems));
        }
    }
}
