<#
.SYNOPSIS
    A runbook as a Pester test, before a maintenance reboot: what would the guests lose, persist what is missing, and
    check that the next boot gives every guest back the crypto it has now.
.DESCRIPTION
    Run it against your hosts by handing it sessions (mdevctl's definitions go to the host's /etc/mdevctl.d):

        $container = New-PesterContainer -Path ./examples/PersistBeforeReboot.Tests.ps1 -Data @{ Sessions = Get-ApSession }
        Invoke-Pester -Container $container -Output Detailed

    It changes the hosts' persistent state: chzdev's udev rule (Set-ApBusMask -Persist) and mdevctl's definitions
    (Export-VfioApMdev -Persist -Start Auto), each under the host's AP configuration lock.

    Without data it runs on a simulated host configured live only, shaped like a typical maintenance window: vm1 runs
    on mdev A (adapter 04, domains 0004 and 0022) and starts with the host, vm2 is shut off on mdev B (adapter 05,
    domains 0004 and 0035). None of the built-in scenarios has a libvirt domain that starts with the host, so this one
    is written here. A simulated host keeps mdevctl's definitions in a directory on this machine (-MdevctlRoot), and
    after the checks it is rebooted (Restart-ApSimulation) to show that the boot brings up what was predicted.
#>
param(
    # Sessions from New-ApSession or Get-ApSession; default: the simulated host described above.
    $Sessions,
    # For simulated hosts and sysfs trees: the directory standing for mdevctl's root (definitions in <dir>/etc/mdevctl.d).
    [string] $MdevctlRoot
)

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../ps-module/VfioAp/VfioAp.psd1') -Force
    if (-not $Sessions) {
        $scenario = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-runbook-maintenance-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.json')
        Set-Content -Path $scenario -Value @'
{
  "name": "maintenance",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "mdevs": [ { "uuid": "aaaaaaaa-1111-4000-8000-000000000001", "adapters": ["0x04"], "domains": ["0x04", "0x22"] },
             { "uuid": "bbbbbbbb-2222-4000-8000-000000000002", "adapters": ["0x05"], "domains": ["0x04", "0x35"] } ],
  "guests": [ { "name": "vm1", "state": "running", "autostart": true, "mdevs": ["aaaaaaaa-1111-4000-8000-000000000001"] },
              { "name": "vm2", "state": "shut off", "mdevs": ["bbbbbbbb-2222-4000-8000-000000000002"] } ]
}
'@
        $Sessions = @(New-ApSession -Simulation $scenario -Name runbook-maintenance)
        Remove-Item $scenario
    }
    $script:Hosts = $Sessions | ForEach-Object { @{ Session = $_; ComputerName = $_.ComputerName } }
}

Describe 'Before the maintenance reboot of <ComputerName>' -ForEach $Hosts {
    BeforeAll {
        $script:mdevctl = @{}
        if ($MdevctlRoot) { $mdevctl.MdevctlRoot = $MdevctlRoot }
        elseif ($Session.Name -eq 'runbook-maintenance') {
            $mdevctl.MdevctlRoot = Join-Path $TestDrive 'mdevctl-root'
            $null = New-Item -ItemType Directory -Force (Join-Path $mdevctl.MdevctlRoot 'etc/mdevctl.d')
        }
        $script:before = @(Test-VfioApBoot -Session $Session @mdevctl -Detailed)
    }
    AfterAll {
        if ($Session.Name -eq 'runbook-maintenance') { $Session | Remove-ApSession }
    }

    It 'says, for each guest the reboot would hurt, what it would lose and why' {
        foreach ($row in $before | Where-Object { -not $_.Survives }) {
            Write-Host ("{0} (mdev {1}) would lose {2}: {3}" -f $row.Guest, $row.Mdev, ($row.Lost -join ', '), ($row.Reasons -join '; '))
            $row.Reasons | Should -Not -BeNullOrEmpty -Because "$($row.Guest) would not come back as it is"
        }
    }

    It 'persists the live AP bus masks in the udev rule (Set-ApBusMask -Persist)' {
        if (-not (Get-ApBusConfig -Session $Session).LiveIsPersistent) {
            Set-ApBusMask -Session $Session -Persist -Confirm:$false
        }
        (Get-ApBusConfig -Session $Session).LiveIsPersistent | Should -BeTrue
    }

    It 'persists every mdev a guest uses as an mdevctl auto definition (Export-VfioApMdev -Persist)' {
        Get-VfioApMdev -Session $Session | Where-Object Guest |
            Export-VfioApMdev -Persist -Start Auto @mdevctl -Confirm:$false
        $missing = Test-VfioApBoot -Session $Session @mdevctl -Detailed | Where-Object { -not $_.MdevComesBack }
        $missing | Should -BeNullOrEmpty -Because ($missing.Reasons -join '; ')
    }

    It 'predicts that the next boot gives every guest the crypto it has now' {
        $rows = Test-VfioApBoot -Session $Session @mdevctl -Detailed
        Test-VfioApBoot -Session $Session @mdevctl | Should -BeTrue -Because (($rows | Where-Object { -not $_.Survives }).Reasons -join '; ')
    }

    It 'on a simulated host: the reboot brings up exactly what was predicted' -Skip:($Session.Kind -ne 'Simulation') {
        $predicted = Test-VfioApBoot -Session $Session @mdevctl -Detailed
        Restart-ApSimulation -Session $Session @mdevctl -Confirm:$false
        $mdevs = @(Get-VfioApMdev -Session $Session)
        foreach ($row in $predicted) {
            $mdev = $mdevs | Where-Object Uuid -eq $row.Mdev
            @($mdev.GuestMatrix.Apqns() | ForEach-Object ToString) | Should -Be @($row.AtBoot.Apqns() | ForEach-Object ToString)
        }
        Test-VfioApBoot -Session $Session @mdevctl | Should -BeTrue
    }
}
