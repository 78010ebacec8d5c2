#Requires -Version 7.2
<#
.SYNOPSIS
    Opens the simulated seed host, makes it the default for every VfioAp cmdlet, and walks through the worked example:
    the queues, the mdev, and its guest APCB with the reason adapter 05 is dropped.
.DESCRIPTION
    README command 1 runs this with `dotnet pwsh -NoExit -File examples/Start-VfioApDemo.ps1`, so the prompt that follows
    has the module imported and $seed as the default -Session of every Ap*/VfioAp* cmdlet: try Get-ApQueue, Get-VfioApApcb.
    tests/pester/Demo.Tests.ps1 runs it non-interactively and checks what it prints.
.PARAMETER Scenario
    The simulated host: a built-in scenario name or a scenario file (default: seed).
#>
[CmdletBinding()]
param([string] $Scenario = 'seed')

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../ps-module/VfioAp/VfioAp.psd1') -Force

# Globals, so the interactive prompt after -NoExit keeps them.
$global:seed = New-ApSession -Simulation $Scenario -Name $Scenario
$global:PSDefaultParameterValues['*-Ap*:Session'] = $global:seed
$global:PSDefaultParameterValues['*-VfioAp*:Session'] = $global:seed

function Show-Step([string] $Title, [string] $Command, [scriptblock] $Run) {
    Write-Host ''
    Write-Host "# $Title" -ForegroundColor Cyan
    Write-Host "PS> $Command" -ForegroundColor Yellow
    & $Run | Out-Host
}

Write-Host "VfioAp demo: simulated host '$($seed.ComputerName)' (session $($seed.Id), scenario $($seed.Scenario))."
Write-Host "`$seed is the default -Session of every *-Ap* and *-VfioAp* cmdlet in this PowerShell session."

Show-Step 'The AP cards' 'Get-ApCard' { Get-ApCard | Format-Table }
Show-Step 'Who owns which APQNs (apmask/aqmask) and what the machine gives this Linux' 'Get-ApBusConfig' { Get-ApBusConfig | Format-Table }
Show-Step 'The queues: driver, bound to vfio_ap, owner, in which mdev, in its guest' 'Get-ApQueue' { Get-ApQueue | Format-Table }
Show-Step 'The queue that is not bound to vfio_ap' 'Get-ApQueue | Where-Object Bound -eq $false' { Get-ApQueue | Where-Object Bound -eq $false | Format-Table }
Show-Step 'The mdev and its matrix' 'Get-VfioApMdev' { Get-VfioApMdev | Format-Table }
Show-Step 'Its guest APCB: the kernel rule''s prediction beside the kernel''s guest_matrix' 'Get-VfioApApcb | Format-List' { Get-VfioApApcb | Format-List }

$apcb = Get-VfioApApcb
Write-Host ''
Write-Host '# Why the guest does not get everything that was assigned' -ForegroundColor Cyan
Write-Host "The mdev's matrix has $($apcb.Matrix.ApqnCount) APQNs; the guest gets $($apcb.Apqns.Count): $(($apcb.Apqns | ForEach-Object ToString) -join ', ')."
foreach ($drop in $apcb.Dropped) {
    $what = if ($null -ne $drop.Adapter) { "adapter $($drop.Adapter)" } elseif ($null -ne $drop.Domain) { "domain $($drop.Domain)" } else { "control domain $($drop.ControlDomain)" }
    Write-Host "Dropped ${what}: $($drop.Reason) $($drop.Apqn) - $($drop.Message)"
}
Write-Host "Prediction matches the kernel's guest_matrix: $(Test-VfioApApcb)"
Write-Host ''
Write-Host 'Try: Get-ApQueue -Adapter 5; Get-VfioApApcb | Repair-VfioApApcb -WhatIf (then without -WhatIf: binds 05.0035, the guest gets adapter 05); Get-Help Get-VfioApApcb -Examples; Get-Help about_VfioAp'
