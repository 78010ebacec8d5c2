using System;
using VfioAp.Core.Sysfs;
using System.IO;
using System.Runtime.InteropServices;
using VfioAp.Core.Simulation;

namespace VfioAp.SimFs
{
    /// <summary>
    /// VfioAp.SimFs: serves a simulated host's sysfs through FUSE in the foreground until unmounted or signalled.
    /// Exit codes: 0 served and unmounted, 1 could not mount or serve, 2 bad command line.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            var stderr = TextWriter.Synchronized(Console.Error);
            var commandLine = SimFsCommandLine.Parse(args, out var usageError);
            if (commandLine is null)
            {
                stderr.WriteLine("VfioAp.SimFs: " + usageError);
                stderr.WriteLine(SimFsCommandLine.Usage);
                return 2;
            }
            if (commandLine.Help)
            {
                Console.WriteLine(SimFsCommandLine.Usage);
                Console.WriteLine();
                Console.WriteLine("Built-in scenarios: " + string.Join(", ", ScenarioLibrary.BuiltInNames));
                return 0;
            }

            SimulatedKernel kernel;
            try
            {
                kernel = SimulatedHostLoader.Load(commandLine.Scenario, commandLine.LegacyKernel);
            }
            catch (ScenarioException e)
            {
                stderr.WriteLine("VfioAp.SimFs: scenario '" + commandLine.Scenario + "': " + e.Message);
                return 1;
            }

            // After the scenario, so a mistake in it is reported even where FUSE cannot run.
            var unavailable = FuseAvailability.UnavailableReason;
            if (unavailable is not null)
            {
                stderr.WriteLine("VfioAp.SimFs: cannot mount: " + unavailable);
                return 1;
            }

            FuseMount mount;
            try
            {
                ISysfsTree tree = new KernelLogEcho(kernel, stderr.WriteLine);
                if (commandLine.Stalls.Count > 0) tree = new StallingTree(tree, commandLine.Stalls, stderr.WriteLine);
                mount = FuseMount.Start(tree, commandLine.Mountpoint, new FuseMountOptions { AllowOther = commandLine.AllowOther }, stderr.WriteLine);
            }
            catch (FuseMountException e)
            {
                stderr.WriteLine("VfioAp.SimFs: " + e.Message);
                return 1;
            }

            return Serve(mount, kernel, commandLine, stderr);
        }

        /// <summary>Serves the mount until it is unmounted, a signal detaches it, or (if asked) stdin closes.</summary>
        private static int Serve(FuseMount mount, SimulatedKernel kernel, SimFsCommandLine commandLine, TextWriter stderr)
        {
            using (mount)
            {
                // Signals detach the mount; the kernel then ends the FUSE connection and the loop below returns.
                void Stop(PosixSignalContext context)
                {
                    context.Cancel = true;
                    mount.RequestUnmount();
                }
                using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
                using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
                using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => mount.Dispose();
                if (commandLine.UntilStdinCloses)
                {
                    // The parent holds our stdin open; when it exits, however it exits, the pipe closes and the mount goes with it.
                    var watchdog = new System.Threading.Thread(() =>
                    {
                        using var stdin = Console.OpenStandardInput();
                        var buffer = new byte[256];
                        while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
                        mount.RequestUnmount();
                    }) { IsBackground = true, Name = "stdin watchdog" };
                    watchdog.Start();
                }

                Console.Out.WriteLine($"mounted {kernel.ScenarioName} at {mount.Mountpoint}");
                Console.Out.Flush();

                int served = mount.Served.GetAwaiter().GetResult();
                if (served != 0)
                {
                    stderr.WriteLine($"VfioAp.SimFs: serving {mount.Mountpoint} ended with error {served} (fuse_loop_mt).");
                    return 1;
                }
            }
            return 0;
        }
    }
}
