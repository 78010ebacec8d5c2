using System.Linq;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using Xunit;

namespace VfioAp.Core.Tests;

/// <summary>The persistent files read in the snapshot's batch, from a scenario's "files" and from a batch's answers.</summary>
public class BootStateFilesTests
{
    private const string Uuid = "aaaaaaaa-1111-4000-8000-000000000001";

    private static SimulatedKernel Scenario(string files) => ScenarioLibrary.FromJson(
        "{ \"cards\": [ { \"id\": 4, \"type\": \"CEX8C\" } ], \"hostConfig\": { \"domains\": [4] }, \"files\": " + files + " }", "test.json");

    [Fact]
    public void A_scenario_carries_the_files_and_one_batch_reads_them_with_the_host()
    {
        var k = Scenario("{ \"proc/cmdline\": \"ap.apmask=0x0f\\n\", \"/etc/mdevctl.d/matrix/" + Uuid + "\": \"{}\", \"etc/mdevctl.d/matrix/README\": \"x\" }");
        var sysfs = new SimulatedSysfs(k);
        var (snapshot, files) = BootStateFiles.Read(sysfs, SnapshotParts.Bus);
        Assert.Equal(1, sysfs.RoundTrips);
        Assert.Equal(ApMask.Full, snapshot.Bus.ApMask.Mask);
        Assert.Equal("ap.apmask=0x0f\n", files.CurrentCommandLine);
        Assert.Equal(new[] { Uuid, "README" }.OrderBy(n => n, System.StringComparer.Ordinal), files.MdevctlFiles.Select(f => f.Name));
        Assert.Null(files.UdevRule);
        Assert.Equal(ApMask.Of(4, 5, 6, 7), BootMasks.Resolve(files).ApMask);
    }

    [Fact]
    public void A_file_path_outside_the_host_root_is_refused_naming_it()
    {
        var ex = Assert.Throws<ScenarioException>(() => Scenario("{ \"etc/../../x\": \"y\" }"));
        Assert.Contains("etc/../../x", ex.Message);
    }

    [Fact]
    public void A_file_that_cannot_be_read_is_a_warning_naming_it()
    {
        var answers = new SysfsReadResult(new[]
        {
            new SysfsEntry(UdevMaskRule.FilePath, SysfsQueryKind.Content, null, Errno.EACCES, SysfsArea.Host),
            new SysfsEntry("etc/mdevctl.d/matrix/" + Uuid, SysfsQueryKind.Content, "{}", Errno.None, SysfsArea.Host),
        });
        var files = BootStateFiles.FromAnswers(answers, "/srv/root");
        Assert.Contains(files.Warnings, w => w.StartsWith("/srv/root/etc/udev/rules.d/41-ap.rules could not be read"));
        Assert.Null(files.ReadUdevRule());
        Assert.Single(files.MdevctlFiles);
    }

    [Fact]
    public void A_definition_mdevctl_cannot_load_starts_nothing_at_all()
    {
        var good = "{\"mdev_type\": \"vfio_ap-passthrough\", \"start\": \"auto\", \"attrs\": [{\"assign_adapter\": \"0x4\"}]}";
        var files = new BootFiles(mdevctlFiles: new[]
        {
            new BootFile("etc/mdevctl.d/matrix/" + Uuid, good),
            new BootFile("etc/mdevctl.d/matrix/bbbbbbbb-2222-4000-8000-000000000002", "{ not json"),
        });
        var run = MdevctlAutoStart.Run(files, ApMask.Empty, ApMask.Empty, 255, 255);
        Assert.NotNull(run.Fatal);
        Assert.Empty(run.Started);
    }

    [Fact]
    public void Of_two_auto_definitions_sharing_an_apqn_only_the_first_starts()
    {
        string Def(string adapter, string domain) => "{\"mdev_type\": \"vfio_ap-passthrough\", \"start\": \"auto\", \"attrs\": [{\"assign_adapter\": \"" + adapter + "\"}, {\"assign_domain\": \"" + domain + "\"}]}";
        var files = new BootFiles(mdevctlFiles: new[]
        {
            new BootFile("etc/mdevctl.d/matrix/bbbbbbbb-2222-4000-8000-000000000002", Def("4", "5")),
            new BootFile("etc/mdevctl.d/matrix/" + Uuid, Def("0x4", "0x5")),
        });
        var run = MdevctlAutoStart.Run(files, ApMask.Empty, ApMask.Empty, 255, 255);
        Assert.Equal(new[] { System.Guid.Parse(Uuid) }, run.Started.Select(e => e.Uuid));
        Assert.Contains("APQN 04.0005 already in use by " + Uuid, run.Entries.Single(e => !e.Started).Refusal);
    }
}
