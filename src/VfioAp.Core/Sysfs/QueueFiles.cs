namespace VfioAp.Core.Sysfs
{
    /// <summary>What a batch says about one queue: its directory, its driver link and the attributes a queue object shows.</summary>
    internal struct QueueFiles
    {
        public string? Driver;
        public string? Online;
        public string? Config;
        public string? Checkstop;
        public string? Status;
    }
}
