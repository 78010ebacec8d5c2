<#
.SYNOPSIS
    A runbook as a Pester test: checks that crypto pass-through on a host is consistent, and explains what is not.
.DESCRIPTION
    Run it against your hosts by handing it sessions:

        $container = New-PesterContainer -Path ./examples/PassThroughHealth.Tests.ps1 -Data @{ Sessions = Get-ApSession }
        Invoke-Pester -Container $container -Output Detailed

    Without data it checks the simulated seed host, where adapter 05 is kept from the guest because queue 05.0035 is
    unbound: every check below still holds there, because each cut is explained by the host's own state.
#>
param(
    # Sessions from New-ApSession or Get-ApSession; default: the simulated seed host.
    $Sessions
)

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../ps-module/VfioAp/VfioAp.psd1') -Force
    if (-not $Sessions) { $Sessions = @(New-ApSession -Simulation seed -Name runbook-seed) }
    $script:Hosts = $Sessions | ForEach-Object { @{ Session = $_; ComputerName = $_.ComputerName } }
}

Describe 'Crypto pass-through on <ComputerName>' -ForEach $Hosts {
    BeforeAll {
        $script:queues = Get-ApQueue -Session $Session
        $script:apcbs = Get-VfioApApcb -Session $Session
    }
    AfterAll {
        if ($Session.Name -eq 'runbook-seed') { $Session | Remove-ApSession }
    }

    It 'every guest gets what the kernel''s rule gives' {
        Test-VfioApApcb -Session $Session | Should -BeTrue
    }

    It 'no APQN of an mdev belongs to the host''s default drivers' {
        $queues | Where-Object { $_.AssignedTo -and $_.OwnedByHost } | ForEach-Object Apqn | Should -BeNullOrEmpty
    }

    It 'every adapter kept from a guest is explained by a queue that is not usable' {
        foreach ($apcb in $apcbs) {
            foreach ($drop in $apcb.Dropped | Where-Object { $null -ne $_.Adapter }) {
                $drop.Apqn | Should -Not -BeNullOrEmpty -Because $drop.Message
                $q = $queues | Where-Object { $_.Apqn -eq $drop.Apqn }
                if ($drop.Reason -eq 'QueueMissing') { $q | Should -BeNullOrEmpty -Because $drop.Message }
                else { $q.Bound | Should -BeFalse -Because $drop.Message }
            }
        }
    }

    It 'every queue in a guest is bound to vfio_ap' {
        $queues | Where-Object { $_.InGuest -and -not $_.Bound } | ForEach-Object Apqn | Should -BeNullOrEmpty
    }
}
