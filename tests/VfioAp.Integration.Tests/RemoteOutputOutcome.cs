using System;
using System.IO;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// What a host whose command printed <c>output</c> comes to: the path the bytes take in <c>SshSysfs</c> (the bounded
    /// reader and the parser, as <c>SshConnection.Run</c> drives them; then the checks of <c>ReadMany</c> or <c>RunPlan</c>;
    /// then the snapshot) with every failure turned into the error id <c>HostFailure</c> gives it.
    /// "Snapshot" / "Applied" when it went through; "unexpected ..." for anything that is not a documented outcome.
    /// </summary>
    internal static class RemoteOutputOutcome
    {
        public static string Of(RemoteOutputRecording rec, byte[] output)
        {
            try
            {
                return rec.IsPlan ? Plan(rec, output) : Read(rec, output);
            }
            catch (Exception ex)
            {
                return "unexpected " + ex.GetType().Name + ": " + ex.Message;
            }
        }

        private static string Read(RemoteOutputRecording rec, byte[] output)
        {
            var parser = new ReadManyOutputParser();
            if (Feed(output, parser.Feed) is string invalid) return invalid;
            parser.Finish();
            if (!parser.Started) return Id(new SshHostException("h", SshFailure.RemoteShell, "did not start"));
            if (!parser.Completed) return Id(new SshHostException("h", SshFailure.RemoteOutputInvalid, "cut short"));
            var result = rec.WithHost
                ? new SysfsReadResult(parser.Entries.Select(e => e.Path.StartsWith("sys/", StringComparison.Ordinal)
                    ? new SysfsEntry(e.Path.Substring(4), e.Kind, e.Value, e.Error)
                    : new SysfsEntry(e.Path, e.Kind, e.Value, e.Error, SysfsArea.Host)))
                : new SysfsReadResult(parser.Entries);
            return Snapshot(rec.WithHost ? rec.Root + "/sys" : rec.Root, result, SnapshotParts.All, rec.WithHost ? rec.Root : null, "Snapshot");
        }

        private static string Plan(RemoteOutputRecording rec, byte[] output)
        {
            var parser = new PlanOutputParser();
            if (Feed(output, parser.Feed) is string invalid) return invalid;
            parser.Finish();
            if (!parser.Started) return Id(new SshHostException("h", SshFailure.RemoteShell, "did not start"));
            // RunPlan: a plan that did not reach its end is an interrupted plan result (Set-VfioApMatrix: VfioAp.WriteFailed
            // naming the steps applied and the one in doubt), as is one whose lock or steps failed.
            if (!parser.Completed || parser.FailedStep >= 0) return VfioApErrorId.WriteFailed;
            if (parser.LockTimedOutHolder != null) return VfioApErrorId.LockTimeout;
            if (parser.LockError != null) return VfioApErrorId.LockUnavailable;
            if (parser.Conflicts.Count > 0) return VfioApErrorId.ConcurrentChange;
            if (parser.After is not SysfsReadResult after) return VfioApErrorId.WriteFailed;
            return Snapshot(rec.Root, after, Core.Rules.MatrixPlanner.VerifyParts, null, "Applied");
        }

        /// <summary>Runs the bytes through the reader as a remote command's stdout; the id when that already fails.</summary>
        private static string? Feed(byte[] output, LineHandler onLine)
        {
            using var watch = new CommandWatchdog(Stream.Null, Stream.Null, TimeSpan.FromMinutes(5), RemoteOutputLimits.Default, () => { });
            var fault = RemoteOutputReader.Read(new MemoryStream(output), onLine, RemoteOutputLimits.Default, watch, new RemoteOutputMeter());
            return fault is null ? null : Id(new SshHostException("h", SshFailure.RemoteOutputInvalid, fault.Message, fault));
        }

        private static string Snapshot(string root, SysfsReadResult result, SnapshotParts parts, string? hostRoot, string success)
        {
            try
            {
                HostReader.Build("h", root, result, parts, hostRoot);
                return success;
            }
            catch (HostReadException ex)
            {
                return Id(ex);
            }
        }

        /// <summary>
        /// The id <c>HostFailure</c> gives these exceptions (the constants are compiled in; calling it would load
        /// System.Management.Automation, which this test process does not have).
        /// </summary>
        private static string Id(Exception ex) => ex switch
        {
            SshHostException { Failure: SshFailure.RemoteOutputInvalid } => VfioApErrorId.RemoteOutputInvalid,
            SshHostException { Failure: SshFailure.RemoteShell } => VfioApErrorId.SshRemoteShellFailed,
            HostReadException h when h.Path.TrimEnd('/').EndsWith(SysfsLayout.ApBus, StringComparison.Ordinal) && (h.Error == Errno.ENOENT || h.Error == Errno.None)
                => VfioApErrorId.NoApBus,
            HostReadException => VfioApErrorId.HostReadFailed,
            _ => "unexpected " + ex.GetType().Name + ": " + ex.Message,
        };
    }
}
