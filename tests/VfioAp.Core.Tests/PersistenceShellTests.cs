using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Tests;

/// <summary>
/// The shell-driven config directory (the remote path: what an SSH session runs on the host), driven here by a
/// real local /bin/sh against a test root, so everything but the SSH hop is the real thing.
/// </summary>
public class PersistenceShellTests
{
    private static readonly Guid A = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly Guid B = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
    private static readonly ApMatrix MatrixA = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4));

    internal static ShellMdevctlConfigFiles LocalShell(string root, List<string>? scripts = null) =>
        new("shellhost", root, script =>
        {
            scripts?.Add(script);
            var (code, o, e) = PersistenceProcess.Run("/bin/sh", new[] { "-c", script });
            return new ShellCommandResult(code, o, e);
        });

    [Fact]
    public void A_missing_directory_is_reported_as_missing_and_persisting_is_refused()
    {
        using var dir = new PersistenceTempDir();
        var files = LocalShell(dir.Path);
        Assert.False(files.ReadAll().DirectoryExists);
        var ex = Assert.Throws<PersistenceException>(() => new MdevctlStore(files).PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA) }));
        Assert.Contains("shellhost", ex.Message);
    }

    [Fact]
    public void Reads_match_the_local_reader_byte_for_byte_including_odd_names_and_contents()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var m = Path.Combine(root, "etc/mdevctl.d/matrix");
        Directory.CreateDirectory(m);
        File.WriteAllText(Path.Combine(m, A.ToString()), MdevctlDefinition.FromMatrix(A, MatrixA).ToConfigJson());
        File.WriteAllText(Path.Combine(m, "name with spaces 'and' quotes"), "line1\n\n  ünïcode $(x) `y`\n");
        File.WriteAllText(Path.Combine(m, "empty"), "");
        Directory.CreateDirectory(Path.Combine(root, "etc/mdevctl.d/0000:00:02.0"));
        File.WriteAllText(Path.Combine(root, "etc/mdevctl.d/0000:00:02.0", B.ToString()), "{}");

        var viaShell = LocalShell(root).ReadAll();
        var local = new LocalMdevctlConfigFiles(root).ReadAll();
        Assert.True(viaShell.DirectoryExists);
        Assert.Equal(local.Files.Select(f => (f.Parent, f.Name, f.Path, f.Content)).OrderBy(x => x.Path, StringComparer.Ordinal),
                     viaShell.Files.Select(f => (f.Parent, f.Name, f.Path, f.Content)).OrderBy(x => x.Path, StringComparer.Ordinal));
        Assert.Equal(4, viaShell.Files.Count);
        Assert.Equal(new[] { "matrix" }, LocalShell(root).ReadAll("matrix").Files.Select(f => f.Parent).Distinct());
    }

    [Fact]
    public void Planning_a_persist_through_the_shell_costs_one_read_script_whatever_the_number_of_mdevs()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var scripts = new List<string>();
        var store = new MdevctlStore(LocalShell(root, scripts));
        var defs = Enumerable.Range(1, 20).Select(i => MdevctlDefinition.FromMatrix(Guid.NewGuid(), new ApMatrix(ApMask.Of(i), ApMask.Of(i), ApMask.Empty))).ToList();

        var plan = store.PlanPersist(defs);
        Assert.Single(scripts);
        // The write is the change plan's own command (over SSH: the plan script), not a script of the store's.
        plan.Persist();
        Assert.Single(scripts);

        var read = store.ReadAll();
        Assert.Empty(read.Problems);
        Assert.Equal(defs.Select(d => d.Uuid).OrderBy(u => u), read.Definitions.Select(d => d.Uuid).OrderBy(u => u));
        Assert.All(defs, d => Assert.Equal(d.ToMatrix(), read.Find(d.Uuid)!.ToMatrix()));
        Assert.True(store.PlanPersist(defs).IsEmpty);
    }

    [MdevctlFact]
    public void Mdevctl_lists_what_was_persisted_through_the_shell()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var store = new MdevctlStore(LocalShell(root));
        store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA, MdevStartMode.Auto) }).Persist();
        var listed = MdevctlJson.ParseDocument(RealMdevctl.RunOk(root, "list", "--defined", "--dumpjson"), "mdevctl list");
        Assert.Equal(MatrixA, Assert.Single(listed).ToMatrix());
        Assert.Equal(MdevStartMode.Auto, listed[0].Start);
    }
}
