#Requires -Version 7.2
<#
.SYNOPSIS
    Fleet benchmark: opening and reading many SSH hosts with the module next to OpenSSH's own client, on this machine,
    in the same run (issue 11).
.DESCRIPTION
    Starts the Pester test bed's sshd on loopback (tests/pester/SshTestBed.psm1: generated host and client keys,
    MaxStartups 100) and reports, as medians of interleaved runs:
      1. Session open for N = 1, 20, 100 hosts: New-ApSession -HostName (default -ThrottleLimit 32) against N
         parallel `ssh host true` (each a new connection, key exchange, login and one command, as a session open is).
      2. Get-ApQueue fan-out over those N sessions against N parallel `ssh host <raw dump>` over already open
         connections (one ControlMaster per host), both of the seed scenario's tree.
      3. Get-ApQueue on one 60x85 and one 256x256 host against the raw dump of the same tree over one multiplexed
         OpenSSH connection (ControlMaster).
    The raw dump is what an admin would type: grep -r over the attributes Get-ApQueue reads, plus
    find -printf '%p %l' for the driver links.
    The "hosts" are N connections to one sshd on 127.0.0.1 (every connection is its own sshd child, key exchange and
    login, exactly as for distinct hosts; sshd binds at most 16 ListenAddress entries, and one address keeps the
    known_hosts entry the same for both clients). Trees are written by SysfsTreeExporter to /dev/shm (tmpfs), not
    SimFs, so the file system is not what is measured.

    Run after a Release build:
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-SshFleet.ps1 -Repeat 5
#>
# -Hosts is text ("1,20,100") so that pwsh -File can pass it.
param([int] $Repeat = 5, [string] $Hosts = '1,20,100', [switch] $SkipLarge, [string] $TreeDir = '/dev/shm')
$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Import-Module (Join-Path $repo 'ps-module/VfioAp/VfioAp.psd1') -Force
Import-Module (Join-Path $repo 'tests/pester/SshTestBed.psm1') -Force

function Get-Median([double[]] $v) { $s = $v | Sort-Object; if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }

