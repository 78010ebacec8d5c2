using System;
using System.Management.Automation;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// New-ApSession: opens a session to a host's AP bus (this machine, a sysfs tree, or a simulated host).
    /// Parameter sets: Local (no parameters), SysfsRoot, Simulation. A transport adds its own set (SSH: -HostName)
    /// and one case in <see cref="ProcessRecord"/>; -Name is common to all.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "ApSession", DefaultParameterSetName = LocalSet)]
    [OutputType(typeof(ApSession))]
    public sealed class NewApSessionCommand : PSCmdlet
    {
        private const string LocalSet = "Local";
        private const string SysfsRootSet = "SysfsRoot";
        private const string SimulationSet = "Simulation";

        /// <summary>A built-in scenario name (seed, kernel-doc, large-60x85, large-256x256 …) or a scenario JSON file.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SimulationSet)]
        [ArgumentCompleter(typeof(ScenarioNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Simulation { get; set; } = "";

        /// <summary>A directory laid out as sysfs (it holds bus/ap and devices/ap).</summary>
        [Parameter(Mandatory = true, ParameterSetName = SysfsRootSet)]
        [ValidateNotNullOrEmpty]
        public string SysfsRoot { get; set; } = "";

        /// <summary>The host name output objects carry (default: the scenario's name, or this machine's name for -SysfsRoot).</summary>
        [Parameter(ParameterSetName = SimulationSet)]
        [Parameter(ParameterSetName = SysfsRootSet)]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>A name for Get-ApSession -Name (default ApSession&lt;Id&gt;).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                ApSession session = ParameterSetName switch
                {
                    SimulationSet => ApSessionFactory.OpenSimulation(Simulation, ResolvePath(Simulation), Name, ComputerName),
                    SysfsRootSet => ApSessionFactory.OpenSysfsRoot(ResolvePath(SysfsRoot) ?? SysfsRoot, Name, ComputerName),
                    _ => ApSessionFactory.OpenLocal(Name),
                };
                WriteVerbose($"Opened session {session.Id} '{session.Name}': {session.Kind} {session.ComputerName}.");
                WriteObject(session);
            }
            catch (VfioApException e)
            {
                WriteError(e.ToErrorRecord(ParameterSetName == SimulationSet ? Simulation : ParameterSetName == SysfsRootSet ? SysfsRoot : "/sys"));
            }
        }

        /// <summary>Paths are relative to the PowerShell location ($PWD), not the process's directory; null when not a file-system path.</summary>
        private string? ResolvePath(string path)
        {
            try
            {
                return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is NotSupportedException || e is PSArgumentException)
            {
                return null;
            }
        }
    }
}
