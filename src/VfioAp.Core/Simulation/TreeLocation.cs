using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>The kinds of directory the simulated sysfs tree has (about_VfioAp_Kernel: SYSFS LAYOUT).</summary>
    internal enum TreeDir : byte
    {
        Root, Bus, BusAp, BusApDevices, BusApDrivers, BusApDriver, BusMdev, BusMdevDevices,
        Devices, DevicesAp, Card, Queue, VfioAp, Matrix, Types, Type, TypeDevices, Mdev,
    }

    /// <summary>
    /// Where a path of the simulated tree leads: a directory, or a file or symlink in the directory <see cref="Dir"/>,
    /// with the card, queue, mdev or driver the directory belongs to.
    /// </summary>
    internal sealed class TreeLocation
    {
        public SysfsNodeKind Kind;
        public TreeDir Dir;
        public string? Name;
        public int Mode;
        public string? Target;
        public SimCard? Card;
        public SimQueue? Queue;
        public SimMdev? Mdev;
        public string? Driver;

        public static TreeLocation Directory(TreeDir dir) => new TreeLocation { Kind = SysfsNodeKind.Directory, Dir = dir, Mode = AttributeTable.ModeDir };

        public TreeLocation File(string name, int mode) =>
            new TreeLocation { Kind = SysfsNodeKind.File, Dir = Dir, Name = name, Mode = mode, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };

        public TreeLocation Link(string name, string target) =>
            new TreeLocation { Kind = SysfsNodeKind.Symlink, Dir = Dir, Name = name, Mode = AttributeTable.ModeLink, Target = target, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };

        public TreeLocation Sub(TreeDir dir) =>
            new TreeLocation { Kind = SysfsNodeKind.Directory, Dir = dir, Mode = AttributeTable.ModeDir, Card = Card, Queue = Queue, Mdev = Mdev, Driver = Driver };
    }
}
