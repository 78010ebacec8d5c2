using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
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

        /// <summary>
        /// The top of the repository is the layout the README describes: the four folders, the solution, README and
        /// LICENSE, and dotfiles (.ci, .config, .gitignore). Build outputs .gitignore names (artifacts/ of the package
        /// build, BenchmarkDotNet.Artifacts/) may appear in a working tree; anything else dropped there — a help
        /// example's output, a scratch script — fails here instead of being committed.
        /// </summary>
        [Fact]
        public void The_top_of_the_repository_holds_only_the_layout()
        {
            var root = RepoRoot();
            var allowed = new[] { "LICENSE", "README.md", "VfioAp.PowerShell.sln", "examples", "ps-module", "src", "tests" };
            var ignored = File.ReadAllLines(Path.Combine(root, ".gitignore"))
                .Select(l => l.Trim().Trim('/')).Where(l => l.Length > 0 && l.IndexOfAny(new[] { '/', '*', '#' }) < 0).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("artifacts", ignored);
            var top = Directory.EnumerateFileSystemEntries(root).Select(e => Path.GetFileName(e)!)
                .Where(n => !n.StartsWith(".", StringComparison.Ordinal) && !ignored.Contains(n))
                .OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(allowed, top);
        }

        /// <summary>
        /// Nothing lost with company: a host's sysfs is written only through <see cref="ISysfs.RunPlan"/> (the host's
        /// lock, the preconditions re-checked under it, the verifying reads), and no transport the module ships keeps
        /// a side door beside it — a public single write that would skip all three.
        /// </summary>
        [Fact]
        public void Sysfs_is_written_only_through_a_locked_plan()
        {
            var members = typeof(ISysfs).GetMethods().Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(new[] { "ReadMany", "RunPlan", "get_HostName", "get_Root" }, members);
            var transports = Assemblies.Select(Assembly.Load).SelectMany(LoadableTypes)
                .Where(t => typeof(ISysfs).IsAssignableFrom(t) && !t.IsInterface).ToList();
            Assert.Contains(typeof(LocalSysfs), transports);
            Assert.Contains(typeof(SimulatedSysfs), transports);
            Assert.Contains(typeof(VfioAp.Ssh.SshSysfs), transports);
            var doors = transports
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                    .Where(m => m.Name.StartsWith("Write", StringComparison.Ordinal) || m.ReturnType == typeof(Errno))
                    .Select(m => t.FullName + "." + m.Name))
                .ToList();
            Assert.True(doors.Count == 0, "writes beside RunPlan: " + string.Join(", ", doors));
        }

        // The cmdlet assembly's types that derive from PowerShell's cannot load here (no System.Management.Automation
        // in this test host); the rest can, and an ISysfs among them would be one of those.
        private static IEnumerable<Type> LoadableTypes(Assembly assembly)
        {
            try { return assembly.GetTypes(); }
            catch (ReflectionTypeLoadException ex) { return ex.Types.Where(t => t != null)!; }
        }

        [Fact]
        public void No_source_file_is_longer_than_350_lines()
        {
            var problems = SourceRules.LongFiles(SourceFile.All(RepoRoot()));
            Assert.True(problems.Count == 0, Report(problems));
        }

        [Fact]
        public void The_cmdlet_project_names_no_transport_or_lock_type_outside_the_session_factory()
        {
            // What a transport can do is decided once, when the session opens; cmdlets ask the session, never the type.
            var dir = System.IO.Path.Combine(RepoRoot(), "src", "VfioAp.PowerShell");
            var names = new System.Text.RegularExpressions.Regex(@"\b(LocalSysfs|SimulatedSysfs|SshSysfs|ApConfigLock|ApConfigLockFile|SimulatedHostLock)\b");
            var found = System.IO.Directory.EnumerateFiles(dir, "*.cs", System.IO.SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/") && !f.EndsWith("Sessions/ApSessionFactory.cs", StringComparison.Ordinal))
                .SelectMany(f => System.IO.File.ReadAllLines(f).Select((line, i) => (f, i, line)))
                .Where(x => names.IsMatch(x.line))
                .Select(x => $"{System.IO.Path.GetRelativePath(dir, x.f)}:{x.i + 1}: {x.line.Trim()}")
                .ToList();
            Assert.True(found.Count == 0, string.Join("\n", found));
        }

        [Fact]
        public void No_method_is_longer_than_80_lines()
        {
            var problems = SourceRules.LongMethods(SourceFile.All(RepoRoot()));
            Assert.True(problems.Count == 0, Report(problems));
        }
    }
}
