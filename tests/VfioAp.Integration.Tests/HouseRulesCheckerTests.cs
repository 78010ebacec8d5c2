using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using VfioAp.Integration.Tests.House;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The house checks can fail: small assemblies and sources made here, with one known breach each, are caught and
    /// named; the same shapes without the breach pass.
    /// </summary>
    public sealed class HouseRulesCheckerTests
    {
        private static readonly LayerRules Rules = new LayerRules(
            new[]
            {
                new Layering("Fake.Core",
                    new[] { "Fake.Core.Model" },
                    new[] { "Fake.Core.Rules", "Fake.Core.Locking" },
                    new[] { "Fake.Core.Sysfs" }),
            },
            new[] { new ForbiddenAssemblies("Fake.Core", "System.Console") });

        private static MemoryStream Compile(string assembly, string code)
        {
            var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            var compilation = CSharpCompilation.Create(assembly, new[] { CSharpSyntaxTree.ParseText(code) },
                tpa.Select(p => MetadataReference.CreateFromFile(p)),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var stream = new MemoryStream();
            var emit = compilation.Emit(stream);
            Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
            stream.Position = 0;
            return stream;
        }

        private const string Clean = @"
namespace Fake.Core.Model { public sealed class Apple { public int Size; } }
namespace Fake.Core.Rules { public static class Judge { public static bool Big(Fake.Core.Model.Apple a) => a.Size > 3; } }
namespace Fake.Core.Sysfs
{
    public sealed class Reader
    {
        public System.Func<bool> Later(Fake.Core.Model.Apple a) => () => Fake.Core.Rules.Judge.Big(a);
    }
}";

        [Fact]
        public void Uses_that_point_down_pass()
        {
            var uses = MetadataReferences.Read(Compile("Fake.Core", Clean));
            Assert.Contains(uses, u => u.FromType == "Fake.Core.Sysfs.Reader" && u.Member == "Later (lambda)" && u.Target.FullName == "Fake.Core.Rules.Judge");
            Assert.Empty(Rules.Violations(uses));
        }

        [Theory]
        // A call in a method body, written with the full name (no using directive to see).
        [InlineData("namespace Fake.Core.Model { public static class Apple { public static bool Big() => Fake.Core.Rules.Judge.Big(); } }",
                    "Fake.Core.Model.Apple.Big uses Fake.Core.Rules.Judge (Fake.Core): Fake.Core.Model is below Fake.Core.Rules")]
        // typeof only.
        [InlineData("namespace Fake.Core.Model { public static class Apple { public static object T() => typeof(Fake.Core.Sysfs.Reader); } }",
                    "Fake.Core.Model.Apple.T uses Fake.Core.Sysfs.Reader (Fake.Core): Fake.Core.Model is below Fake.Core.Sysfs")]
        // Inside a lambda: the closure class belongs to the type that wrote it.
        [InlineData("namespace Fake.Core.Model { public static class Apple { public static System.Func<object> F() => () => new Fake.Core.Sysfs.Reader(); } }",
                    "Fake.Core.Model.Apple.F (lambda) uses Fake.Core.Sysfs.Reader (Fake.Core): Fake.Core.Model is below Fake.Core.Sysfs")]
        // A generic argument of a field's type.
        [InlineData("namespace Fake.Core.Rules { public sealed class Apple { public System.Collections.Generic.List<Fake.Core.Sysfs.Reader> L = null; } }",
                    "Fake.Core.Rules.Apple.L uses Fake.Core.Sysfs.Reader (Fake.Core): Fake.Core.Rules is below Fake.Core.Sysfs")]
        // Siblings on one layer.
        [InlineData("namespace Fake.Core.Rules { public sealed class Apple : Fake.Core.Locking.Key { } }",
                    "Fake.Core.Rules.Apple.(base type) uses Fake.Core.Locking.Key (Fake.Core): Fake.Core.Rules and Fake.Core.Locking are siblings on one layer")]
        // A namespace no layer names.
        [InlineData("namespace Fake.Core.Stray { public static class Apple { public static object T() => typeof(Fake.Core.Model.Pear); } }",
                    "Fake.Core.Stray.Apple.T uses Fake.Core.Model.Pear (Fake.Core): namespace Fake.Core.Stray is not placed in a layer of Fake.Core")]
        // An assembly the project must not reference.
        [InlineData("namespace Fake.Core.Model { public static class Apple { public static void W() => System.Console.WriteLine(); } }",
                    "Fake.Core.Model.Apple.W uses System.Console (System.Console): Fake.Core must not reference System.Console")]
        public void A_use_against_the_direction_is_named(string breach, string expected)
        {
            const string others = @"
namespace Fake.Core.Model { public sealed class Pear { } }
namespace Fake.Core.Rules { public static class Judge { public static bool Big() => true; } }
namespace Fake.Core.Locking { public class Key { } }
namespace Fake.Core.Sysfs { public sealed class Reader { } }";
            Assert.Empty(Rules.Violations(MetadataReferences.Read(Compile("Fake.Core", others + "namespace Fake.Core.Model { public static class Apple { } }"))));
            var problems = Rules.Violations(MetadataReferences.Read(Compile("Fake.Core", others + breach)));
            Assert.Contains(expected, problems);
            Assert.All(problems, p => Assert.StartsWith(expected.Substring(0, expected.IndexOf(".Apple", StringComparison.Ordinal) + 6), p));
        }

        [Fact]
        public void Namespaces_off_their_folder_and_long_code_are_named()
        {
            // Bodies of 80 lines (braces included) pass, of 83 do not.
            var body = string.Concat(Enumerable.Repeat("            x++;\n", 79));
            var ok = new SourceFile("VfioAp.Core", "Model/Apple.cs",
                "namespace VfioAp.Core.Model\n{\n    public static class Apple\n    {\n        public static int F(int x)\n        {\n" + body.Substring(17 * 2) + "            return x;\n        }\n    }\n}\n");
            var bad = new SourceFile("VfioAp.Core", "Rules/Pear.cs",
                "namespace VfioAp.Core.Model\n{\n    public static class Pear\n    {\n        public static int F(int x)\n        {\n" + body + "            x++;\n            return x;\n        }\n    }\n}\n" +
                string.Concat(Enumerable.Repeat("// filler\n", 300)));
            Assert.Empty(SourceRules.NamespaceMismatches(new[] { ok }));
            Assert.Empty(SourceRules.LongMethods(new[] { ok }));
            Assert.Empty(SourceRules.LongFiles(new[] { ok }));
            Assert.Equal(new[] { "src/VfioAp.Core/Rules/Pear.cs: Pear is in namespace 'VfioAp.Core.Model', its folder says 'VfioAp.Core.Rules'" },
                SourceRules.NamespaceMismatches(new[] { bad }));
            Assert.Equal(new[] { "src/VfioAp.Core/Rules/Pear.cs:6: F is 83 lines (at most 80)" }, SourceRules.LongMethods(new[] { bad }));
            Assert.Equal(new[] { "src/VfioAp.Core/Rules/Pear.cs: 390 lines (at most 350)" }, SourceRules.LongFiles(new[] { bad }));
        }
    }
}
