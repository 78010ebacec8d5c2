using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace VfioAp.Integration.Tests.House
{
    /// <summary>One C# source file of a src project, parsed (syntax only) with Roslyn.</summary>
    public sealed class SourceFile
    {
        public SourceFile(string project, string relativePath, string text)
        {
            Project = project;
            RelativePath = relativePath.Replace('\\', '/');
            Tree = CSharpSyntaxTree.ParseText(text, path: RelativePath);
        }

        /// <summary>The project's folder name, which is also its root namespace (<c>VfioAp.Core</c>).</summary>
        public string Project { get; }
        /// <summary>Relative to the project folder (<c>Rules/ApcbFilter.cs</c>).</summary>
        public string RelativePath { get; }
        public SyntaxTree Tree { get; }
        public string Display => $"src/{Project}/{RelativePath}";

        /// <summary>The namespace the folder gives: the project's, then each folder.</summary>
        public string FolderNamespace
        {
            get
            {
                var dir = Path.GetDirectoryName(RelativePath)?.Replace('\\', '/') ?? "";
                return dir.Length == 0 ? Project : Project + "." + dir.Replace('/', '.');
            }
        }

        public int LineCount => Tree.GetText().Lines.Count - (Tree.GetText().ToString().EndsWith("\n", StringComparison.Ordinal) ? 1 : 0);

        /// <summary>Every src/*/**.cs file, without obj/ and bin/.</summary>
        public static IReadOnlyList<SourceFile> All(string repoRoot)
        {
            var src = Path.Combine(repoRoot, "src");
            var files = new List<SourceFile>();
            foreach (var projectDir in Directory.GetDirectories(src))
            {
                var project = Path.GetFileName(projectDir);
                foreach (var file in Directory.EnumerateFiles(projectDir, "*.cs", SearchOption.AllDirectories))
                {
                    var rel = Path.GetRelativePath(projectDir, file).Replace('\\', '/');
                    if (rel.StartsWith("obj/", StringComparison.Ordinal) || rel.StartsWith("bin/", StringComparison.Ordinal)) continue;
                    files.Add(new SourceFile(project, rel, File.ReadAllText(file)));
                }
            }
            return files.OrderBy(f => f.Display, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The house rules that are about source text: namespaces match folders, files and methods stay short.</summary>
    public static class SourceRules
    {
        public const int MaxFileLines = 350;
        public const int MaxMethodLines = 80;

        /// <summary>
        /// Types declared in another namespace than their folder's, on purpose. IsExternalInit is the compiler's polyfill
        /// for init accessors on netstandard2.0: the compiler looks it up in System.Runtime.CompilerServices only.
        /// </summary>
        public static readonly IReadOnlyDictionary<string, string> NamespaceExceptions = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["src/VfioAp.Core/IsExternalInit.cs"] = "System.Runtime.CompilerServices",
        };

        /// <summary>Files allowed over <see cref="MaxFileLines"/>: data or generated text, with why. None today.</summary>
        public static readonly IReadOnlyDictionary<string, string> LongFileExceptions = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Each type declared in a namespace other than its folder's (or in none), as "file: type in namespace (folder wants …)".</summary>
        public static IReadOnlyList<string> NamespaceMismatches(IEnumerable<SourceFile> files)
        {
            var found = new List<string>();
            foreach (var file in files)
            {
                var expected = NamespaceExceptions.TryGetValue(file.Display, out var allowed) ? allowed : file.FolderNamespace;
                foreach (var type in file.Tree.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>())
                {
                    if (type.Parent is BaseTypeDeclarationSyntax) continue; // nested: its outer type carries the namespace
                    var ns = NamespaceOf(type);
                    if (ns != expected)
                        found.Add($"{file.Display}: {type.Identifier.Text} is in namespace '{ns}', its folder says '{expected}'");
                }
                foreach (var d in file.Tree.GetRoot().DescendantNodes().OfType<DelegateDeclarationSyntax>())
                    if (d.Parent is not TypeDeclarationSyntax && NamespaceOf(d) != expected)
                        found.Add($"{file.Display}: delegate {d.Identifier.Text} is in namespace '{NamespaceOf(d)}', its folder says '{expected}'");
            }
            return found;
        }

        public static IReadOnlyList<string> LongFiles(IEnumerable<SourceFile> files) =>
            files.Where(f => f.LineCount > MaxFileLines && !LongFileExceptions.ContainsKey(f.Display))
                 .Select(f => $"{f.Display}: {f.LineCount} lines (at most {MaxFileLines})").ToList();

        /// <summary>Methods, constructors, accessors, operators and local functions whose body spans more than <see cref="MaxMethodLines"/> lines.</summary>
        public static IReadOnlyList<string> LongMethods(IEnumerable<SourceFile> files)
        {
            var found = new List<string>();
            foreach (var file in files)
            {
                foreach (var node in file.Tree.GetRoot().DescendantNodes())
                {
                    var (name, body) = node switch
                    {
                        BaseMethodDeclarationSyntax m => (NameOf(m), (SyntaxNode?)m.Body ?? m.ExpressionBody),
                        AccessorDeclarationSyntax a => ($"{NameOf(a.Parent?.Parent)} {a.Keyword.Text}", (SyntaxNode?)a.Body ?? a.ExpressionBody),
                        LocalFunctionStatementSyntax l => ("local function " + l.Identifier.Text, (SyntaxNode?)l.Body ?? l.ExpressionBody),
                        _ => ("", null),
                    };
                    if (body is null) continue;
                    var span = body.GetLocation().GetLineSpan();
                    int lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                    if (lines > MaxMethodLines)
                        found.Add($"{file.Display}:{span.StartLinePosition.Line + 1}: {name} is {lines} lines (at most {MaxMethodLines})");
                }
            }
            return found;
        }

        private static string NamespaceOf(SyntaxNode node) =>
            string.Join(".", node.Ancestors().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString()));

        private static string NameOf(SyntaxNode? node) => node switch
        {
            MethodDeclarationSyntax m => m.Identifier.Text,
            ConstructorDeclarationSyntax c => c.Identifier.Text + " constructor",
            DestructorDeclarationSyntax d => "~" + d.Identifier.Text,
            OperatorDeclarationSyntax o => "operator " + o.OperatorToken.Text,
            ConversionOperatorDeclarationSyntax c => "conversion to " + c.Type,
            PropertyDeclarationSyntax p => p.Identifier.Text,
            IndexerDeclarationSyntax => "this[]",
            EventDeclarationSyntax e => e.Identifier.Text,
            _ => node?.Kind().ToString() ?? "?",
        };
    }
}
