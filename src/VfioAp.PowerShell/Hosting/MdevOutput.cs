using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// An mdev as Get-VfioApMdev shows it, read after a change for -PassThru. One more round trip, taken only when asked:
    /// the plan's own read-back leaves out the queue details that say whether a guest uses the mdev.
    /// </summary>
    internal static class MdevOutput
    {
        public const SnapshotParts Parts = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;

        public static IEnumerable<object> Read(ApSession session, Guid uuid)
        {
            var mdev = HostReader.Read(session.Sysfs, Parts).FindMdev(uuid);
            return mdev is null ? Array.Empty<object>() : new object[] { mdev };
        }
    }
}
