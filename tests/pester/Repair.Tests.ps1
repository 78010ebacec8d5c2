BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'WriteScenarios.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    $script:SeedUuid = [guid]'62177883-f1bb-47f0-914d-32a22e3a8804'

    function Get-GuestApqns($Session, [guid] $Mdev) {
        # The kernel's own guest_matrix, read from the simulated kernel (not through the module's reader). With no
        # adapter the kernel prints each domain as '.0047'; those lines are no APQN.
        $text = $Session.Kernel.Read("devices/vfio_ap/matrix/$Mdev/guest_matrix")
        @($text -split "`n" | Where-Object { $_ -match '^[0-9a-f]{2}\.[0-9a-f]{4}$' })
    }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Guest impact and the -Force guard in -WhatIf (child pwsh: -WhatIf goes to the host UI)' {
    BeforeAll {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module ./ps-module/VfioAp/VfioAp.psd1
Import-Module ./tests/pester/WriteScenarios.psm1
`$s = New-ApSession -Simulation seed
`$before = Get-KernelText `$s
Get-VfioApApcb -Session `$s | Repair-VfioApApcb -WhatIf
'SEED UNCHANGED ' + ((Get-KernelText `$s) -ceq `$before)
`$k = New-ApSession -Simulation kernel-doc
`$before = Get-KernelText `$k
'--- UNBIND'
Set-ApQueue -Session `$k -Apqn '05.0047' -Bound:`$false -WhatIf
'--- CONFIG'
Set-ApCard -Session `$k -Adapter 6 -Config `$false -WhatIf
'--- ONLINE'
Set-ApCard -Session `$k -Adapter 6 -Online `$false -WhatIf
'KDOC UNCHANGED ' + ((Get-KernelText `$k) -ceq `$before)
"@
        $script:r = Invoke-ChildPwsh @('-Command', $script)
        $script:sections = $r.Output -split '--- '
    }

    It 'runs without errors' {
        $r.Error | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
    }

    It 'Repair-VfioApApcb -WhatIf on seed shows binding 05.0035 and the mdev gaining adapter 05, writing nothing' {
        $sections[0] | Should -Match ([regex]::Escape('echo 05.0035 > /sys/bus/ap/drivers/vfio_ap/bind'))
        $sections[0] | Should -Match ([regex]::Escape("mdev $SeedUuid (no VM, not running)"))
        $sections[0] | Should -Match ([regex]::Escape('Gains adapter 05 (05.0004, 05.0022, 05.0035).'))
        $sections[0] | Should -Match 'SEED UNCHANGED True'
    }

    It 'unbinding 05.0047 names guest2 and every APQN of adapter 05 it loses, after the step' {
        $unbind = $sections | Where-Object { $_ -like 'UNBIND*' }
        $unbind | Should -Match ([regex]::Escape("echo 05.0047 > /sys/bus/ap/drivers/vfio_ap/unbind"))
        $unbind | Should -Match "(?s)unbind.*Guest impact:.*VM 'guest2' \(mdev $Guest2, running\):\s+Loses adapter 05 \(05\.0047, 05\.00ff\)"
        # guest1 also holds adapter 05 (domains 0004, 00ab), but not 05.0047: it keeps it.
        $unbind | Should -Not -Match "VM 'guest1'"
    }

    It 'card 06 deconfigured: its queues stay in guest1 and guest3, unusable; the scan follows the config write' {
        $config = $sections | Where-Object { $_ -like 'CONFIG*' }
        $config | Should -Match '(?s)echo 0 > /sys/devices/ap/card06/config.*echo 1 > /sys/bus/ap/scans'
        $config | Should -Match "(?s)VM 'guest1'.*06\.0004 stays in the guest's APCB but is unusable.*06\.00ab stays"
        $config | Should -Match "(?s)VM 'guest3'.*06\.0047 stays in the guest's APCB but is unusable"
    }

    It "card 06 offline (zcrypt's online): no guest loses anything, since vfio_ap's queues are no zcrypt queues" {
        $online = $sections | Where-Object { $_ -like 'ONLINE*' }
        $online | Should -Match ([regex]::Escape('echo 0 > /sys/devices/ap/card06/online'))
        $online | Should -Match 'Guest impact: no guest gains or loses an APQN.'
        $r.Output | Should -Match 'KDOC UNCHANGED True'
    }
}

Describe 'Repair-VfioApApcb on the seed host (issue 21 Must show)' {
    It 'binds 05.0035: the kernel''s guest_matrix holds all six APQNs and Test-VfioApApcb is true' {
        $s = New-ApSession -Simulation seed
        @(Get-GuestApqns $s $SeedUuid).Count | Should -Be 3
        $out = Get-VfioApApcb -Session $s | Repair-VfioApApcb
        $out.Target | Should -Be '05.0035'
        $out.Reason | Should -Be 'QueueNotBound'
        $out.Status | Should -Be 'Repaired'
        ($out.Gained | ForEach-Object ToString) | Should -Be '05.0004', '05.0022', '05.0035'
        $out.GuestImpact.Gained.Count | Should -Be 3
        $s.Kernel.DriverOf([VfioAp.Core.Model.Apqn]::Parse('05.0035')) | Should -Be 'vfio_ap'
        Get-GuestApqns $s $SeedUuid | Should -Be '04.0004', '04.0022', '04.0035', '05.0004', '05.0022', '05.0035'
        Test-VfioApApcb -Session $s | Should -BeTrue
        # Nothing left: a second repair writes nothing and returns nothing.
        $trips = $s.RoundTrips
        Get-VfioApApcb -Session $s | Repair-VfioApApcb | Should -BeNullOrEmpty
        $s.RoundTrips - $trips | Should -Be 2   # Get-VfioApApcb's read and the repair's
    }
}

Describe 'Repair-VfioApApcb on what sysfs does not show, and on what Linux cannot change' {
    It 'a failed reset (04.0022) the kernel dropped adapter 04 for: unbinds and binds the adapter''s queues again' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name reset -Json $ResetFailedJson)
        $out = Repair-VfioApApcb -Session $s -Confirm:$false
        $reset = $out | Where-Object Target -eq 'adapter 04'
        $reset.Reason | Should -Be 'QueueResetFailed'
        $reset.Status | Should -Be 'Repaired'
        $reset.Action | Should -Match 'unbind and bind again 04\.0004, 04\.0022, 04\.0035'
        Get-GuestApqns $s $SeedUuid | Should -Be '04.0004', '04.0022', '04.0035', '05.0004', '05.0022', '05.0035'
        Test-VfioApApcb -Session $s | Should -BeTrue
    }

    It 'a domain outside the host''s AP configuration is reported, with the HMC as who can, and nothing is written' {
        $s = New-ApSession -Simulation over-provisioned
        $before = Get-KernelText $s
        $out = Repair-VfioApApcb -Session $s -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
        $out.Target | Should -Be 'domain 0047'
        $out.Reason | Should -Be 'DomainNotInHostConfig'
        $out.Status | Should -Be 'NotRepairable'
        $out.By | Should -Be 'the HMC'
        $warn | Should -Match 'domain 0047 \(DomainNotInHostConfig\) is not repaired'
        Get-KernelText $s | Should -BeExactly $before
    }
}

Describe 'Side-effect losses of running guests need -Force (kernel-doc)' {
    It 'Set-ApQueue -Bound:$false of 05.0047 is refused without -Force, done with it, and Repair-VfioApApcb restores guest2' {
        $k = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $k
        Set-ApQueue -Session $k -Apqn '05.0047' -Bound:$false -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'VfioAp.GuestWouldLoseCrypto,VfioAp.PowerShell.Commands.SetApQueueCommand'
        $err[0].Exception.Message | Should -Match "VM 'guest2' \(mdev $Guest2, running\) loses 05\.0047, 05\.00ff"
        Get-KernelText $k | Should -BeExactly $before

        $q = Set-ApQueue -Session $k -Apqn '05.0047' -Bound:$false -Confirm:$false -Force -PassThru
        $q.Driver | Should -BeNullOrEmpty
        ($q.GuestImpact | Where-Object Guest -eq guest2).Lost.Count | Should -Be 2
        Get-GuestApqns $k $Guest2 | Should -BeNullOrEmpty

        $fixed = Get-VfioApGuest -Session $k -Name guest2 | Repair-VfioApApcb -Confirm:$false
        $fixed.Status | Should -Be 'Repaired'
        Get-GuestApqns $k $Guest2 | Should -Be '05.0047', '05.00ff'
        Test-VfioApApcb -Session $k | Should -BeTrue
    }

    It 'Set-ApCard -Config $false: refused without -Force; with it the queues stay in the APCBs, unusable; Repair configures the card again' {
        $k = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $k
        Set-ApCard -Session $k -Adapter 6 -Config $false -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.GuestWouldLoseCrypto,*'
        $err[0].Exception.Message | Should -Match "VM 'guest1'.*06\.0004, 06\.00ab.*VM 'guest3'.*06\.0047, 06\.00ff"
        Get-KernelText $k | Should -BeExactly $before

        $card = Set-ApCard -Session $k -Adapter 6 -Config $false -Confirm:$false -Force -PassThru
        $card.Config | Should -BeFalse
        (Get-ApQueue -Session $k -Adapter 6).Config | Should -Not -Contain $true
        Get-GuestApqns $k $Guest3 | Should -Be '06.0047', '06.00ff'
        ((Get-VfioApApcb -Session $k -Mdev $Guest3).Unusable | ForEach-Object { $_.Apqn.ToString() }) | Should -Be '06.0047', '06.00ff'

        $fixed = Repair-VfioApApcb -Session $k -Confirm:$false
        ($fixed | Where-Object Reason -eq CardDeconfigured).Status | Should -Not -Contain 'Planned'
        (Get-ApCard -Session $k -Adapter 6).Config | Should -BeTrue
        (Get-VfioApApcb -Session $k).Unusable | Should -BeNullOrEmpty
    }

    It 'Set-ApCard -Online $false takes nothing from guests (their queues are vfio_ap''s), so it needs no -Force' {
        $k = New-ApSession -Simulation kernel-doc
        $card = Set-ApCard -Session $k -Adapter 6 -Online $false -Confirm:$false -PassThru
        $card.Online | Should -BeFalse
        $card.GuestImpact | Should -BeNullOrEmpty
        Get-GuestApqns $k $Guest1 | Should -Be '05.0004', '05.00ab', '06.0004', '06.00ab'
        Set-ApCard -Session $k -Adapter 6 -Online $true -Confirm:$false
        (Get-ApCard -Session $k -Adapter 6).Online | Should -BeTrue
    }

    It 'a loss that is the change''s intent (Set-VfioApMatrix -Remove) needs no -Force and carries its impact' {
        $k = New-ApSession -Simulation kernel-doc
        $m = Set-VfioApMatrix -Session $k -Mdev $Guest2 -Remove -Domain 0xff -Confirm:$false -PassThru
        ($m.GuestImpact.Lost | ForEach-Object ToString) | Should -Be '05.00ff'
        Get-GuestApqns $k $Guest2 | Should -Be '05.0047'
    }
}

Describe 'Set-ApQueue refusals and plans' {
    It 'refuses a bind of a queue bound to another driver with the kernel''s EBUSY id, before writing' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        $q = Get-ApQueue -Session $s | Where-Object { $_.Driver -and -not $_.Bound } | Select-Object -First 1
        $before = Get-KernelText $s
        # Owned by the host and bound to its driver: binding is already done.
        $q | Set-ApQueue -Bound -Confirm:$false -Verbose 4>&1 | Out-String | Should -Match 'already'
        # Taken away by hand, the queue binds back to the driver its ownership gives it.
        $q | Set-ApQueue -Bound:$false -Confirm:$false
        ($q | Set-ApQueue -Bound -Confirm:$false -PassThru).Driver | Should -Be $q.Driver
        Get-KernelText $s | Should -BeExactly $before
    }

    It 'refuses -Online on a queue bound to vfio_ap (the attribute is zcrypt''s) with VfioAp.AttributeNotFound' {
        $s = New-ApSession -Simulation seed
        Set-ApQueue -Session $s -Apqn '04.0004' -Online $false -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.AttributeNotFound,*'
    }

    It '-Reset writes the queue''s reset attribute' {
        $s = New-ApSession -Simulation seed
        Set-ApQueue -Session $s -Apqn '05.0035' -Reset -Confirm:$false
        $s.Kernel.Read('devices/ap/card05/05.0035/reset') | Should -Be "Reset in progress.`n"
    }

    It 'needs something to do' {
        { Set-ApQueue -Session (New-ApSession -Simulation seed) -Apqn '05.0035' -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.NothingToChange,*'
    }
}
