BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'WriteScenarios.psm1') -Force
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Set-ApBusMask' {
    It 'gives domain 0010 to vfio_ap with one relative aqmask write; its queues move to vfio_ap' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        $aqmask = $s.Kernel.Read('bus/ap/aqmask')
        $verbose = Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp -PassThru -Verbose -OutVariable bus 4>&1 | Out-String
        $verbose | Should -Match ([regex]::Escape('echo -0x10 > /sys/bus/ap/aqmask'))
        $verbose | Should -Match 'aqmask: give domain 0010 to vfio_ap'
        $bus.AqMask.Contains(0x10) | Should -BeFalse
        $bus.ComputerName | Should -Be 'seed-plus'
        $s.Kernel.Read('bus/ap/aqmask') | Should -Not -Be $aqmask
        $s.Kernel.DriverOf([VfioAp.Core.Model.Apqn]::Parse('06.0010')) | Should -Be 'vfio_ap'
        # Already so: nothing to write.
        $trips = $s.RoundTrips
        Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp
        $s.RoundTrips - $trips | Should -Be 1
    }

    It 'refuses, as the kernel does, to give the host APQNs that mdevs hold, naming each mdev; nothing changes' {
        # kernel-doc: 06.0004 is guest 1's, 06.0047 guest 3's.
        $s = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $s
        Set-ApBusMask -Session $s -Adapter 6 -Domain 4, 0x47 -Owner Host -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 2
        $err | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'VfioAp.ApqnHeldByMdev,VfioAp.PowerShell.Commands.SetApBusMaskCommand' }
        $err | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'ResourceBusy' }
        ($err.Exception.Message -join "`n") | Should -Match "APQN 06\.0004 back to the host's default drivers, but mdev $Guest1 still holds it; the kernel refuses with EBUSY"
        ($err.Exception.Message -join "`n") | Should -Match "APQN 06\.0047 back to the host's default drivers, but mdev $Guest3 still holds it"
        $err[0].Exception.Errno | Should -Be 'EBUSY'
        # apmask +0x6 alone is fine (the domains are vfio_ap's in aqmask); the aqmask write is the one refused.
        $err | ForEach-Object { $_.Exception.Path | Should -Be '/sys/bus/ap/aqmask' }
        $err[0].Exception.Message | Should -Match ([regex]::Escape("(Writing '+0x4,+0x47' to /sys/bus/ap/aqmask would fail with EBUSY.)"))
        ($err.ErrorDetails.RecommendedAction -join "`n") | Should -Match "Set-VfioApMatrix -Mdev $Guest3 -Remove -Adapter 0x06"
        Get-KernelText $s | Should -BeExactly $before
    }

    It 'the kernel''s own EBUSY, when an mdev takes the APQN between the read and the write, is rolled back' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        $s2 = New-SecondSession $s
        $before = Get-KernelMatrix $s $SeedUuid
        # Give domain 0010 back to the host: apmask lacks 04, so 04.0010 stays vfio_ap's; but the plan also gives
        # adapter 04 back (apmask +4 first, then aqmask +0x10). Meanwhile the seed mdev gets domain 0010.
        Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp
        $masks = $s.Kernel.Read('bus/ap/apmask') + $s.Kernel.Read('bus/ap/aqmask')
        $s.Sysfs.FailWrite([WriteInterloper]::Before($s2.Kernel, "devices/vfio_ap/matrix/$SeedUuid/assign_domain", '0x10'))
        try { Set-ApBusMask -Session $s -ApMask '+4' -AqMask '+0x10' -ErrorVariable err -ErrorAction SilentlyContinue }
        finally { $s.Sysfs.FailWrite($null) }
        $e = $err[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnHeldByMdev,*'
        $e.Exception.Message | Should -Match 'was refused with EBUSY \(Device or resource busy\)'
        $e.Exception.Message | Should -Match "mdev $SeedUuid holds 04\.0010"
        $s.Kernel.Read('bus/ap/apmask') + $s.Kernel.Read('bus/ap/aqmask') | Should -BeExactly $masks
        Get-KernelMatrix $s $SeedUuid | Should -Match '04\.0010'
    }

    It 'takes the kernel documentation''s mask strings' {
        $doc = @'
{ "name": "two-cards", "cards": [ { "id": 5, "type": "CEX5C" }, { "id": 6, "type": "CEX5A" } ],
  "hostConfig": { "domains": [4, "0x47", "0xab", "0xff"], "controlDomains": [4, "0x47", "0xab", "0xff"] } }
'@
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name two -Json $doc)
        Set-ApBusMask -Session $s -ApMask '-5,-6' -AqMask '-4,-0x47,-0xab,-0xff'
        $expected = (New-ApSession -Simulation kernel-doc).Kernel
        $s.Kernel.Read('bus/ap/apmask') | Should -BeExactly $expected.Read('bus/ap/apmask')
        $s.Kernel.Read('bus/ap/aqmask') | Should -BeExactly $expected.Read('bus/ap/aqmask')
        @(Get-ApQueue -Session $s | Where-Object Driver -ne 'vfio_ap').Count | Should -Be 0
    }

    It 'refuses a mask the kernel could not parse before reading any host' {
        $s = New-ApSession -Simulation seed
        $trips = $s.RoundTrips
        { Set-ApBusMask -Session $s -ApMask '0xzz' -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.InvalidValue*'
        { Set-ApBusMask -Session $s -AqMask '+0x100' -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.InvalidValue*'
        $s.RoundTrips | Should -Be $trips
        { Set-ApBusMask -Session $s -Owner Host -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.NothingToChange*'
    }

    It '-WhatIf changes nothing' {
        $s = New-ApSession -Simulation seed
        $before = Get-KernelText $s
        Set-ApBusMask -Session $s -Adapter 0..3 -Owner VfioAp -WhatIf
        Get-KernelText $s | Should -BeExactly $before
    }
}
