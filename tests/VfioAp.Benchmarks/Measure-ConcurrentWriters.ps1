#Requires -Version 7.2
<#
.SYNOPSIS
    Throughput of N concurrent writers on one host (calls per second for N = 1, 2, 4 pwsh processes) and the added
    cost of the host's AP configuration lock per uncontended plan, on a SimFs (FUSE) mount of the seed scenario.
.DESCRIPTION
    Writers: N separate pwsh processes, each with its own -SysfsRoot session on the same mount, each adding -Calls
    disjoint adapters to the seed mdev one Set-VfioApMatrix call at a time. They start together (a go file) and each
    reports when its loop began and ended; calls/s = all calls / (last end - first start). The calls serialize on the
    lock and re-plan when another writer got there first, so the figure shows what the lock and the re-plans cost.

    Lock cost: in this process, the same one-write plan (the seed mdev's matrix written to ap_config unchanged) with
    its verifying read, run -Repeat times without the lock (the write and the read, as the plan does them) and as the
    locked RunPlan (lock file taken and released, the plan's preconditions compared), alternating; the medians and
    their difference are printed. (Plans have no unlocked door; the plain figure is the same work, step by step.)

    -Ssh: the writers reach the mount over SSH instead (the sshd test bed on loopback, one session per process), and
    the lock cost is replaced by the remote commands one uncontended Set-VfioApMatrix costs (sshd's log: one
    "Starting session: command" per command). -Manifest runs another build of the module (e.g. main's, for a
    before/after comparison in the same run).

    Run after a Release build (needs FUSE, as the SimFs tests do):
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-ConcurrentWriters.ps1 -Calls 12 -Repeat 200
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-ConcurrentWriters.ps1 -Ssh -Calls 8 -Writers 1,3,5
#>
param([int] $Calls = 12, [int] $Repeat = 200, [string[]] $Writers = @('1', '2', '4'), [switch] $Ssh, [string] $Manifest)
$ErrorActionPreference = 'Stop'
# From a shell (pwsh -File) -Writers 1,3,5 arrives as one string, which [int[]] would read as 135.
$Writers = @($Writers | ForEach-Object { "$_" -split ',' } | Where-Object { $_ } | ForEach-Object { [int]$_ })
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$manifest = if ($Manifest) { (Resolve-Path $Manifest).Path } else { Join-Path $repo 'ps-module/VfioAp/VfioAp.psd1' }
Import-Module $manifest -Force
Import-Module (Join-Path $repo 'tests/pester/SshTestBed.psm1') -Force
$seedMdev = [guid]'62177883-f1bb-47f0-914d-32a22e3a8804'

function Measure-Writers([int] $N) {
    $mount = Start-TestSimFs seed
    try {
        $go = Join-Path ([System.IO.Path]::GetTempPath()) ("vfioap-go-" + [guid]::NewGuid().ToString('N'))
        $procs = foreach ($w in 0..($N - 1)) {
            $first = 0x10 + $w * $Calls
            $script = @"
Import-Module '$manifest'
`$s = $(if ($Ssh) { "New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$($mount.Root)'" } else { "New-ApSession -SysfsRoot '$($mount.Root)'" })
`$null = Get-VfioApMdev -Session `$s
while (-not (Test-Path '$go')) { Start-Sleep -Milliseconds 5 }
`$t0 = [DateTime]::UtcNow.Ticks; `$ok = 0
foreach (`$a in $first..$($first + $Calls - 1)) { try { Set-VfioApMatrix -Session `$s -Mdev $seedMdev -Adapter `$a -WarningAction SilentlyContinue -ErrorAction Stop; `$ok++ } catch { [Console]::Error.WriteLine(`$_) } }
"`$t0 `$([DateTime]::UtcNow.Ticks) `$ok"
"@
            $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in 'pwsh', '-NoProfile', '-NonInteractive', '-Command', $script) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [System.Diagnostics.Process]::Start($psi)
            [pscustomobject]@{ P = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
        }
        Start-Sleep -Seconds 8 # every process has loaded the module and read the host once
        Set-Content $go ''
        foreach ($x in $procs) { $x.P.WaitForExit() }
        Remove-Item $go
        $runs = foreach ($x in $procs) { $t = "$($x.Out.Result)".Trim().Split(' '); [pscustomobject]@{ Start = [long]$t[0]; End = [long]$t[1]; Ok = [int]$t[2]; Err = $x.Err.Result } }
        $seconds = (($runs.End | Measure-Object -Maximum).Maximum - ($runs.Start | Measure-Object -Minimum).Minimum) / 1e7
        $ok = ($runs.Ok | Measure-Object -Sum).Sum
        foreach ($r in $runs) { if ("$($r.Err)".Trim()) { Write-Warning "writer error: $($r.Err.Trim())" } }
        [pscustomobject]@{ Transport = $(if ($Ssh) { 'SSH' } else { 'local' }); Writers = $N; Calls = $N * $Calls; Succeeded = $ok; Seconds = [math]::Round($seconds, 2); CallsPerSecond = [math]::Round($ok / $seconds, 1) }
    }
    finally { Stop-TestSimFs $mount }
}

