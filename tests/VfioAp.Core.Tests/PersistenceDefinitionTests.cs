using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CsCheck;
using Newtonsoft.Json.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Tests;

public class PersistenceDefinitionTests
{
    private static readonly Guid Seed = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");

    private static readonly Gen<ApMask> GenMask =
        Gen.Int[0, 255].Array[0, 12].Select(bits => ApMask.Of(bits));

    private static readonly Gen<ApMatrix> GenMatrix =
        Gen.Select(GenMask, GenMask, GenMask, (a, d, c) => new ApMatrix(a, d, c));

    [Fact]
    public void A_matrix_becomes_assign_attributes_adapters_then_domains_then_control_domains_in_0x_hex()
    {
        var matrix = new ApMatrix(ApMask.Of(5, 4), ApMask.Of(0x35, 0x04, 0x22), ApMask.Of(0x22));
        var def = MdevctlDefinition.FromMatrix(Seed, matrix, MdevStartMode.Auto);

        // Read the text back with a plain JSON parser, not with the code under test.
        var json = JObject.Parse(def.ToConfigJson());
        Assert.Equal(new[] { "mdev_type", "start", "attrs" }, json.Properties().Select(p => p.Name));
        Assert.Equal("vfio_ap-passthrough", (string?)json["mdev_type"]);
        Assert.Equal("auto", (string?)json["start"]);
        var attrs = ((JArray)json["attrs"]!).Cast<JObject>().Select(o => (o.Properties().Single().Name, (string)o.Properties().Single().Value!)).ToList();
        var expected = matrix.Adapters.Select(a => ("assign_adapter", "0x" + a.ToString("x")))
            .Concat(matrix.Domains.Select(d => ("assign_domain", "0x" + d.ToString("x"))))
            .Concat(matrix.ControlDomains.Select(c => ("assign_control_domain", "0x" + c.ToString("x"))));
        Assert.Equal(expected, attrs);
        Assert.DoesNotContain("\r", def.ToConfigJson());
        Assert.False(def.ToConfigJson().EndsWith("\n"), "mdevctl (serde_json to_string_pretty) writes no final newline");
    }

    [Fact]
    public void Any_matrix_survives_text_and_back()
    {
        GenMatrix.Sample(matrix =>
        {
            var def = MdevctlDefinition.FromMatrix(Seed, matrix);
            var back = MdevctlDefinition.ParseConfig(def.ToConfigJson(), "t", Seed);
            Assert.Equal(matrix, back.ToMatrix());
            Assert.True(back.SameDefinition(def));
        }, iter: 500);
    }

    [Fact]
    public void Replaying_random_assign_and_unassign_writes_matches_setting_and_clearing_bits_in_order()
    {
        var names = new[] { "assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain", "assign_control_domain", "unassign_control_domain" };
        var genAttr = Gen.Select(Gen.Int[0, names.Length - 1], Gen.Int[0, 255], Gen.Int[0, 2], (n, id, style) =>
            new MdevctlAttribute(names[n], style switch { 0 => "0x" + id.ToString("x"), 1 => id.ToString(), _ => id == 0 ? "0" : "0" + Convert.ToString(id, 8) }));
        genAttr.Array[0, 40].Sample(attrs =>
        {
            var sets = new[] { new SortedSet<int>(), new SortedSet<int>(), new SortedSet<int>() };
            foreach (var a in attrs)
            {
                int which = a.Name.EndsWith("adapter") ? 0 : a.Name.EndsWith("control_domain") ? 2 : 1;
                int id = a.Value.StartsWith("0x") ? Convert.ToInt32(a.Value.Substring(2), 16) : a.Value.Length > 1 && a.Value[0] == '0' ? Convert.ToInt32(a.Value, 8) : int.Parse(a.Value);
                if (a.Name.StartsWith("un")) sets[which].Remove(id); else sets[which].Add(id);
            }
            var def = Config(new Newtonsoft.Json.Linq.JArray(attrs.Select(a => new JObject { [a.Name] = a.Value })).ToString());
            Assert.Equal(new ApMatrix(ApMask.Of(sets[0]), ApMask.Of(sets[1]), ApMask.Of(sets[2])), def.ToMatrix());
        }, iter: 500);
    }

