using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace VfioAp.Integration.Tests;

/// <summary>src/ARCHITECTURE.md traces reads and changes through named files: each must exist, or the map misleads.</summary>
public class ArchitectureMapTests
{
    [Fact]
    public void Every_file_the_map_names_exists()
    {
        var root = HouseRulesTests.RepoRoot();
        var map = File.ReadAllText(Path.Combine(root, "src", "ARCHITECTURE.md"));
        var named = Regex.Matches(map, @"`((?:src|tests)/[^`\s]+\.(?:cs|md|ps1|psm1))`").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(named.Count >= 30, $"the map names only {named.Count} files: is the pattern still matching?");
        var missing = named.Where(p => !File.Exists(Path.Combine(root, p))).ToList();
        Assert.True(missing.Count == 0, "named in src/ARCHITECTURE.md but missing: " + string.Join(", ", missing));
    }
}
