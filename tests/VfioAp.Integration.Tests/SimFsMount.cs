using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using VfioAp.SimFs;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A running <c>VfioAp.SimFs</c> process serving a simulated host at a directory: started from the build output next to
    /// the tests, ready once it prints <c>mounted … at …</c>, and on dispose unmounted with <c>fusermount3 -u</c> and killed if
    /// it does not exit, so a failing test never leaves a mount behind. Reusable by any test that needs a sysfs tree on disk
    /// (the SSH tests serve one through sshd).
    /// </summary>
    public sealed class SimFsMount : IDisposable
    {
        private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

        private readonly Process _process;
        private readonly bool _ownsDirectory;
        private readonly StringBuilder _stderr = new StringBuilder();
        private bool _disposed;
        private int? _exitCode;

        private SimFsMount(Process process, string root, bool ownsDirectory, string readyLine)
        {
            _process = process;
            Root = root;
            _ownsDirectory = ownsDirectory;
            ReadyLine = readyLine;
        }

        /// <summary>The mountpoint: the simulated sysfs root (<c>Root/bus/ap/apmask</c>, <c>Root/devices/vfio_ap/matrix</c>).</summary>
        public string Root { get; }

        /// <summary>What the process printed when it was ready: <c>mounted &lt;scenario&gt; at &lt;dir&gt;</c>.</summary>
        public string ReadyLine { get; }

        public int ProcessId => _process.Id;

        /// <summary>Everything the process wrote to stderr so far (libfuse messages, the simulated kernel's log lines).</summary>
        public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

        /// <summary>Why SimFs cannot run on this machine, or null. <see cref="SimFsFactAttribute"/> skips with this text.</summary>
        public static string? UnavailableReason
        {
            get
            {
                var fuse = FuseAvailability.UnavailableReason;
                if (fuse is not null) return fuse;
                if (!File.Exists(ExecutablePath))
                    return $"The VfioAp.SimFs build output is missing at {ExecutablePath}: build tests/VfioAp.Integration.Tests first.";
                return null;
            }
        }

        /// <summary>VfioAp.SimFs.dll, copied next to the test assembly by the project reference.</summary>
        public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, "VfioAp.SimFs.dll");

        /// <summary>
        /// Starts SimFs on <paramref name="scenario"/> (a built-in name or a JSON file). Without <paramref name="mountpoint"/> a
        /// fresh temporary directory is used and removed on dispose; a given directory is left in place (empty once unmounted).
        /// </summary>
        public static SimFsMount Start(string scenario, string? mountpoint = null, bool legacyKernel = false, bool allowOther = false)
        {
            bool owns = mountpoint is null;
            var root = mountpoint ?? Directory.CreateTempSubdirectory("vfioap-simfs-").FullName;
            var start = new ProcessStartInfo(DotnetHost)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            start.ArgumentList.Add(ExecutablePath);
            start.ArgumentList.Add("--scenario");
            start.ArgumentList.Add(scenario);
            start.ArgumentList.Add(root);
            // Should this test process die without disposing, SimFs sees its stdin close and unmounts by itself.
            start.ArgumentList.Add("--until-stdin-closes");
            if (legacyKernel) { start.ArgumentList.Add("--kernel"); start.ArgumentList.Add("legacy"); }
            if (allowOther) start.ArgumentList.Add("--allow-other");

            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + start.FileName);
            var stdout = new List<string>();
            string? ready = null;
            using var readyOrExit = new ManualResetEventSlim();
            var stderr = new StringBuilder();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) { readyOrExit.Set(); return; }
                lock (stdout) stdout.Add(e.Data);
                if (ready is null && e.Data.StartsWith("mounted ", StringComparison.Ordinal)) { ready = e.Data; readyOrExit.Set(); }
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            bool signalled = readyOrExit.Wait(ReadyTimeout);
            if (ready is null)
            {
                // Not ready: make sure nothing is left mounted or running, then say what the process said.
                StopProcess(process, root);
                if (owns) TryRemoveDirectory(root);
                string said;
                lock (stderr) said = stderr.ToString();
                lock (stdout) said = string.Join("\n", stdout) + "\n" + said;
                throw new InvalidOperationException(
                    $"VfioAp.SimFs did not report ready for scenario '{scenario}' at {root} " +
                    (signalled ? $"(it exited with {SafeExitCode(process)})" : $"within {ReadyTimeout.TotalSeconds} s") +
                    ". Its output:\n" + said.Trim());
            }

            var mount = new SimFsMount(process, root, owns, ready);
            // Keep collecting stderr into the fixture from here on.
            lock (stderr) mount._stderr.Append(stderr);
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (mount._stderr) mount._stderr.AppendLine(e.Data); };
            return mount;
        }

        /// <summary>Runs VfioAp.SimFs to completion (for --help and the refusals that happen before anything is mounted).</summary>
        public static ShellResult RunToExit(params string[] arguments)
        {
            var start = new ProcessStartInfo(DotnetHost)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(ExecutablePath);
            foreach (var a in arguments) start.ArgumentList.Add(a);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + start.FileName);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)ReadyTimeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"VfioAp.SimFs {string.Join(" ", arguments)} did not exit within {ReadyTimeout.TotalSeconds} s.");
            }
            return new ShellResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }

        /// <summary>Whether <see cref="Root"/> is currently a mount point (per /proc/self/mountinfo).</summary>
        public bool IsMounted => IsMountPoint(Root);

        public static bool IsMountPoint(string directory)
        {
            var full = Path.GetFullPath(directory).TrimEnd('/');
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                var fields = line.Split(' ');
                if (fields.Length > 4 && UnescapeMountPath(fields[4]) == full) return true;
            }
            return false;
        }

        /// <summary>The process's exit code once it has exited (after dispose), or null while it runs.</summary>
        public int? ExitCode => _exitCode ?? (_process.HasExited ? _process.ExitCode : null);

        /// <summary>Waits for the process to exit by itself (after a signal or an outside unmount).</summary>
        public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit((int)timeout.TotalMilliseconds);

        /// <summary>Waits until SimFs's stderr contains <paramref name="text"/> (it is read asynchronously), or the timeout passes.</summary>
        public bool WaitForStandardError(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!StandardError.Contains(text, StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline) return false;
                Thread.Sleep(20);
            }
            return true;
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            StopProcess(_process, Root);
            if (_process.HasExited) _exitCode = _process.ExitCode;
            if (_ownsDirectory) TryRemoveDirectory(Root);
            _process.Dispose();
        }

        /// <summary>fusermount3 -u (SimFs's loop then ends and it exits), a kill if it does not, and a lazy unmount as a last resort.</summary>
        private static void StopProcess(Process process, string root)
        {
            if (IsMountPoint(root)) Fusermount("-u", root);
            if (!process.WaitForExit((int)ExitTimeout.TotalMilliseconds))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit((int)ExitTimeout.TotalMilliseconds);
            }
            // A killed daemon leaves a dead mount ("Transport endpoint is not connected"); detach it.
            if (IsMountPoint(root)) Fusermount("-u", "-z", root);
        }

        private static void Fusermount(params string[] arguments)
        {
            var start = new ProcessStartInfo(FuseAvailability.FindFusermount() ?? "fusermount3")
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var a in arguments) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
        }

        private static void TryRemoveDirectory(string directory)
        {
            // Never recursive: if something is still mounted there, the tree must not be walked and "deleted".
            try { if (!IsMountPoint(directory)) Directory.Delete(directory, recursive: false); }
            catch (IOException) { }
        }

        private static string SafeExitCode(Process p)
        {
            try { return p.HasExited ? p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no exit code"; }
            catch (InvalidOperationException) { return "no exit code"; }
        }

        /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH, set by the SDK), else the one on PATH.</summary>
        public static string DotnetHost => FindDotnetHost();

        private static string FindDotnetHost()
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            var self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            return "dotnet";
        }

        /// <summary>mountinfo escapes space, tab, newline and backslash as octal (\040).</summary>
        private static string UnescapeMountPath(string field)
        {
            if (field.IndexOf('\\') < 0) return field;
            var sb = new StringBuilder();
            for (int i = 0; i < field.Length; i++)
            {
                if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
                {
                    sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                    i += 3;
                }
                else sb.Append(field[i]);
            }
            return sb.ToString();
        }

        private static bool IsOctal(char c) => c >= '0' && c <= '7';
    }

    /// <summary>A theory that needs a working FUSE and the SimFs build; skipped with the exact reason when either is missing.</summary>
    public sealed class SimFsTheoryAttribute : TheoryAttribute
    {
        public SimFsTheoryAttribute()
        {
            var reason = SimFsMount.UnavailableReason;
            if (reason is not null) Skip = reason;
        }
    }

    /// <summary>A fact that needs a working FUSE and the SimFs build; skipped with the exact reason when either is missing.</summary>
    public sealed class SimFsFactAttribute : FactAttribute
    {
        public SimFsFactAttribute()
        {
            var reason = SimFsMount.UnavailableReason;
            if (reason is not null) Skip = reason;
        }
    }
}