    [Fact]
    public void Unknown_top_level_fields_and_unknown_attributes_survive_a_matrix_update()
    {
        const string text = """
        {
          "x-vendor": {"nested": [1, 2.50, "2024-01-02T03:04:05Z"], "big": 123456789012345678901234567890},
          "mdev_type": "vfio_ap-passthrough",
          "start": "auto",
          "attrs": [
            {"assign_adapter": "5"},
            {"x_future_attr": "keep me"},
            {"assign_domain": "0x47"}
          ],
          "comment": "it's \"quoted\" \\ and ünïcode"
        }
        """;
        var def = MdevctlDefinition.ParseConfig(text, "/etc/mdevctl.d/matrix/" + Seed, Seed);
        var newMatrix = new ApMatrix(ApMask.Of(6), ApMask.Of(0x47, 0xab), ApMask.Empty);
        var updated = def.WithMatrix(newMatrix).WithStart(MdevStartMode.Manual);
        var written = JObject.Parse(updated.ToConfigJson());
        var original = JObject.Parse(text);

        Assert.Equal(original.Properties().Select(p => p.Name), written.Properties().Select(p => p.Name));
        Assert.True(JToken.DeepEquals(original["x-vendor"], written["x-vendor"]), written["x-vendor"]!.ToString());
        Assert.Equal((string?)original["comment"], (string?)written["comment"]);
        Assert.Contains("2.50", updated.ToConfigJson());
        Assert.Contains("\"2024-01-02T03:04:05Z\"", updated.ToConfigJson());
        Assert.Contains("123456789012345678901234567890", updated.ToConfigJson());
        Assert.Equal("manual", (string?)written["start"]);
        Assert.Equal(newMatrix, MdevctlDefinition.ParseConfig(updated.ToConfigJson(), "t", Seed).ToMatrix());
        Assert.Equal(new[] { new MdevctlAttribute("x_future_attr", "keep me") }, updated.UnknownAttributes);
        Assert.Equal(new[] { "x-vendor", "comment" }, updated.UnknownFields);
    }

    [Fact]
    public void Ids_are_read_as_the_kernel_reads_them()
    {
        var def = Config("""[{"assign_adapter": "035"}, {"assign_adapter": "53"}, {"assign_adapter": "0X1f"}, {"assign_domain": "0x4\n"}, {"assign_control_domain": "0"}]""");
        var warnings = new List<string>();
        var m = def.ToMatrix(warnings: warnings);
        // kstrtoul base 0: 035 is octal 29, 53 decimal, 0X1f hex; one trailing newline is allowed.
        Assert.Equal(ApMask.Of(29, 53, 31), m.Adapters.Mask);
        Assert.Equal(ApMask.Of(4), m.Domains.Mask);
        Assert.Equal(ApMask.Of(0), m.ControlDomains.Mask);
        Assert.Contains(warnings, w => w.Contains("attrs[0]") && w.Contains("octal") && w.Contains("29"));
    }

    [Theory]
    [InlineData("08", "EINVAL")]
    [InlineData(" 5", "EINVAL")]
    [InlineData("5,6", "EINVAL")]
    [InlineData("", "EINVAL")]
    [InlineData("0x", "EINVAL")]
    [InlineData("99999999999999999999999", "ERANGE")]
    [InlineData("0x100", "255")]
    [InlineData("256", "255")]
    public void A_bad_id_names_the_file_the_entry_and_the_kernel_error(string value, string expected)
    {
        var def = Config($$"""[{"assign_adapter": "4"}, {"assign_domain": "{{value}}"}]""", "/etc/mdevctl.d/matrix/x");
        var ex = Assert.Throws<PersistenceException>(() => def.ToMatrix());
        Assert.Equal("/etc/mdevctl.d/matrix/x", ex.Source);
        Assert.Equal("attrs[1] (assign_domain)", ex.Entry);
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith("/etc/mdevctl.d/matrix/x, line ", ex.Message);
    }

