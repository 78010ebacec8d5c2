#Requires -Version 7.2
<#
.SYNOPSIS
    Local read benchmark: Get-ApQueue, Get-ApCard and Get-VfioApApcb on a sysfs tree on this machine, next to the raw
    dump an admin would type, on the same tree in the same run (issue 23).
.DESCRIPTION
    Writes the large-60x85 and large-256x256 scenarios as sysfs trees (SysfsTreeExporter) to -TreeDir (tmpfs by
    default, so the page cache answers as sysfs answers from memory) and reports, as medians of interleaved runs:
      1. each cmdlet on a -SysfsRoot session of the tree against the raw dump of the same tree, as a ratio;
      2. the managed memory each queue object holds (GC heap with the objects held, less the heap before, divided
         by the queue count; measured after the timed runs, with full collections);
      3. with -SimFs, the same Get-ApQueue against the same raw dump on a VfioAp.SimFs (FUSE) mount of the 60x85
         scenario, where every file costs a FUSE round trip as a real sysfs file costs a kernel call.
    The raw dump is the one of tests/VfioAp.Benchmarks/Measure-SshFleet.ps1, run by bash on this machine:
    grep -r over the card and queue attributes Get-ApQueue and Get-ApCard show, grep -r over bus/ap and the mdevs,
    and find -printf '%p %l' for the driver links. lszcrypt -V reads about as much and is not needed here.

    Run after a Release build:
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-LocalRead.ps1 -Repeat 7 -SimFs
#>
param([int] $Repeat = 7, [string] $Scenarios = 'large-60x85,large-256x256', [switch] $SimFs, [string] $TreeDir = '/dev/shm')
$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Import-Module (Join-Path $repo 'ps-module/VfioAp/VfioAp.psd1') -Force

function Get-Median([double[]] $v) { $s = $v | Sort-Object; if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }

function Export-Tree([string] $Scenario) {
    $dir = Join-Path $TreeDir "vfioap-local-bench-$Scenario"
    if (-not (Test-Path (Join-Path $dir 'bus/ap'))) {
        if (Test-Path $dir) { & rm -rf -- $dir }
        [VfioAp.Core.Simulation.SysfsTreeExporter]::Export([VfioAp.Core.Simulation.ScenarioLibrary]::Load($Scenario), $dir)
    }
    $dir
}

function RawDump([string] $Tree) {
    "cd '$Tree' && grep -r --include=hwtype --include=type --include=online --include=config --include=chkstop --include=status --include=ap_functions --include=depth . devices/ap; " +
    "grep -r . bus/ap devices/vfio_ap/matrix; find devices/ap -name driver -printf '%p %l\n'"
}

function Measure-Seconds([scriptblock] $Block) {
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $null = & $Block
    $sw.Elapsed.TotalSeconds
}

function Measure-Dump([string] $Tree) {
    $dump = RawDump $Tree
    # The whole dump through cat into /dev/null inside bash: nothing reaches PowerShell's pipeline, and grep cannot see
    # /dev/null as its output (GNU grep then stops at the first match, as with -q).
    Measure-Seconds { & bash -c "{ $dump; } 2>&1 | cat > /dev/null" }
}

function Measure-QueueBytes($Session) {
    <# Managed heap held by the queue objects of one Get-ApQueue, per object. #>
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $before = [GC]::GetTotalMemory($true)
    $held = @(Get-ApQueue -Session $Session)
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $after = [GC]::GetTotalMemory($true)
    [pscustomobject]@{ Count = $held.Count; BytesPerQueue = ($after - $before) / [math]::Max(1, $held.Count) }
}

function Measure-Tree([string] $Label, [string] $Tree, [string[]] $Cmdlets) {
    $s = New-ApSession -SysfsRoot $Tree -ComputerName $Label
    # Warm up: JIT, the page cache (or SimFs's own caches) for both sides.
    foreach ($c in $Cmdlets) { $null = & $c -Session $s }
    $null = Measure-Dump $Tree
    $times = @{ dump = @() }
    foreach ($c in $Cmdlets) { $times[$c] = @() }
    for ($r = 0; $r -lt $Repeat; $r++) {
        $times.dump += Measure-Dump $Tree
        foreach ($c in $Cmdlets) { $times[$c] += Measure-Seconds { @(& $c -Session $s).Count } }
    }
    $dump = Get-Median $times.dump
    foreach ($c in $Cmdlets) {
        $m = Get-Median $times[$c]
        [pscustomobject]@{ What = "$c $Label"; Module = $m; Dump = $dump; Ratio = $m / $dump }
    }
    $s | Remove-ApSession
}

$rows = [System.Collections.Generic.List[object]]::new()
$memory = [System.Collections.Generic.List[object]]::new()
foreach ($scenario in ($Scenarios -split ',' | Where-Object { $_ })) {
    $tree = Export-Tree $scenario
    foreach ($row in (Measure-Tree $scenario $tree 'Get-ApQueue', 'Get-ApCard', 'Get-VfioApApcb')) { $rows.Add($row); Write-Host ($row | Format-Table -AutoSize | Out-String) }
    $s = New-ApSession -SysfsRoot $tree -ComputerName $scenario
    $mem = Measure-QueueBytes $s
    $memory.Add([pscustomobject]@{ Scenario = $scenario; Queues = $mem.Count; BytesPerQueue = $mem.BytesPerQueue })
    $s | Remove-ApSession
}

if ($SimFs) {
    Import-Module (Join-Path $repo 'tests/pester/SshTestBed.psm1') -Force
    $mount = Start-TestSimFs -Scenario 'large-60x85'
    try {
        foreach ($row in (Measure-Tree 'large-60x85 (SimFs)' $mount.Root 'Get-ApQueue')) { $rows.Add($row); Write-Host ($row | Format-Table -AutoSize | Out-String) }
    }
    finally { Stop-TestSimFs $mount }
}

"| | module (s) | raw dump (s) | ratio |"
"|---|---:|---:|---:|"
foreach ($r in $rows) { '| {0} | {1:0.000} | {2:0.000} | {3:0.00}x |' -f $r.What, $r.Module, $r.Dump, $r.Ratio }
foreach ($m in $memory) { 'memory per queue object, {0} ({1} queues): {2:0} bytes' -f $m.Scenario, $m.Queues, $m.BytesPerQueue }
"(median of $Repeat interleaved runs; $(nproc) cores; load average $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '))"
