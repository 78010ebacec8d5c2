using System;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Scenario files: built-ins, ids, and errors that name the file, line and entry.</summary>
public class ScenarioLibraryTests
{
    private static ScenarioException Refused(string json) => Assert.Throws<ScenarioException>(() => ScenarioLibrary.FromJson(json, "test.json"));

    private static int LineOf(string json, string text) => json.Substring(0, json.IndexOf(text, StringComparison.Ordinal)).Count(c => c == '\n') + 1;

    [Fact]
    public void Built_in_names_include_the_worked_examples_and_the_large_hosts()
    {
        Assert.Equal(new[] { "seed", "kernel-doc", "over-provisioned", "large-60x85", "large-256x256" }, ScenarioLibrary.BuiltInNames);
        foreach (var name in ScenarioLibrary.BuiltInNames) Assert.NotNull(ScenarioLibrary.BuiltInJson(name));
    }

    [Fact]
    public void An_unknown_name_lists_the_built_in_scenarios()
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLibrary.Load("sede"));
        Assert.Equal("sede", ex.Source);
        foreach (var name in ScenarioLibrary.BuiltInNames) Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void A_path_loads_a_file_and_a_missing_json_path_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("vfioap-scenario-").FullName;
        try
        {
            var file = Path.Combine(dir, "mine.json");
            File.WriteAllText(file, ScenarioLibrary.BuiltInJson("seed")!.Replace("\"seed\"", "\"mine\""));
            var k = ScenarioLibrary.Load(file);
            Assert.Equal("mine", k.ScenarioName);
            Assert.Equal("04.0004\n04.0022\n04.0035\n", k.GuestMatrix(Sim.SeedMdev));
            var ex = Assert.Throws<ScenarioException>(() => ScenarioLibrary.Load(Path.Combine(dir, "missing.json")));
            Assert.Contains("cannot read", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Malformed_json_is_reported_with_file_and_line()
    {
        const string json = "{\n  \"name\": \"x\",\n  \"cards\": [ { \"id\": 4 \"type\": \"CEX8C\" } ]\n}\n";
        var ex = Refused(json);
        Assert.Equal("test.json", ex.Source);
        Assert.Equal(3, ex.Line);
        Assert.StartsWith("test.json(3,", ex.Message);
        Assert.Contains("malformed JSON", ex.Message);
    }

    [Fact]
    public void Trailing_content_and_duplicate_fields_are_errors()
    {
        Assert.Equal(2, Refused("{ \"name\": \"x\" }\n{ }").Line);
        var dup = Refused("{\n \"name\": \"x\",\n \"name\": \"y\"\n}");
        Assert.Equal(3, dup.Line);
    }

    [Fact]
    public void Unknown_fields_are_named_with_their_line()
    {
        const string json = """
            {
              "name": "x",
              "cards": [ { "id": 4, "type": "CEX8C" } ],
              "mdevs": [ { "uuid": "aaaaaaaa-0000-4000-8000-000000000001", "adapter": [4] } ]
            }
            """;
        var ex = Refused(json);
        Assert.Contains("unknown field 'adapter'", ex.Message);
        Assert.Equal(LineOf(json, "\"adapter\""), ex.Line);
        Assert.Equal("mdevs[0].adapter", ex.Entry);
        var top = Refused("{ \"nmae\": \"x\" }");
        Assert.Contains("unknown field 'nmae'", top.Message);
        Assert.Contains("known fields: name", top.Message);
    }

    [Fact]
    public void Values_of_the_wrong_kind_are_errors()
    {
        Assert.Contains("must be an array", Refused("{ \"cards\": { } }").Message);
        Assert.Contains("expected true or false", Refused("{ \"kernel\": { \"apConfig\": 1 } }").Message);
        Assert.Contains("not CEX", Refused("{ \"cards\": [ { \"id\": 4, \"type\": \"CEX3C\" } ] }").Message);
        Assert.Contains("is listed twice", Refused("{ \"cards\": [ { \"id\": 4, \"type\": \"CEX8C\" }, { \"id\": \"0x4\", \"type\": \"CEX8A\" } ] }").Message);
        Assert.Contains("not a card id", Refused("{ \"cards\": [ { \"id\": \"08\", \"type\": \"CEX8C\" } ] }").Message);
        Assert.Contains("is above 255", Refused("{ \"cards\": [ { \"id\": 256, \"type\": \"CEX8C\" } ] }").Message);
        Assert.Contains("not an APQN key", Refused("{ \"queues\": { \"5.35\": { \"driver\": null } } }").Message);
        Assert.Contains("not a UUID", Refused("{ \"mdevs\": [ { \"uuid\": \"nope\" } ] }").Message);
        Assert.Contains("a scenario is a JSON object", Refused("[ ]").Message);
    }

    [Fact]
    public void Ids_are_numbers_or_strings_in_the_kernels_syntax()
    {
        const string json = """
            {
              "cards": [ { "id": 5, "type": "CEX8C" }, { "id": "0x06", "type": "CEX7P" }, { "id": "07", "type": "CEX8A" } ],
              "hostConfig": { "domains": [ 29, "035", "0x23" ] },
              "apmask": "-5-7",
              "mdevs": [ { "uuid": "aaaaaaaa-0000-4000-8000-000000000001", "adapters": [ "5" ], "domains": [ "035", 35 ] } ]
            }
            """;
        var k = ScenarioLibrary.FromJson(json, "ids.json");
        Assert.Equal(ApMask.Of(5, 6, 7), k.HostConfig.Adapters);
        Assert.Equal(ApMask.Of(29, 0x23), k.HostConfig.Domains);   // "035" is octal 29; 0x23 is 35
        Assert.Equal("05.001d\n05.0023\n", k.Matrix(Guid.Parse("aaaaaaaa-0000-4000-8000-000000000001")));
        Assert.Equal("CEX7P\n", k.Read("devices/ap/card06/type"));
        Assert.Equal("ids", k.ScenarioName);
    }

    [Fact]
    public void A_state_the_kernel_refuses_fails_naming_the_entry()
    {
        const string shared = """
            {
              "cards": [ { "id": 5, "type": "CEX8C" } ],
              "hostConfig": { "domains": [ 4 ] },
              "apmask": "-5",
              "mdevs": [
                { "uuid": "aaaaaaaa-0000-4000-8000-000000000001", "adapters": [ 5 ], "domains": [ 4 ] },
                { "uuid": "bbbbbbbb-0000-4000-8000-000000000002", "domains": [ 4 ], "adapters": [ 5 ] }
              ]
            }
            """;
        var ex = Refused(shared);
        Assert.Equal("mdevs[1].adapters[0]", ex.Entry);
        Assert.Equal(LineOf(shared, "\"bbbbbbbb"), ex.Line);
        Assert.Contains("EADDRINUSE", ex.Message);
        Assert.Contains("queue 05.0004 already assigned to aaaaaaaa-0000-4000-8000-000000000001", ex.Message);

        const string hostOwned = """
            {
              "cards": [ { "id": 5, "type": "CEX8C" } ],
              "hostConfig": { "domains": [ 4 ] },
              "mdevs": [ { "uuid": "aaaaaaaa-0000-4000-8000-000000000001", "adapters": [ 5 ], "domains": [ 4 ] } ]
            }
            """;
        var owned = Refused(hostOwned);
        Assert.Equal("mdevs[0].domains[0]", owned.Entry);
        Assert.Contains("EADDRNOTAVAIL", owned.Message);
        Assert.Contains("05.0004", owned.Message);
    }

    [Fact]
    public void Queue_overrides_go_through_bind_and_unbind()
    {
        const string wrongDriver = """
            {
              "cards": [ { "id": 5, "type": "CEX8C" } ],
              "hostConfig": { "domains": [ 4 ] },
              "apmask": "-5",
              "queues": { "05.0004": { "driver": "cex4queue" } }
            }
            """;
        var ex = Refused(wrongDriver);
        Assert.Contains("ENODEV", ex.Message);
        Assert.Equal("queues['05.0004'].driver", ex.Entry);

        Assert.Contains("only queues bound to vfio_ap", Refused("""
            { "cards": [ { "id": 5, "type": "CEX8C" } ], "hostConfig": { "domains": [ 4 ] }, "queues": { "05.0004": { "resetFailed": true } } }
            """).Message);
        Assert.Contains("would not exist anyway", Refused("""
            { "cards": [ { "id": 5, "type": "CEX8C" } ], "hostConfig": { "domains": [ 4 ] }, "queues": { "05.0009": { "exists": false } } }
            """).Message);
        Assert.Contains("no 'online' attribute", Refused("""
            { "cards": [ { "id": 5, "type": "CEX8C" } ], "hostConfig": { "domains": [ 4 ] }, "apmask": "-5", "queues": { "05.0004": { "online": false } } }
            """).Message);

        var k = ScenarioLibrary.FromJson("""
            {
              "cards": [ { "id": 5, "type": "CEX8C" }, { "id": 6, "type": "CEX8C", "online": false } ],
              "hostConfig": { "domains": [ 4, 5 ] },
              "apmask": "-5",
              "queues": { "05.0004": { "driver": null }, "05.0005": { "exists": false }, "06.0004": { "online": false } }
            }
            """, "q.json");
        Assert.Null(k.DriverOf(new Apqn(5, 4)));
        Assert.False(k.QueueExists(new Apqn(5, 5)));
        Assert.Equal("0\n", k.Read("devices/ap/card06/online"));
        Assert.Equal("0\n", k.Read("devices/ap/card06/06.0004/online"));
    }

    [Fact]
    public void A_guest_can_use_only_one_mdev()
    {
        var ex = Refused("""
            {
              "mdevs": [
                { "uuid": "aaaaaaaa-0000-4000-8000-000000000001", "guest": "vm" },
                { "uuid": "bbbbbbbb-0000-4000-8000-000000000002", "guest": "vm" }
              ]
            }
            """);
        Assert.Equal("mdevs[1].guest", ex.Entry);
        Assert.Contains("only one vfio_ap mdev", ex.Message);
    }

    [Fact]
    public void The_kernel_field_selects_the_optional_attributes()
    {
        var k = ScenarioLibrary.FromJson("""
            { "kernel": { "apConfig": false, "guestMatrix": false }, "mdevs": [ { "uuid": "aaaaaaaa-0000-4000-8000-000000000001" } ] }
            """, "legacy.json");
        Assert.Equal(KernelFeatures.Legacy, k.Features);
        Assert.Null(k.Lookup("devices/vfio_ap/matrix/aaaaaaaa-0000-4000-8000-000000000001/guest_matrix"));
        Assert.NotNull(k.Lookup("devices/vfio_ap/matrix/aaaaaaaa-0000-4000-8000-000000000001/matrix"));
    }
}
