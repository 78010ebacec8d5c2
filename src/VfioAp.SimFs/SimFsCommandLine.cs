using System;
using System.Collections.Generic;

namespace VfioAp.SimFs
{
    /// <summary>The parsed command line of <c>VfioAp.SimFs</c>.</summary>
    internal sealed class SimFsCommandLine
    {
        public const string Usage =
            "Usage: VfioAp.SimFs --scenario <name|file.json> <mountpoint> [--allow-other] [--kernel current|legacy] [--until-stdin-closes]\n" +
            "       [--stall read|write:<path>:<seconds> ...]\n" +
            "       VfioAp.SimFs --help\n" +
            "\n" +
            "Mounts a simulated IBM Z host's sysfs (AP bus, crypto cards and queues, vfio_ap mdevs) at <mountpoint> with FUSE,\n" +
            "so that cat, echo and ls behave as under /sys on a real host, errnos included. Runs in the foreground; prints\n" +
            "'mounted <scenario> at <mountpoint>' once the tree is served, and unmounts on SIGINT, SIGTERM or SIGHUP.\n" +
            "\n" +
            "  --scenario <name|file>  a built-in scenario name or a scenario JSON file (Get-Help about_VfioAp_Kernel: SCENARIO FILES)\n" +
            "  --allow-other           let other users (e.g. an sshd session user) see the mount; non-root needs\n" +
            "                          'user_allow_other' in /etc/fuse.conf\n" +
            "  --kernel legacy         an older kernel: no mdev ap_config and guest_matrix attributes (default: current)\n" +
            "  --until-stdin-closes    also unmount when standard input reaches end of file, so a mount started by a\n" +
            "                          test or script goes away with it even if that process is killed\n" +
            "  --stall read|write:<path>:<seconds>\n" +
            "                          a read or write of that attribute (relative to the mount) hangs that long before\n" +
            "                          it answers, as one whose firmware or lock never comes back; repeatable\n" +
            "  --help                  this text\n" +
            "\n" +
            "Unmount from outside with: fusermount3 -u <mountpoint>";

        public string Scenario { get; private set; } = "";
        public string Mountpoint { get; private set; } = "";
        public bool AllowOther { get; private set; }
        public bool LegacyKernel { get; private set; }
        public bool UntilStdinCloses { get; private set; }
        public bool Help { get; private set; }
        public List<AttributeStall> Stalls { get; } = new List<AttributeStall>();

        /// <summary>Parses <paramref name="args"/>; on a mistake, <paramref name="error"/> says which and the result is null.</summary>
        public static SimFsCommandLine? Parse(IReadOnlyList<string> args, out string? error)
        {
            error = null;
            var result = new SimFsCommandLine();
            string? scenario = null;
            var positional = new List<string>();
            for (int i = 0; i < args.Count; i++)
            {
                var a = args[i];
                switch (a)
                {
                    case "--help":
                    case "-h":
                        result.Help = true;
                        return result;
                    case "--allow-other":
                        result.AllowOther = true;
                        break;
                    case "--until-stdin-closes":
                        result.UntilStdinCloses = true;
                        break;
                    case "--scenario":
                        if (i + 1 >= args.Count) { error = "--scenario needs a scenario name or JSON file."; return null; }
                        scenario = args[++i];
                        break;
                    case "--stall":
                        if (i + 1 >= args.Count) { error = "--stall needs read|write:<path>:<seconds>."; return null; }
                        var stall = AttributeStall.Parse(args[++i], out error);
                        if (stall is null) return null;
                        result.Stalls.Add(stall);
                        break;
                    case "--kernel":
                        if (i + 1 >= args.Count) { error = "--kernel needs 'current' or 'legacy'."; return null; }
                        var kernel = args[++i];
                        if (kernel == "legacy") result.LegacyKernel = true;
                        else if (kernel != "current") { error = $"--kernel '{kernel}' is not known: use 'current' or 'legacy'."; return null; }
                        break;
                    default:
                        if (a.StartsWith("-", StringComparison.Ordinal) && a.Length > 1)
                        {
                            error = $"Unknown option '{a}'.";
                            return null;
                        }
                        positional.Add(a);
                        break;
                }
            }
            if (scenario is null) { error = "--scenario <name|file> is required."; return null; }
            if (positional.Count == 0) { error = "The mountpoint is missing."; return null; }
            if (positional.Count > 1) { error = $"One mountpoint expected, got: {string.Join(" ", positional)}."; return null; }
            result.Scenario = scenario;
            result.Mountpoint = positional[0];
            return result;
        }
    }
}
