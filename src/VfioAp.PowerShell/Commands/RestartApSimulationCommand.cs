using System.Management.Automation;
using VfioAp.Core.Simulation;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Hosting;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Restart-ApSimulation: reboots a simulated host from its persistent state as Linux on Z boots — the kernel's
    /// default or command-line masks, the udev rule, mdevctl's auto definitions with ap-check's checks, libvirt's
    /// autostart domains — on the same hardware. The session goes on with the booted host; what only lived in the
    /// running kernel (masks changed live, mdevs never defined, queues unbound by hand) is gone, as after a real reboot.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Restart, "ApSimulation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(ApSession))]
    public sealed class RestartApSimulationCommand : HostCmdlet
    {
        /// <summary>Read mdevctl's definitions from &lt;MdevctlRoot&gt;/etc/mdevctl.d/matrix on this machine (where Export-VfioApMdev -Persist -MdevctlRoot wrote them).</summary>
        [Parameter]
        public string? MdevctlRoot { get; set; }

        /// <summary>Write the session after its host booted.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var reads = new BootStateReads();
            if (MdevctlRoot is not null) reads.MdevctlRoot = SessionState.Path.GetUnresolvedProviderPathFromPSPath(MdevctlRoot);
            foreach (var session in SessionsOfRecord())
            {
                if (!IsOpen(session)) continue;
                if (session.Kind != ApSessionKind.Simulation || session.Kernel is null)
                {
                    WriteError(new VfioApException(VfioApErrorId.NotASimulation, ErrorCategory.InvalidArgument,
                        $"Session {session.Id} '{session.Name}' ({session.ComputerName}) is a {session.Kind} session, not a simulated host; only a simulated host can be rebooted here.",
                        "Give a session opened with New-ApSession -Simulation; to see what a real host's reboot brings, use Test-VfioApBoot -Detailed.",
                        session.ComputerName).ToErrorRecord(session));
                    continue;
                }
                if (!ShouldProcess($"{session.Name} ({session.ComputerName})", "Reboot the simulated host from its persistent state")) continue;
                var booted = SimulatedBoot.Boot(session.Kernel, reads.ReadFiles(session));
                ApSessionFactory.Reboot(session, booted);
                WriteVerbose($"Host '{session.ComputerName}' booted: {booted.Mdevs.Count} mdev(s) started by mdevctl.");
                if (PassThru) WriteObject(session);
            }
        }
    }
}
