namespace VfioAp.Core.Sysfs
{
    /// <summary>One path of a batch after its glob is expanded: where it is, what to read, and whether a directory listing just showed it.</summary>
    internal readonly struct TreeRead
    {
        public TreeRead(string baseDir, string path, SysfsQueryKind kind, SysfsArea area, bool listed)
        {
            BaseDir = baseDir;
            Path = path;
            Kind = kind;
            Area = area;
            Listed = listed;
        }

        /// <summary>The sysfs root or the host root the path is relative to.</summary>
        public string BaseDir { get; }
        public string Path { get; }
        public SysfsQueryKind Kind { get; }
        public SysfsArea Area { get; }
        /// <summary>The last segment came from a listing of its directory (a glob match), so it is known to be there.</summary>
        public bool Listed { get; }

        public string Full => BaseDir == "/" ? "/" + Path : BaseDir + "/" + Path;
    }
}