    [Fact]
    public void An_id_above_the_hosts_maximum_is_refused_as_the_kernel_refuses_it()
    {
        var def = Config("""[{"assign_adapter": "0x3f"}, {"assign_domain": "0x10"}]""");
        Assert.Equal(ApMask.Of(0x3f), def.ToMatrix(63, 255).Adapters.Mask);
        var ex = Assert.Throws<PersistenceException>(() => def.ToMatrix(63, 15));
        Assert.Equal("attrs[1] (assign_domain)", ex.Entry);
        Assert.Contains("ap_max_domain_id", ex.Message);
        Assert.Contains("ENODEV", ex.Message);
    }

    [Fact]
    public void Unassign_and_ap_config_are_replayed_in_order()
    {
        var apConfig = new ApMatrix(ApMask.Of(1, 2), ApMask.Of(3), ApMask.Of(4));
        var text = SysfsLayoutText(apConfig);
        var def = Config($$"""[{"assign_adapter": "9"}, {"ap_config": "{{text}}"}, {"assign_domain": "7"}, {"unassign_adapter": "0x1"}, {"unassign_domain": "3"}]""");
        var warnings = new List<string>();
        var m = def.ToMatrix(warnings: warnings);
        Assert.Equal(new ApMatrix(ApMask.Of(2), ApMask.Of(7), ApMask.Of(4)), m);
        Assert.Contains(warnings, w => w.Contains("ap_config"));
    }

    private static string SysfsLayoutText(ApMatrix m) => Sysfs.SysfsFormat.FormatApConfig(m).TrimEnd('\n');

    [Fact]
    public void An_unknown_attribute_is_kept_with_a_warning_that_mdevctl_start_would_fail()
    {
        var def = Config("""[{"assign_adapter": "4"}, {"x_attr": "zz"}]""");
        var warnings = new List<string>();
        Assert.Equal(ApMask.Of(4), def.ToMatrix(warnings: warnings).Adapters.Mask);
        Assert.Contains(warnings, w => w.Contains("attrs[1]") && w.Contains("x_attr"));
    }

    [Fact]
    public void Another_mdev_type_is_refused_naming_mdev_type()
    {
        var def = MdevctlDefinition.ParseConfig("""{"mdev_type": "i915-GVTg_V5_4", "start": "manual", "attrs": []}""", "/r/etc/mdevctl.d/matrix/u", Seed);
        var ex = Assert.Throws<PersistenceException>(() => def.ToMatrix());
        Assert.Equal("mdev_type", ex.Entry);
        Assert.Contains("i915-GVTg_V5_4", ex.Message);
        Assert.Contains("/r/etc/mdevctl.d/matrix/u", ex.Message);
    }

