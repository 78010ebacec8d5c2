using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Tests;

public class PersistenceStoreTests
{
    private static readonly Guid A = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private static readonly Guid B = Guid.Parse("783e6dbb-ea0e-411f-94e2-717eaad438bf");
    private static readonly ApMatrix MatrixA = new(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4));
    private static readonly ApMatrix MatrixB = new(ApMask.Of(6), ApMask.Of(0x47), ApMask.Empty);

    [Fact]
    public void Persisting_into_an_empty_directory_creates_the_parent_and_one_file_per_mdev_and_reads_back_equal()
    {
        using var dir = new PersistenceTempDir();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(dir.MdevctlRoot(), "testhost"));
        var defs = new[] { MdevctlDefinition.FromMatrix(A, MatrixA, MdevStartMode.Auto), MdevctlDefinition.FromMatrix(B, MatrixB) };

        var plan = store.PlanPersist(defs);
        Assert.Equal(new[] { PersistOperationKind.CreateDirectory, PersistOperationKind.CreateFile, PersistOperationKind.CreateFile }, plan.Operations.Select(o => o.Kind));
        Assert.Equal(Path.Combine(dir.Path, "etc/mdevctl.d/matrix"), plan.Operations[0].Path);
        Assert.Equal(Path.Combine(dir.Path, "etc/mdevctl.d/matrix", A.ToString()), plan.Operations[1].Path);
        Assert.Contains("start auto", plan.Operations[1].Description);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "etc/mdevctl.d/matrix")), "planning writes nothing");

        plan.Persist();
        var read = store.ReadAll();
        Assert.Empty(read.Problems);
        Assert.Equal(MatrixA, read.Find(A)!.ToMatrix());
        Assert.Equal(MdevStartMode.Auto, read.Find(A)!.Start);
        Assert.Equal(MatrixB, read.Find(B)!.ToMatrix());
        Assert.Equal(defs[0].ToConfigJson(), File.ReadAllText(plan.Operations[1].Path));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir.Path, "etc/mdevctl.d/matrix"), ".*"));

        var again = store.PlanPersist(defs);
        Assert.True(again.IsEmpty);
        Assert.Equal(2, again.Unchanged.Count);
    }

    [Fact]
    public void A_replace_is_a_rename_so_a_reader_holding_the_old_file_still_sees_all_of_it()
    {
        using var dir = new PersistenceTempDir();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(dir.MdevctlRoot()));
        store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA) }).Persist();
        var path = store.PathOf(A);
        var before = File.ReadAllText(path);

        using var held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var plan = store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixB) });
        Assert.Equal(PersistOperationKind.ReplaceFile, plan.Operations.Single().Kind);
        Assert.Equal(before, plan.Operations.Single().PreviousContent);
        plan.Persist();

        using var reader = new StreamReader(held);
        Assert.Equal(before, reader.ReadToEnd());
        Assert.Equal(MatrixB, store.ReadAll().Find(A)!.ToMatrix());
    }

    [Fact]
    public void Merging_a_live_matrix_keeps_the_existing_files_unknown_fields_attributes_and_start()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var file = Path.Combine(root, "etc/mdevctl.d/matrix", A.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, """
        {
          "mdev_type": "vfio_ap-passthrough",
          "start": "auto",
          "x-owner": "team crypto",
          "attrs": [
            {"assign_adapter": "4"},
            {"x_attr": "1"}
          ]
        }
        """);
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(root));
        var existing = store.ReadAll();
        var merged = MdevctlStore.Merge(existing, new[] { (A, MatrixA), (B, MatrixB) }, start: null, startForNew: MdevStartMode.Manual);

        Assert.Equal(MdevStartMode.Auto, merged[0].Start);
        Assert.Equal(new[] { "x-owner" }, merged[0].UnknownFields);
        Assert.Equal("x_attr", merged[0].UnknownAttributes.Single().Name);
        Assert.Equal(MatrixA, merged[0].ToMatrix());
        Assert.Equal(MdevStartMode.Manual, merged[1].Start);

        var forced = MdevctlStore.Merge(existing, new[] { (A, MatrixA) }, MdevStartMode.Manual);
        Assert.Equal(MdevStartMode.Manual, forced[0].Start);

        store.PlanPersist(merged).Persist();
        var text = File.ReadAllText(file);
        Assert.Contains("\"x-owner\": \"team crypto\"", text);
        Assert.Contains("\"x_attr\": \"1\"", text);
    }

    [Fact]
    public void Without_mdevctls_directory_nothing_is_written_and_the_error_says_to_install_mdevctl()
    {
        using var dir = new PersistenceTempDir();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(dir.Path, "h1"));
        var ex = Assert.Throws<PersistenceException>(() => store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA) }));
        Assert.Contains("h1", ex.Message);
        Assert.True(ex.MdevctlMissing);
        Assert.Contains("install mdevctl", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_second_spelling_of_the_same_uuid_is_removed_so_mdevctl_lists_it_once()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var parentDir = Path.Combine(root, "etc/mdevctl.d/matrix");
        Directory.CreateDirectory(parentDir);
        var upper = Path.Combine(parentDir, A.ToString().ToUpperInvariant());
        File.WriteAllText(upper, MdevctlDefinition.FromMatrix(A, MatrixB).ToConfigJson());
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(root));

        var plan = store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA) });
        Assert.Equal(new[] { PersistOperationKind.CreateFile, PersistOperationKind.DeleteFile }, plan.Operations.Select(o => o.Kind));
        Assert.Equal(upper, plan.Operations[1].Path);
        plan.Persist();
        Assert.Equal(new[] { A.ToString() }, Directory.GetFiles(parentDir).Select(Path.GetFileName));
    }

    [Fact]
    public void One_bad_file_is_reported_by_path_while_the_others_are_read_and_non_uuid_names_are_ignored()
    {
        using var dir = new PersistenceTempDir();
        var root = dir.MdevctlRoot();
        var parentDir = Path.Combine(root, "etc/mdevctl.d/matrix");
        Directory.CreateDirectory(parentDir);
        File.WriteAllText(Path.Combine(parentDir, A.ToString()), MdevctlDefinition.FromMatrix(A, MatrixA).ToConfigJson());
        File.WriteAllText(Path.Combine(parentDir, B.ToString()), "{\"mdev_type\": \"vfio_ap-passthrough\", \"start\": \"auto\", \"attrs\": [");
        File.WriteAllText(Path.Combine(parentDir, "README"), "not a definition");
        Directory.CreateDirectory(Path.Combine(root, "etc/mdevctl.d/0000:00:02.0"));
        File.WriteAllText(Path.Combine(root, "etc/mdevctl.d/0000:00:02.0", Guid.NewGuid().ToString()), """{"mdev_type": "i915-GVTg_V5_4", "start": "manual"}""");

        var read = new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll();
        Assert.Equal(new[] { A }, read.Definitions.Select(d => d.Uuid));
        var problem = Assert.Single(read.Problems);
        Assert.Equal(Path.Combine(parentDir, B.ToString()), problem.Source);
        Assert.Contains("malformed JSON", problem.Message);
        Assert.Equal("README", Assert.Single(read.Ignored).Name);

        var all = new MdevctlStore(new LocalMdevctlConfigFiles(root)).ReadAll(parent: null);
        Assert.Contains(all.Definitions, d => d.Parent == "0000:00:02.0" && !d.IsVfioAp);
    }

    [Fact]
    public void The_same_mdev_given_twice_is_refused_before_anything_is_written()
    {
        using var dir = new PersistenceTempDir();
        var store = new MdevctlStore(new LocalMdevctlConfigFiles(dir.MdevctlRoot()));
        var ex = Assert.Throws<PersistenceException>(() => store.PlanPersist(new[] { MdevctlDefinition.FromMatrix(A, MatrixA), MdevctlDefinition.FromMatrix(A, MatrixB) }));
        Assert.Contains(A.ToString(), ex.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "etc/mdevctl.d/matrix")));
    }
}
