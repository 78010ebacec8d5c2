<#
.SYNOPSIS
    The Grant-GuestCrypto runbook, tested on a simulated host: reserve, create, assign, verify; and on failure, the host
    as it was.
.DESCRIPTION
    The host is the seed example (about_VfioAp_Apcb: WORKED EXAMPLES) with one more card (06) and one more domain (0010) in its configuration.
    apmask and aqmask are the seed's, so 06.0010 still belongs to the host's default drivers, while 04.0010 and
    05.0010 are vfio_ap's (apmask lacks 04 and 05); queue 05.0035 is unbound.
#>
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../ps-module/VfioAp/VfioAp.psd1') -Force
    $script:Runbook = Join-Path $PSScriptRoot 'Grant-GuestCrypto.ps1'
    $script:SeedMdev = [guid]'62177883-f1bb-47f0-914d-32a22e3a8804'
    $script:Scenario = Join-Path $TestDrive 'lab.json'
    Set-Content -Path $Scenario -Encoding utf8NoBOM -Value @'
{
  "name": "lab",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" }, { "id": "0x06", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05", "0x06"], "domains": ["0x04", "0x10", "0x22", "0x35"], "controlDomains": ["0x04", "0x10", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "queues": { "05.0035": { "driver": null } },
  "mdevs": [ { "uuid": "62177883-f1bb-47f0-914d-32a22e3a8804", "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"] } ]
}
'@

    function Get-HostText($Session) {
        # What the kernel shows, read from the simulated kernel itself: masks, every mdev's files, every queue's driver.
        $k = $Session.Kernel
        $lines = @($k.Read('bus/ap/apmask'), $k.Read('bus/ap/aqmask'))
        foreach ($m in $k.Mdevs) { foreach ($f in 'matrix', 'control_domains', 'guest_matrix') { $lines += "$m/$f=" + $k.Read("devices/vfio_ap/matrix/$m/$f") } }
        foreach ($a in 4, 5, 6) { foreach ($d in 4, 0x10, 0x22, 0x35) { $lines += '{0:x2}.{1:x4}={2}' -f $a, $d, $k.DriverOf([VfioAp.Core.Model.Apqn]::new($a, $d)) } }
        $lines -join "`n"
    }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Grant-GuestCrypto' {
    It 'reserves domain 0010, creates the mdev with 06 x 0010, and the guest gets exactly that' {
        $lab = New-ApSession -Simulation $Scenario
        $uuid = [guid]'77777777-0000-4000-8000-000000000007'
        $m = & $Runbook -Session $lab -Adapter 6 -Domain 0x10 -Uuid $uuid -GuestName guest7
        $m.Uuid | Should -Be $uuid
        $lab.Kernel.Read('bus/ap/aqmask') | Should -Not -Match '^0x[0-9a-f]{4}[89a-f]'   # bit 16 (0x10) cleared
        $lab.Kernel.DriverOf([VfioAp.Core.Model.Apqn]::Parse('06.0010')) | Should -Be 'vfio_ap'
        $lab.Kernel.Read("devices/vfio_ap/matrix/$uuid/matrix") | Should -BeExactly "06.0010`n"
        $lab.Kernel.Read("devices/vfio_ap/matrix/$uuid/guest_matrix") | Should -BeExactly "06.0010`n"
        $lab.Kernel.Read("devices/vfio_ap/matrix/$uuid/control_domains") | Should -BeExactly "0010`n"
        $m.HostdevXml | Should -Match "<address uuid='$uuid'/>"
        $m.HostdevXml | Should -Match "type='mdev' model='vfio-ap'"
        Test-VfioApApcb -Session $lab | Should -BeTrue
    }

    It 'needs no reservation where vfio_ap owns the queues already (04, 05 x 0010)' {
        $lab = New-ApSession -Simulation $Scenario
        $aqmask = $lab.Kernel.Read('bus/ap/aqmask')
        $m = & $Runbook -Session $lab -Adapter 4, 5 -Domain 0x10
        $lab.Kernel.Read('bus/ap/aqmask') | Should -BeExactly $aqmask
        $lab.Kernel.Read("devices/vfio_ap/matrix/$($m.Uuid)/guest_matrix") | Should -BeExactly "04.0010`n05.0010`n"
    }

    It 'refuses a request another mdev holds, naming it, and changes nothing' {
        $lab = New-ApSession -Simulation $Scenario
        $before = Get-HostText $lab
        { & $Runbook -Session $lab -Adapter 4 -Domain 4 } | Should -Throw "*already assigned to mdev $SeedMdev*"
        Get-HostText $lab | Should -BeExactly $before
    }

    It 'undoes the reservation and the mdev when the guest would not get everything' {
        # Queue 05.0010 is unbound: a guest with 05, 06 x 0010 would lose adapter 05. The runbook reserves 0010 (for
        # 06.0010), creates the mdev, finds 05 dropped, and undoes both.
        $lab = New-ApSession -Simulation $Scenario
        $lab.Kernel.Write('bus/ap/drivers/vfio_ap/unbind', "05.0010`n")
        $before = Get-HostText $lab
        { & $Runbook -Session $lab -Adapter 5, 6 -Domain 0x10 -GuestName guest8 -WarningAction SilentlyContinue } | Should -Throw '*guest8 would not get*'
        Get-HostText $lab | Should -BeExactly $before
    }

    It '-WhatIf shows the writes and changes nothing' {
        $lab = New-ApSession -Simulation $Scenario
        $before = Get-HostText $lab
        & $Runbook -Session $lab -Adapter 6 -Domain 0x10 -WhatIf | Should -BeNullOrEmpty
        Get-HostText $lab | Should -BeExactly $before
    }
}