    [Theory]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [""", null, "malformed JSON")]
    [InlineData("""{"start": "manual"}""", "mdev_type", "no mdev_type")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough"}""", "start", "no start")]
    [InlineData("""{"mdev_type": 5, "start": "auto"}""", "mdev_type", "must be a string")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": {"assign_adapter": "5"}}""", "attrs", "list")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "5", "assign_domain": "4"}]}""", "attrs[0]", "exactly one field")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": 5}]}""", "attrs[0] (assign_adapter)", "must be a string")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": ["assign_adapter=5"]}""", "attrs[0]", "one field")]
    [InlineData("""[1, 2]""", "[0]", "not an object")]
    [InlineData("""{"mdev_type": "vfio_ap-passthrough", "start": "auto"} {}""", null, "more text")]
    public void Malformed_definitions_name_the_source_and_the_entry(string json, string? entry, string words)
    {
        var ex = Assert.Throws<PersistenceException>(() => MdevctlJson.ParseDocument(json, "/tmp/in.json", Seed));
        Assert.Equal("/tmp/in.json", ex.Source);
        if (entry is not null) Assert.Equal(entry, ex.Entry);
        Assert.Contains(words, ex.Message);
        Assert.StartsWith("/tmp/in.json", ex.Message);
    }

    [Fact]
    public void A_malformed_file_reports_the_line()
    {
        var json = "{\n  \"mdev_type\": \"vfio_ap-passthrough\",\n  \"start\": \"auto\",\n  \"attrs\": [\n    {\"assign_adapter\": \"5\"\n  ]\n}";
        var ex = Assert.Throws<PersistenceException>(() => MdevctlDefinition.ParseConfig(json, "f", Seed));
        Assert.Equal(6, ex.Line);
    }

    [Fact]
    public void A_start_other_than_auto_is_manual_as_mdevctl_reads_it_with_a_warning()
    {
        var def = MdevctlDefinition.ParseConfig("""{"mdev_type": "vfio_ap-passthrough", "start": "weird"}""", "f", Seed);
        Assert.Equal(MdevStartMode.Manual, def.Start);
        Assert.Contains(def.Warnings, w => w.Contains("weird"));
        Assert.Empty(def.Attributes);
    }

    [Fact]
    public void The_three_mdevctl_shapes_are_read_and_uuids_checked()
    {
        var a = MdevctlDefinition.FromMatrix(Seed, new ApMatrix(ApMask.Of(4), ApMask.Of(4), ApMask.Empty));
        var other = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
        var b = MdevctlDefinition.FromMatrix(other, new ApMatrix(ApMask.Of(5), ApMask.Of(0x47), ApMask.Empty), MdevStartMode.Auto);

        var list = MdevctlJson.ParseDocument(MdevctlJson.FormatList(new[] { b, a }), "list");
        Assert.Equal(new[] { Seed, other }, list.Select(d => d.Uuid));
        Assert.True(list[0].SameDefinition(a) && list[1].SameDefinition(b));

        var keyed = new JObject { [other.ToString()] = JObject.Parse(b.ToConfigJson()) }.ToString();
        Assert.True(MdevctlJson.ParseDocument(keyed, "k").Single().SameDefinition(b));

        var bare = MdevctlJson.ParseDocument(a.ToConfigJson(), "bare", Seed).Single();
        Assert.True(bare.SameDefinition(a));
        var noUuid = Assert.Throws<PersistenceException>(() => MdevctlJson.ParseDocument(a.ToConfigJson(), "bare.json"));
        Assert.Contains("UUID", noUuid.Message);

        var badKey = Assert.Throws<PersistenceException>(() => MdevctlJson.ParseDocument("""{"62177883-f1bb-47f0-914d-32a22e3a88zz": {"mdev_type": "vfio_ap-passthrough", "start": "auto"}}""", "k.json"));
        Assert.Equal("62177883-f1bb-47f0-914d-32a22e3a88zz", badKey.Entry);
        Assert.Contains("not a UUID", badKey.Message);
        var badInList = Assert.Throws<PersistenceException>(() => MdevctlJson.ParseDocument("""[{"matrix": [{"nope": {}}]}]""", "l.json"));
        Assert.Equal("[0].matrix[0].nope", badInList.Entry);
    }

    [Theory]
    [InlineData("62177883-f1bb-47f0-914d-32a22e3a8804")]
    [InlineData("62177883F1BB47F0914D32A22E3A8804")]
    [InlineData("{62177883-f1bb-47f0-914d-32a22e3a8804}")]
    [InlineData("urn:uuid:62177883-F1BB-47F0-914D-32A22E3A8804")]
    public void Uuids_are_accepted_in_the_forms_mdevctl_accepts_and_written_hyphenated_lowercase(string text)
    {
        Assert.True(MdevUuid.TryParse(text, out var u));
        Assert.Equal("62177883-f1bb-47f0-914d-32a22e3a8804", MdevUuid.Format(u));
    }

    [Theory]
    [InlineData("62177883-f1bb-47f0-914d-32a22e3a880")]
    [InlineData("(62177883-f1bb-47f0-914d-32a22e3a8804)x")]
    [InlineData("{0x62177883,0xf1bb,0x47f0,{0x91,0x4d,0x32,0xa2,0x2e,0x3a,0x88,0x04}}")]
    [InlineData("matrix")]
    public void Other_strings_are_not_uuids(string text) => Assert.False(MdevUuid.TryParse(text, out _));

    private static MdevctlDefinition Config(string attrs, string source = "test") =>
        MdevctlDefinition.ParseConfig("{\"mdev_type\": \"vfio_ap-passthrough\", \"start\": \"manual\", \"attrs\": " + attrs + "}", source, Seed);
}