function Measure-LockCost {
    $mount = Start-TestSimFs seed
    try {
        $fs = [VfioAp.Core.Sysfs.LocalSysfs]::new($mount.Root, 'seed')
        $parts = [VfioAp.Core.Rules.MatrixPlanner]::VerifyParts
        $queries = [VfioAp.Core.Sysfs.HostReader]::QueriesFor($parts)
        $read = $fs.ReadMany($queries)
        $snap = [VfioAp.Core.Sysfs.HostReader]::Build('seed', $mount.Root, $read, $parts)
        $mdev = $snap.FindMdev($seedMdev)
        $plan = [VfioAp.Core.Rules.MatrixPlanner]::PlanRefilter($snap, $mdev)
        if ($plan.IsEmpty) { $plan = [VfioAp.Core.Rules.MatrixPlanner]::Plan($seedMdev, $mdev.Matrix, $mdev.Matrix.WithAdapters($mdev.Matrix.Adapters), $true) }
        # The unchanged matrix to ap_config: a real store the kernel takes each time, leaving the host as it was.
        $write = [VfioAp.Core.Model.SysfsWrite]::new([VfioAp.Core.Model.SysfsLayout]::MdevAttribute($seedMdev, 'ap_config'), [VfioAp.Core.Sysfs.SysfsFormat]::FormatApConfig($mdev.Matrix).TrimEnd("`n"))
        $writes = [System.Collections.Generic.List[VfioAp.Core.Model.SysfsWrite]]::new(); $writes.Add($write)
        $pre = [VfioAp.Core.Sysfs.SysfsPrecondition]::From([VfioAp.Core.Rules.MatrixPlanner]::DependsOnMatrix($seedMdev), $read)
        $request = [VfioAp.Core.Sysfs.PlanRequest]::new($writes, $queries, $pre, [timespan]::FromSeconds(5), [System.Threading.CancellationToken]::None, $null)
        $plainRun = { if ($fs.Write($write.Path, $write.Value) -ne [VfioAp.Core.Model.Errno]::None) { throw 'plain write failed' }; $null = $fs.ReadMany($queries) }
        foreach ($i in 1..10) { & $plainRun; $null = $fs.RunPlan($request) }
        $plain = [System.Collections.Generic.List[double]]::new(); $locked = [System.Collections.Generic.List[double]]::new()
        $sw = [System.Diagnostics.Stopwatch]::new()
        foreach ($i in 1..$Repeat) {
            $sw.Restart(); & $plainRun; $sw.Stop(); $plain.Add($sw.Elapsed.TotalMilliseconds)
            $sw.Restart(); $r = $fs.RunPlan($request); $sw.Stop(); if (-not $r.Succeeded) { throw "locked plan failed: $($r.Message)" }; $locked.Add($sw.Elapsed.TotalMilliseconds)
        }
        $median = { param($xs) $s = @($xs | Sort-Object); $s[[int]($s.Count / 2)] }
        $p = & $median $plain; $l = & $median $locked
        [pscustomobject]@{ Repeat = $Repeat; Preconditions = $pre.Count; PlainMedianMs = [math]::Round($p, 3); LockedMedianMs = [math]::Round($l, 3); AddedMs = [math]::Round($l - $p, 3) }
    }
    finally { Stop-TestSimFs $mount }
}

# Remote commands of one uncontended change over SSH, counted in sshd's log: the first try is one read and one plan.
function Measure-SshRoundTrips {
    $mount = Start-TestSimFs seed
    try {
        $s = New-TestSshSession $bed -SysfsRoot $mount.Root
        $before = Get-TestSshdCommandCount $bed
        Set-VfioApMatrix -Session $s -Mdev $seedMdev -Adapter 0x70 -WarningAction SilentlyContinue
        Start-Sleep -Milliseconds 500
        [pscustomobject]@{ Change = 'Set-VfioApMatrix -Adapter (uncontended)'; RemoteCommands = (Get-TestSshdCommandCount $bed) - $before; SessionRoundTrips = $s.RoundTrips }
        Remove-ApSession $s
    }
    finally { Stop-TestSimFs $mount }
}

"Load average: $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ')"
"Module: $manifest"
if ($Ssh) {
    $bed = Start-TestSshd
    try {
        Confirm-TestSshdHostKey $bed
        Measure-SshRoundTrips | Format-Table -AutoSize | Out-String
        $Writers | ForEach-Object { Measure-Writers $_ } | Format-Table -AutoSize | Out-String
    }
    finally { Stop-TestSshd $bed }
}
else {
    Measure-LockCost | Format-Table -AutoSize | Out-String
    $Writers | ForEach-Object { Measure-Writers $_ } | Format-Table -AutoSize | Out-String
}
"Load average after: $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' ')"