function Export-Tree([string] $Scenario) {
    $dir = Join-Path $TreeDir "vfioap-fleet-bench-$Scenario"
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

$bed = Start-TestSshd
Confirm-TestSshdHostKey $bed
$ctl = Join-Path $bed.Dir 'cm'
$null = New-Item -ItemType Directory $ctl
$sshBase = @('-p', $bed.Port, '-i', $bed.ClientKey, '-o', "UserKnownHostsFile=$($bed.KnownHosts)", '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR')
$common = @{ UserName = 'root'; KeyFile = $bed.ClientKey; KnownHostsFile = $bed.KnownHosts; Port = $bed.Port }

function Invoke-ParallelSsh([int] $N, [scriptblock] $ArgsFor) {
    <# Starts N ssh processes at once and waits for all; returns seconds and how many failed. #>
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $procs = for ($i = 0; $i -lt $N; $i++) {
        $psi = [Diagnostics.ProcessStartInfo]::new('ssh')
        foreach ($a in (& $ArgsFor $i)) { $psi.ArgumentList.Add([string]$a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ P = $p; Out = $p.StandardOutput.BaseStream.CopyToAsync([IO.Stream]::Null); Err = $p.StandardError.ReadToEndAsync() }
    }
    $failed = 0
    foreach ($x in $procs) { $x.P.WaitForExit(); $null = $x.Out.Wait(); if ($x.P.ExitCode -ne 0) { $failed++ } }
    [pscustomobject]@{ Seconds = $sw.Elapsed.TotalSeconds; Failed = $failed }
}

$rows = [System.Collections.Generic.List[object]]::new()
try {
    $seed = Export-Tree 'seed'
    # Warm up (JIT, SSH.NET's crypto), so the first timed open is not the process's first.
    $w = New-ApSession -HostName 127.0.0.1 @common -SysfsRoot $seed
    $null = Get-ApQueue -Session $w
    $w | Remove-ApSession
    foreach ($n in ($Hosts -split ',' | Where-Object { $_ } | ForEach-Object { [int]$_ })) {
        $hostList = 1..$n | ForEach-Object { '127.0.0.1' }
        $ours = @(); $theirs = @(); $oursErr = 0; $theirsErr = 0
        $fanOurs = @(); $fanTheirs = @()
        # N control masters for the fan-out's OpenSSH side (opened once, like our sessions).
        for ($i = 0; $i -lt $n; $i++) { & ssh @sshBase -o ControlMaster=yes -o "ControlPath=$ctl/m$i" -o ControlPersist=600 -fN root@127.0.0.1 }
        for ($r = 0; $r -lt $Repeat; $r++) {
            $t = Invoke-ParallelSsh $n { param($i) $sshBase + @('-o', 'ControlMaster=no', '-o', 'ControlPath=none', 'root@127.0.0.1', 'true') }
            $theirs += $t.Seconds; $theirsErr += $t.Failed
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $s = New-ApSession -HostName $hostList @common -SysfsRoot $seed -ErrorVariable e -ErrorAction SilentlyContinue
            $ours += $sw.Elapsed.TotalSeconds; $oursErr += $e.Count
            foreach ($x in $e) { Write-Warning "New-ApSession: $x" }
            if (-not $s) { continue }
            $sw.Restart()
            $q = Get-ApQueue -Session $s -ErrorVariable e2 -ErrorAction SilentlyContinue
            $fanOurs += $sw.Elapsed.TotalSeconds; $oursErr += $e2.Count
            $dump = RawDump $seed
            $t = Invoke-ParallelSsh $n { param($i) $sshBase + @('-o', "ControlPath=$ctl/m$i", 'root@127.0.0.1', $dump) }
            $fanTheirs += $t.Seconds
            $s | Remove-ApSession
        }
        for ($i = 0; $i -lt $n; $i++) { & ssh @sshBase -o "ControlPath=$ctl/m$i" -O exit root@127.0.0.1 2>$null }
        $rows.Add([pscustomobject]@{ What = "open $n host(s)"; Module = Get-Median $ours; OpenSSH = Get-Median $theirs; Failures = "$oursErr / $theirsErr" })
        $rows.Add([pscustomobject]@{ What = "Get-ApQueue fan-out, $n host(s) (seed)"; Module = Get-Median $fanOurs; OpenSSH = Get-Median $fanTheirs; Failures = '' })
        Write-Host ($rows[-2..-1] | Format-Table -AutoSize | Out-String)
    }

    if (-not $SkipLarge) {
        foreach ($scenario in 'large-60x85', 'large-256x256') {
            $tree = Export-Tree $scenario
            $s = New-ApSession -HostName 127.0.0.1 @common -SysfsRoot $tree
            & ssh @sshBase -o ControlMaster=yes -o "ControlPath=$ctl/large" -o ControlPersist=600 -fN root@127.0.0.1
            $ours = @(); $theirs = @(); $commands = 0
            $null = Get-ApQueue -Session $s   # warm: JIT and the page cache, for both sides
            $dump = RawDump $tree
            for ($r = 0; $r -lt $Repeat; $r++) {
                $t = Invoke-ParallelSsh 1 { param($i) $sshBase + @('-o', "ControlPath=$ctl/large", 'root@127.0.0.1', $dump) }
                $theirs += $t.Seconds
                $before = $s.RoundTrips
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $count = @(Get-ApQueue -Session $s).Count
                $ours += $sw.Elapsed.TotalSeconds
                $commands = $s.RoundTrips - $before
            }
            & ssh @sshBase -o "ControlPath=$ctl/large" -O exit root@127.0.0.1 2>$null
            $s | Remove-ApSession
            $rows.Add([pscustomobject]@{ What = "Get-ApQueue $scenario ($count queues, $commands remote command)"; Module = Get-Median $ours; OpenSSH = Get-Median $theirs; Failures = '' })
            Write-Host ($rows[-1] | Format-Table -AutoSize | Out-String)
        }
    }
}
finally {
    Get-ApSession | Where-Object Kind -eq Ssh | Remove-ApSession
    Stop-TestSshd $bed
}

"| | module (s) | OpenSSH (s) | ratio | failures module / OpenSSH |"
"|---|---:|---:|---:|---|"
foreach ($r in $rows) { '| {0} | {1:0.00} | {2:0.00} | {3:0.00}x | {4} |' -f $r.What, $r.Module, $r.OpenSSH, ($r.Module / $r.OpenSSH), $r.Failures }
"(median of $Repeat interleaved runs; $(nproc) cores; load average $((Get-Content /proc/loadavg).Split(' ')[0..2] -join ' '))"
