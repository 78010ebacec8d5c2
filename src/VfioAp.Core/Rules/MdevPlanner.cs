using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>Plans the life of an mdev: create (with its first matrix, all or nothing) and remove (undone by re-creating it).</summary>
    public static class MdevPlanner
    {
        /// <summary>
        /// Create, then give the mdev its first matrix. Where the host's kernel has <c>ap_config</c> (known from any
        /// existing mdev) the matrix is one atomic write, else assigns (adapters, then domains, then control domains:
        /// each intermediate matrix is a subset of the final one, so no step is refused that the whole would not be).
        /// The only undo is removing the mdev again, which takes its matrix with it.
        /// </summary>
        public static WritePlan PlanCreate(Guid uuid, ApMatrix initial, bool hasApConfig = false)
        {
            var id = SysfsLayout.FormatUuid(uuid);
            var remove = new SysfsWrite(SysfsLayout.MdevAttribute(uuid, "remove"), "1", $"undo: remove mdev {id}");
            var steps = new List<PlanStep>
            {
                new SysfsWriteStep(new SysfsWrite(SysfsLayout.MdevCreate, id, $"create mdev {id} (vfio_ap-passthrough)"), remove),
            };
            if (!initial.IsEmpty)
            {
                if (hasApConfig) steps.Add(MatrixPlanner.ApConfigStep(uuid, ApMatrix.Empty, initial, undo: false));
                else steps.AddRange(MatrixPlanner.AssignSteps(uuid, ApMatrix.Empty, initial, undo: false));
            }
            return new WritePlan($"Create mdev {id}{(initial.IsEmpty ? "" : " with " + initial)} ({Count(steps.Count)})", steps, MatrixPlanner.VerifyParts,
                s => s.FindMdev(uuid) is null ? $"mdev {id} does not exist after create" : MatrixPlanner.VerifyMatrix(s, uuid, initial),
                s => s.FindMdev(uuid) is null ? null : $"mdev {id} still exists after the rollback removed it",
                // It must still not exist, and the other mdevs' APQNs are what the validation checked.
                new[] { SysfsLayout.MdevAttribute(uuid, "matrix"), MatrixPlanner.AllMdevMatrices });
        }

        /// <summary>
        /// One write of <c>remove</c>. Its undo re-creates the mdev with the same UUID (so a guest definition that names
        /// it still works) and gives it its matrix again.
        /// </summary>
        public static WritePlan PlanRemove(VfioApMdev mdev)
        {
            var id = SysfsLayout.FormatUuid(mdev.Uuid);
            var undo = new List<SysfsWrite> { new SysfsWrite(SysfsLayout.MdevCreate, id, $"undo: re-create mdev {id}") };
            if (!mdev.Matrix.IsEmpty)
            {
                var restore = mdev.HasApConfig
                    ? new[] { MatrixPlanner.ApConfigStep(mdev.Uuid, ApMatrix.Empty, mdev.Matrix, undo: false) }
                    : MatrixPlanner.AssignSteps(mdev.Uuid, ApMatrix.Empty, mdev.Matrix, undo: false);
                undo.AddRange(restore.Select(s => new SysfsWrite(s.Write.Path, s.Write.Value, "undo: " + s.Write.Description)));
            }
            var step = new SysfsWriteStep(new SysfsWrite(SysfsLayout.MdevAttribute(mdev.Uuid, "remove"), "1", $"remove mdev {id}"), undo.ToArray());
            return new WritePlan($"Remove mdev {id} ({mdev.Matrix})", new[] { step }, SnapshotParts.Mdevs,
                s => s.FindMdev(mdev.Uuid) is null ? null : $"mdev {id} still exists after remove",
                s => MatrixPlanner.VerifyMatrix(s, mdev.Uuid, mdev.Matrix),
                // The undo re-creates the mdev with the matrix read: it must still be that matrix.
                new[] { SysfsLayout.MdevAttribute(mdev.Uuid, "matrix"), SysfsLayout.MdevAttribute(mdev.Uuid, "control_domains") });
        }

        private static string Count(int n) => n == 1 ? "1 write" : n + " writes";
    }
}
