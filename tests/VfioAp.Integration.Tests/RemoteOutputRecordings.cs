using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using VfioAp.Core.Locking;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.Core.Tests;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>One real output of the module's read or plan script, recorded by running it with /bin/sh on an exported scenario.</summary>
    public sealed record RemoteOutputRecording(string Name, bool IsPlan, bool WithHost, string Root, byte[] Output)
    {
        public override string ToString() => $"{Name} ({Output.Length} bytes)";
    }

    /// <summary>
    /// Records the outputs the fault campaign mutates: every small built-in scenario exported as a host root, read with
    /// GNU grep/find and with shell builtins only, with and without the host's files, and a plan (two writes under the
    /// lock, then the verification reads). Nothing is hard-coded: the bytes are what the script prints today.
    /// </summary>
    public sealed class RemoteOutputRecordings : IDisposable
    {
        private readonly List<string> _dirs = new List<string>();

        public RemoteOutputRecordings()
        {
            foreach (var name in ScenarioLibrary.BuiltInNames.Where(n => !n.StartsWith("large-", StringComparison.Ordinal)))
            {
                var dir = Path.Combine(Path.GetTempPath(), "vfioap-faults-" + name + "-" + Guid.NewGuid().ToString("N").Substring(0, 6));
                _dirs.Add(dir);
                SysfsTreeExporter.ExportHostRoot(ScenarioLibrary.Load(name), dir);
                var sys = dir + "/sys";
                var all = HostReader.QueriesFor(SnapshotParts.All);
                var sysOnly = all.Where(q => q.Area == SysfsArea.Sysfs).ToList();
                var withHost = all.Select(q => q.Area == SysfsArea.Host ? new SysfsQuery(q.Pattern, q.Kind) : new SysfsQuery("sys/" + q.Pattern, q.Kind)).ToList();
                foreach (var tools in new[] { ReadTools.Detect, ReadTools.BuiltinsOnly })
                {
                    All.Add(new RemoteOutputRecording($"{name} read {tools}", false, false, sys, Run(ReadManyScript.Build(sys, sysOnly, tools))));
                    All.Add(new RemoteOutputRecording($"{name} read+host {tools}", false, true, dir, Run(ReadManyScript.Build(dir, withHost, tools))));
                }
                var writes = new[] { SysfsLayout.ApMask, SysfsLayout.AqMask }
                    .Select(p => new SysfsWrite(p, File.ReadAllText(Path.Combine(sys, p)).TrimEnd('\n'))).ToList();
                var lockPath = ApConfigLock.PathFor(sys);
                Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
                All.Add(new RemoteOutputRecording($"{name} plan", true, false, sys,
                    Run(PlanScript.Build(sys, writes.AsSteps(), HostReader.QueriesFor(MatrixPlannerVerifyParts), lockPath, null, 5))));
            }
        }

        private static SnapshotParts MatrixPlannerVerifyParts => Core.Rules.MatrixPlanner.VerifyParts;

        public List<RemoteOutputRecording> All { get; } = new List<RemoteOutputRecording>();

        private static byte[] Run(string script)
        {
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var bytes = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(bytes);
            p.WaitForExit();
            _ = err.Result;
            return bytes.ToArray();
        }

        public void Dispose()
        {
            foreach (var d in _dirs)
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
