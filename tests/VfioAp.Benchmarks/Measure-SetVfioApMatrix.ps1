#Requires -Version 7.2
<#
.SYNOPSIS
    Times a whole Set-VfioApMatrix -Replace of a 60 x 85 matrix in pwsh on the simulated large-60x85 host, on a kernel
    with ap_config and on one without (issue 5's closing figure, end to end through the cmdlet).
.DESCRIPTION
    The host is prepared with the cmdlets themselves, as WritePlanBenchmarks prepares it: every mdev removed, adapters
    0x00-0x77 given to vfio_ap, one mdev with 0x00-0x3b x 0x00-0x54 (control domains the same). Each timed call
    replaces that matrix by 0x3c-0x77 x 0x55-0xa9 or back, so every id changes every time. Prints, per kernel: the
    plan's writes, the round trips of one call, and the median, minimum and maximum of the timed calls.

    Run after a Release build:
        dotnet pwsh -NoProfile -File tests/VfioAp.Benchmarks/Measure-SetVfioApMatrix.ps1 -Repeat 20
#>
param([int] $Repeat = 20)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../../ps-module/VfioAp/VfioAp.psd1') -Force

$uuid = [guid]'60856085-0000-4000-8000-000000000060'
$a = @{ Adapter = 0..59; Domain = 0..84; ControlDomain = 0..84 }
$b = @{ Adapter = 60..119; Domain = 85..169; ControlDomain = 85..169 }

foreach ($kernel in 'current (ap_config)', 'legacy (assign/unassign)') {
    $apConfig = $kernel -like 'current*'
    $json = [VfioAp.Core.Simulation.ScenarioLibrary]::BuiltInJson('large-60x85') | ConvertFrom-Json -AsHashtable
    $json.kernel = @{ apConfig = $apConfig; guestMatrix = $apConfig }
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "large-60x85-$apConfig.json"
    $json | ConvertTo-Json -Depth 10 | Set-Content -Path $file -Encoding utf8NoBOM
    $s = New-ApSession -Simulation $file -ComputerName large
    try {
        foreach ($m in $s.Kernel.Mdevs) { $s.Kernel.StopGuest($m) }
        Get-VfioApMdev -Session $s | Remove-VfioApMdev -Confirm:$false
        Set-ApBusMask -Session $s -Adapter 0..0x77 -Owner VfioAp
        New-VfioApMdev -Session $s -Uuid $uuid @a -WarningAction SilentlyContinue | Out-Null

        # One call with -Verbose to count its writes and round trips (not timed).
        $trips = $s.RoundTrips
        $verbose = Set-VfioApMatrix -Session $s -Mdev $uuid -Replace @b -Verbose -WarningAction SilentlyContinue 4>&1 | Out-String
        $writes = ([regex]::Matches($verbose, '(?m)^\s+echo ')).Count
        $oneCall = $s.RoundTrips - $trips

        $times = foreach ($i in 1..$Repeat) {
            $goal = if ($i % 2) { $a } else { $b }
            (Measure-Command { Set-VfioApMatrix -Session $s -Mdev $uuid -Replace @goal -WarningAction SilentlyContinue }).TotalMilliseconds
        }
        $sorted = $times | Sort-Object
        [pscustomobject]@{
            Kernel      = $kernel
            Writes      = $writes
            RoundTrips  = $oneCall
            MedianMs    = [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 1)
            MinMs       = [math]::Round($sorted[0], 1)
            MaxMs       = [math]::Round($sorted[-1], 1)
            Calls       = $Repeat
        }
    }
    finally {
        $s | Remove-ApSession
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}
