using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using Xunit.Abstractions;

namespace VfioAp.Core.Tests;

/// <summary>
/// The store against the real mdevctl (Debian's package), each run in a private mount namespace whose
/// /etc/mdevctl.d is the test root's: mdevctl reads what the store wrote, the store reads what mdevctl wrote.
/// </summary>
public class PersistenceMdevctlTests
{
    private static readonly Guid A = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly Guid B = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
    private readonly ITestOutputHelper _out;

    public PersistenceMdevctlTests(ITestOutputHelper output) => _out = output;

    [MdevctlFact]
    public void Mdevctl_lists_what_the_store_wrote_with_the_same_matrix_and_start()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(root));
        var matrixA = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4, 0x22));
        var matrixB = new ApMatrix(ApMask.Of(0x3f, 0xff), ApMask.Of(0, 0xff), ApMask.Empty);
        store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, matrixA, MdevStartMode.Auto), MdevctlDefinition.FromMatrix(B, matrixB) }).Persist();

        var listed = RealMdevctl.RunOk(root, "list", "--defined", "--dumpjson");
        _out.WriteLine(listed);
        // Read mdevctl's output with a plain JSON parser: parent "matrix", one entry per UUID.
        var byUuid = ((JArray)JToken.Parse(listed)).Cast<JObject>().SelectMany(o => (JArray)o["matrix"]!).Cast<JObject>()
            .ToDictionary(o => o.Properties().Single().Name, o => (JObject)o.Properties().Single().Value);
        Assert.Equal(new[] { A.ToString(), B.ToString() }, byUuid.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal("auto", (string?)byUuid[A.ToString()]["start"]);
        Assert.Equal("manual", (string?)byUuid[B.ToString()]["start"]);
        Assert.Equal(matrixA, MatrixOf(byUuid[A.ToString()]));
        Assert.Equal(matrixB, MatrixOf(byUuid[B.ToString()]));

        // Byte for byte: one device as mdevctl prints it equals the store's file and the list form.
        var single = RealMdevctl.RunOk(root, "list", "--defined", "-u", A.ToString(), "--dumpjson");
        Assert.Equal(File.ReadAllText(store.PathOf(A)) + "\n", single);
        var parsed = MdevctlJson.ParseDocument(listed, "mdevctl list");
        Assert.Equal(matrixA, parsed.Single(d => d.Uuid == A).ToMatrix());

        // With one device left (mdevctl lists a parent's devices in directory order), the list form is byte for byte the store's.
        RealMdevctl.RunOk(root, "undefine", "-u", B.ToString());
        var remaining = new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll();
        Assert.Equal(new[] { A }, remaining.Definitions.Select(d => d.Uuid));
        Assert.Equal(MdevctlJson.FormatList(remaining.Definitions) + "\n", RealMdevctl.RunOk(root, "list", "--defined", "--dumpjson"));

        var verbose = RealMdevctl.RunOk(root, "list", "--defined", "-v", "-u", A.ToString());
        Assert.StartsWith($"{A} matrix vfio_ap-passthrough auto", verbose);
        Assert.Contains("@{0}: {\"assign_adapter\":\"0x4\"}", verbose);
    }

    [MdevctlFact]
    public void The_store_reads_what_mdevctl_define_and_modify_wrote_as_equal_objects()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var matrix = new ApMatrix(ApMask.Of(5, 6), ApMask.Of(4, 0xab), ApMask.Of(0xab));
        RealMdevctl.RunOk(root, "define", "-u", A.ToString(), "-p", "matrix", "-t", "vfio_ap-passthrough");
        // The admin's way: one --addattr per id, in the order the module would write them.
        foreach (var attr in MdevMatrixAttributes.FromMatrix(matrix))
            RealMdevctl.RunOk(root, "modify", "-u", A.ToString(), "--addattr=" + attr.Name, "--value=" + attr.Value);
        RealMdevctl.RunOk(root, "modify", "-u", A.ToString(), "--auto");

        var read = new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll();
        Assert.Empty(read.Problems);
        var def = Assert.Single(read.Definitions);
        var expected = MdevctlDefinition.FromMatrix(A, matrix, MdevStartMode.Auto);
        Assert.True(def.SameDefinition(expected), def.ToConfigJson());
        Assert.Equal(matrix, def.ToMatrix());
        // mdevctl's file and the store's text for the same definition are the same bytes.
        Assert.Equal(expected.ToConfigJson(), File.ReadAllText(Path.Combine(root, "etc/mdevctl.d/matrix", A.ToString())));
    }

    [MdevctlFact]
    public void Mdevctl_define_from_a_jsonfile_with_decimal_and_octal_ids_reads_back_as_the_kernel_would_take_them()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var jsonFile = Path.Combine(dir.Path, "vfio_ap_device.json");
        // mdevctl passes values through untouched; the kernel's kstrtoul decides: 5 decimal, 0x47 hex, 010 octal (8).
        File.WriteAllText(jsonFile, """{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "5"}, {"assign_domain": "0x47"}, {"assign_domain": "010"}]}""");
        RealMdevctl.RunOk(root, "define", "-u", B.ToString(), "-p", "matrix", "--jsonfile", jsonFile);

        var def = new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll().Find(B)!;
        var warnings = new List<string>();
        Assert.Equal(new ApMatrix(ApMask.Of(5), ApMask.Of(0x47, 8), ApMask.Empty), def.ToMatrix(warnings: warnings));
        Assert.Contains(warnings, w => w.Contains("octal"));
    }

    [MdevctlFact]
    public void Unknown_attributes_the_store_keeps_are_kept_by_mdevctl_too_but_mdevctl_drops_unknown_top_level_fields()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(root));
        var def = MdevctlDefinition.ParseConfig("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "x-field": 1, "attrs": [{"x_attr": "v"}]}""", "t", A)
            .WithMatrix(new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty));
        store.PlanPersist(new[] { def }).Persist();
        Assert.Contains("x-field", File.ReadAllText(store.PathOf(A)));

        // A change through mdevctl rewrites the file from its own model (verified behaviour of 1.2.0).
        RealMdevctl.RunOk(root, "modify", "-u", A.ToString(), "--auto");
        var after = store.ReadAll().Find(A)!;
        Assert.Empty(after.UnknownFields);
        Assert.Equal(new[] { "assign_adapter", "assign_domain", "x_attr" }, after.Attributes.Select(a => a.Name));
        Assert.Equal(MdevStartMode.Auto, after.Start);
    }

    [MdevctlFact]
    public void What_mdevctl_refuses_the_store_refuses_naming_the_file()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var parentDir = Path.Combine(root, "etc/mdevctl.d/matrix");
        Directory.CreateDirectory(parentDir);
        var bad = Path.Combine(parentDir, B.ToString());
        foreach (var text in new[] { "{\"mdev_type\":\"vfio_ap-passthrough\",\"start\":\"manual\",\"attrs\":[", "{\"mdev_type\":\"vfio_ap-passthrough\"}" })
        {
            File.WriteAllText(bad, text);
            var (code, _, err) = RealMdevctl.Run(root, "list", "--defined");
            _out.WriteLine($"mdevctl on {text}: exit {code}: {err.Trim()}");
            Assert.NotEqual(0, code);
            var problem = Assert.Single(new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll().Problems);
            Assert.Equal(bad, problem.Source);
        }
    }

    private static ApMatrix MatrixOf(JObject config)
    {
        ApMask a = ApMask.Empty, d = ApMask.Empty, c = ApMask.Empty;
        foreach (var o in ((JArray)config["attrs"]!).Cast<JObject>())
        {
            var p = o.Properties().Single();
            int id = Convert.ToInt32((string)p.Value!, 16);
            switch (p.Name)
            {
                case "assign_adapter": a = a.With(id); break;
                case "assign_domain": d = d.With(id); break;
                case "assign_control_domain": c = c.With(id); break;
                default: throw new InvalidOperationException(p.Name);
            }
        }
        return new ApMatrix(a, d, c);
    }
}
