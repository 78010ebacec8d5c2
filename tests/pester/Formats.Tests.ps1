BeforeDiscovery {
    $script:Views = @(
        @{ Type = 'ApCard'; Command = { Get-ApCard -Session $seed }; Columns = 'Card', 'Type', 'Mode', 'HwType', 'Online', 'Config', 'Queues', 'VfioAp', 'HostConfig', 'Driver', 'Guests'; Row = '05 *CEX8C*CCA-Coprocessor*14*3*2*cex4card*' }
        @{ Type = 'ApQueue'; Command = { Get-ApQueue -Session $seed }; Columns = 'Apqn', 'Driver', 'Bound', 'Online', 'Status', 'Owner', 'InGuest', 'AssignedTo'; Row = '05.0035 *False*vfio_ap*False*62177883-f1bb-47f0-914d-32a22e3a8804' }
        @{ Type = 'ApBusConfig'; Command = { Get-ApBusConfig -Session $seed }; Columns = 'MaxIds', 'VfioApAdapters', 'VfioApDomains', 'HostAdapters', 'HostDomains', 'Bindings'; Row = '*255/255*0x04-0x05*0x04,0x22,0x35*0x04-0x05*0x04,0x22,0x35*' }
        @{ Type = 'VfioApMdev'; Command = { Get-VfioApMdev -Session $seed }; Columns = 'Uuid', 'Adapters', 'Domains', 'Control', 'Apqns', 'InGuest', 'InUse', 'Guest'; Row = '62177883-f1bb-47f0-914d-32a22e3a8804*0x04-0x05*0x04,0x22,0x35*(none)*6*3*False*' }
        @{ Type = 'Apcb'; Command = { Get-VfioApApcb -Session $seed }; Columns = 'Mdev', 'Adapters', 'Domains', 'Apqns', 'Matches', 'Dropped'; Row = '62177883-f1bb-47f0-914d-32a22e3a8804*0x04*0x04,0x22,0x35*3*True*05: 05.0035 QueueNotBound' }
        @{ Type = 'ApcbDroppedEntry'; Command = { (Get-VfioApApcb -Session $seed).Dropped }; Columns = 'Adapter', 'Domain', 'Control', 'Apqn', 'Reason', 'Message'; Row = '05 *05.0035*QueueNotBound*Adapter 05 is dropped*' }
        @{ Type = 'ApcbDifference'; Command = { Test-VfioApApcb -Session $resetFailed -Detailed }; Columns = 'Mdev', 'Adapter', 'Domain', 'InKernel', 'Predicted', 'Message'; Row = '62177883-f1bb-47f0-914d-32a22e3a8804*04*False*True*The kernel dropped adapter 0x04*' }
        @{ Type = 'BootOutcome'; Command = { Test-VfioApBoot -Session $guests -Detailed | Where-Object Guest -eq vm1 }; Columns = 'Guest', 'Mdev', 'Survives', 'Autostart', 'Lost', 'Gained', 'Reasons'; Row = 'vm1*aaaaaaaa-1111-4000-8000-000000000001*False*True*04.0004 04.0022*mask not persisted*' }
        @{ Type = 'GuestImpact'; Command = { (New-ApSession -Simulation seed -ComputerName fmt1 | Get-VfioApApcb | Repair-VfioApApcb -Confirm:$false).GuestImpact }; Columns = 'Guest', 'Mdev', 'Gained', 'Lost', 'Unusable'; Row = '(no VM)*62177883-f1bb-47f0-914d-32a22e3a8804*05.0004*' }
        @{ Type = 'ApcbRepairItem'; Command = { New-ApSession -Simulation seed -ComputerName fmt2 | Get-VfioApApcb | Repair-VfioApApcb -Confirm:$false }; Columns = 'Guest', 'Target', 'Reason', 'Status', 'Action'; Row = '62177883*05.0035*QueueNotBound*Repaired*bind 05.0035 to vfio_ap*' }
        @{ Type = 'ApSession'; Command = { $seed }; Columns = 'Id', 'Name', 'Kind', 'ComputerName', 'RoundTrips', 'State', 'Target'; Row = '*Simulation*seed*Opened*seed' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
    $script:resetFailed = New-ApSession -Simulation (Write-ScenarioFile -Name reset -Json $ResetFailedJson)
    $script:guests = New-ApSession -Simulation (Write-ScenarioFile -Name guests -Json $GuestsJson)

    function Get-TableLines([scriptblock] $Command, [int] $Width) {
        (& $Command | Format-Table | Out-String -Width $Width) -split "`r?`n" | Where-Object { $_.Trim() }
    }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Table view of <Type>' -ForEach $Views {
    It 'has the columns <Columns>' {
        $lines = Get-TableLines $Command 200
        $header = $lines | Where-Object { $_ -match "^\s*$($Columns[0])\s" } | Select-Object -First 1
        $header | Should -Not -BeNullOrEmpty
        ($header -split '\s+' | Where-Object { $_ }) | Should -Be $Columns
    }

    It 'renders the values' {
        (Get-TableLines $Command 200) -like $Row | Should -Not -BeNullOrEmpty
    }

    It 'fits 100 columns without losing a column' {
        $lines = Get-TableLines $Command 100
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 100
        $header = $lines | Where-Object { $_ -match "^\s*$($Columns[0])\s" } | Select-Object -First 1
        ($header -split '\s+' | Where-Object { $_ }) | Should -Be $Columns
    }
}

Describe 'Grouping and list views' {
    It 'groups host objects by ComputerName' {
        $other = New-ApSession -Simulation seed -ComputerName other
        $text = Get-ApQueue -Session $seed, $other | Sort-Object ComputerName | Format-Table | Out-String -Width 120
        $text | Should -Match 'ComputerName: other'
        $text | Should -Match 'ComputerName: seed'
    }

    It 'lists an APCB with its APQNs, the kernel''s and every drop''s message' {
        $text = Get-VfioApApcb -Session $seed | Format-List | Out-String -Width 200
        $text | Should -Match 'Apqns\s+: 04\.0004 04\.0022 04\.0035'
        $text | Should -Match 'KernelApqns\s+: 04\.0004 04\.0022 04\.0035'
        $text | Should -Match 'Dropped\s+: Adapter 05 is dropped from the guest: queue 05\.0035'
    }

    It 'lists the APQNs a guest holds but cannot use only when there are some' {
        Get-VfioApApcb -Session $seed | Format-List | Out-String -Width 200 | Should -Not -Match 'Unusable'
        $s = New-ApSession -Simulation seed -ComputerName deconfigured
        try {
            $s.Kernel.Write('devices/ap/card04/config', "0`n")    # chzcrypt --config-off 4, as another admin would
            $text = Get-VfioApApcb -Session $s | Format-List | Out-String -Width 200
            $text | Should -Match 'Unusable\s+: 04\.0004 stays in the guest''s APCB but is unusable: adapter 04 is deconfigured'
        }
        finally { $s | Remove-ApSession }
    }

    It 'lists the bus masks in the kernel''s text' {
        $text = Get-ApBusConfig -Session $seed | Format-List | Out-String -Width 200
        $text | Should -Match ([regex]::Escape('ApMask             : ' + $seed.Kernel.Read('bus/ap/apmask').Trim()))
        # The seed host has no udev rule and no ap.apmask= on its command line: the next boot starts from all ones.
        $text | Should -Match ([regex]::Escape('PersistentApMask   : 0x' + 'f' * 64 + ' (KernelDefault)'))
        $text | Should -Match 'LiveIsPersistent\s+: False'
    }

    It 'shows APQNs as sysfs names them, adapter and domain ids in 0x hex' {
        ((Get-VfioApApcb -Session $seed).Apqns | Out-String) | Should -Match '04\.0004\s+04\.0022\s+04\.0035'
        ((Get-ApCard -Session $seed).Id | Out-String) | Should -Match '0x04\s+0x05'
    }

    It 'prints the adapter and domain collections of every object as 0x ids, and [int] still gives the number' {
        $apcb = Get-VfioApApcb -Session $seed
        ($apcb | Format-List * | Out-String -Width 200) | Should -Match 'Adapters\s+: \{0x04\}'
        ($apcb | Format-List * | Out-String -Width 200) | Should -Match 'Domains\s+: \{0x0004, 0x0022, 0x0035\}'
        ($apcb.Adapters | Out-String) | Should -Match '0x04'
        "$($apcb.Adapters)" | Should -Be '0x04'
        "$($apcb.Domains)" | Should -Be '0x0004 0x0022 0x0035'
        [int]@($apcb.Adapters)[0] | Should -Be 4
        [int]@($apcb.Domains)[2] | Should -Be 0x35
        $mdev = Get-VfioApMdev -Session $seed
        "$($mdev.Adapters)" | Should -Be '0x04 0x05'
        "$($mdev.Matrix.Domains)" | Should -Be '0x0004 0x0022 0x0035'
        $bus = Get-ApBusConfig -Session $seed
        ($bus | Format-List * | Out-String -Width 400) | Should -Match 'VfioAdapters\s+: \{0x04, 0x05\}'
        @($apcb.Adapters)[0] -eq 4 | Should -BeTrue
    }
}
