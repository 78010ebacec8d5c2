using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The kernel log as the module reads it, in the snapshot's one batch: the file <c>var/log/kern.log</c> under the host
    /// root (syslog's copy of the kernel ring buffer on a real host; what a test root or the simulator writes for
    /// <c>dmesg</c>). Only the vfio_ap lines about a queue's reset are kept (vfio_ap_ops.c:
    /// "failed to verify reset of queue %02x.%04x: TAPQ rc=%u", "Waited %dms for reset of queue %02x.%04x (…)",
    /// "PQAP/ZAPQ for %02x.%04x failed with invalid rc=%u"). They are evidence beside the prediction, never part of it.
    /// </summary>
    public static class KernelLog
    {
        public const string File = "var/log/kern.log";

        public static SysfsQuery Query { get; } = SysfsQuery.Host(File);

        // dmesg: "[   12.345678] text"; syslog: "Dec  1 00:00:00 host kernel: [   12.345678] text" or without the bracket.
        private static readonly Regex Dmesg = new Regex(@"^\[\s*(?<ts>\d+\.\d+)\]\s?(?<text>.*)$", RegexOptions.CultureInvariant);
        private static readonly Regex Syslog = new Regex(@"^(?<ts>\S+\s+\d+\s+[\d:]+|\d{4}-\d\d-\d\dT\S+)\s+\S+\s+kernel:\s*(\[\s*(?<mono>\d+\.\d+)\]\s?)?(?<text>.*)$", RegexOptions.CultureInvariant);
        private static readonly Regex Queue = new Regex(@"(reset of queue|PQAP/ZAPQ for) (?<a>[0-9a-f]{2})\.(?<d>[0-9a-f]{4})", RegexOptions.CultureInvariant);

        /// <summary>The reset lines of the log text, oldest first.</summary>
        public static IReadOnlyList<KernelLogLine> Parse(string text)
        {
            var lines = new List<KernelLogLine>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                string ts, body;
                var m = Dmesg.Match(line);
                if (m.Success) { ts = m.Groups["ts"].Value; body = m.Groups["text"].Value; }
                else if ((m = Syslog.Match(line)).Success) { ts = m.Groups["mono"].Success ? m.Groups["mono"].Value : m.Groups["ts"].Value; body = m.Groups["text"].Value; }
                else continue;
                var q = Queue.Match(body);
                if (!q.Success) continue;
                int a = int.Parse(q.Groups["a"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                int d = int.Parse(q.Groups["d"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (d > DomainId.Max) continue;
                lines.Add(new KernelLogLine(ts, body, new Apqn(a, d)));
            }
            return lines;
        }
    }
}
