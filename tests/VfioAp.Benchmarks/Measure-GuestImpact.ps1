#Requires -Version 7.2
<#
.SYNOPSIS
    The cost of a change's guest impact (GuestImpactCalculator: copy the host's snapshot into the simulated kernel,
    replay the writes, read the copy back) as a ratio to what every change already pays: one snapshot read of the host.
.DESCRIPTION
    On the built-in seed, large-60x85 and large-256x256 hosts (simulated, read through SimulatedSysfs), the change is
    the unbind of one queue bound to vfio_ap. Prints per host the median of -Repeat runs of each and their ratio.

    Run after a Release build:
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-GuestImpact.ps1 -Repeat 5
#>
param([int] $Repeat = 5)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../../ps-module/VfioAp/VfioAp.psd1') -Force

$all = [VfioAp.Core.Model.SnapshotParts]::All
foreach ($name in 'seed', 'large-60x85', 'large-256x256') {
    $sysfs = [VfioAp.Core.Simulation.SimulatedSysfs]::new([VfioAp.Core.Simulation.ScenarioLibrary]::Load($name), $name)
    $snapshot = [VfioAp.Core.Sysfs.HostReader]::Read($sysfs, $all)
    $queue = $snapshot.Queues | Where-Object Driver -eq 'vfio_ap' | Select-Object -First 1
    $writes = [VfioAp.Core.Model.SysfsWrite[]]@([VfioAp.Core.Model.SysfsWrite]::new('bus/ap/drivers/vfio_ap/unbind', $queue.Apqn.ToString()))
    $reads = foreach ($i in 1..$Repeat) { (Measure-Command { [VfioAp.Core.Sysfs.HostReader]::Read($sysfs, $all) }).TotalSeconds }
    $impacts = foreach ($i in 1..$Repeat) { (Measure-Command { [VfioAp.Core.Simulation.GuestImpactCalculator]::Compute($snapshot, $writes) }).TotalSeconds }
    $read = ($reads | Sort-Object)[[int][math]::Floor($Repeat / 2)]
    $impact = ($impacts | Sort-Object)[[int][math]::Floor($Repeat / 2)]
    '{0,-14} {1,6} queues  snapshot read {2,7:N3} s  impact {3,7:N3} s  ratio {4,5:N2}x' -f $name, $snapshot.Queues.Count, $read, $impact, ($impact / $read)
}
