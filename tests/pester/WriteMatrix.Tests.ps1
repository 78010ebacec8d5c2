BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'WriteScenarios.psm1') -Force
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Set-VfioApMatrix -Adapter 6 on the seed host (issue 5, first Must show)' {
    It '-WhatIf prints the write and the host is unchanged' {
        # -WhatIf goes to the host UI, not to a stream: run it in a child pwsh and read its output.
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module ./ps-module/VfioAp/VfioAp.psd1
Import-Module ./tests/pester/WriteScenarios.psm1
`$s = New-ApSession -Simulation seed
`$before = Get-KernelText `$s
`$trips = `$s.RoundTrips
Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter 6 -WhatIf -WarningAction SilentlyContinue
'ROUNDTRIPS ' + (`$s.RoundTrips - `$trips)
'UNCHANGED ' + ((Get-KernelText `$s) -ceq `$before)
"@
        $r = Invoke-ChildPwsh @('-Command', $script)
        $r.Error | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $expected = '0x' + '0e' + '0' * 62 + ',0x' + '08000000200004' + '0' * 50 + ',0x' + '0' * 64
        $r.Output | Should -Match ([regex]::Escape("What if: Host 'seed': Change mdev $SeedUuid from adapters 0x04-0x05"))
        $r.Output | Should -Match ([regex]::Escape("echo $expected > /sys/devices/vfio_ap/matrix/$SeedUuid/ap_config"))
        $r.Output | Should -Match 'ROUNDTRIPS 1\b'   # the read; no write
        $r.Output | Should -Match 'UNCHANGED True'
    }

    It 'without -WhatIf the mdev has adapter 6, in one round trip of writes, and Test-VfioApApcb stays $true' {
        $s = New-ApSession -Simulation seed
        Test-VfioApApcb -Session $s | Should -BeTrue
        $trips = $s.RoundTrips
        $out = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -WarningVariable warn -WarningAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $s.RoundTrips - $trips | Should -Be 2          # one read, one plan (write + read-back)
        Get-KernelMatrix $s $SeedUuid | Should -BeExactly "04.0004`n04.0022`n04.0035`n05.0004`n05.0022`n05.0035`n06.0004`n06.0022`n06.0035`n"
        Test-VfioApApcb -Session $s | Should -BeTrue
        # The guest cannot get 06: the card is not in the host configuration. Said, not hidden.
        "$warn" | Should -Match 'Adapter 0x06 is not in the host''s AP configuration'
    }

    It 'writes nothing the second time and says so with -Verbose' {
        $s = New-ApSession -Simulation seed
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -WarningAction SilentlyContinue
        $trips = $s.RoundTrips
        $verbose = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -Verbose -WarningAction SilentlyContinue 4>&1
        $s.RoundTrips - $trips | Should -Be 1          # the read only
        "$verbose" | Should -Match "already has adapters 0x04-0x06; domains 0x04,0x22,0x35; control domains \(none\); nothing to write"
    }

    It 'binds from Get-VfioApMdev by property name and returns the mdev with -PassThru' {
        $s = New-ApSession -Simulation seed
        $m = Get-VfioApMdev -Session $s | Set-VfioApMatrix -Adapter 6 -PassThru -WarningAction SilentlyContinue
        $m.Uuid | Should -Be $SeedUuid
        $m.Adapters.ToString() | Should -Be '0x04-0x06'
        $m.ComputerName | Should -Be 'seed'
        $m.Session | Should -Be $s
    }
}

Describe 'Several hosts at once' {
    It 'changes the mdev on each host and tags each result with its host; a host that fails does not stop the others' {
        $a = New-ApSession -Simulation seed -ComputerName lpar-a
        $b = New-ApSession -Simulation seed -ComputerName lpar-b
        # A third host whose AP bus disappears after its session was opened.
        $tree = New-SysfsTree -Kernel (New-ApSession -Simulation seed).Kernel -Name broken
        try {
            $broken = New-ApSession -SysfsRoot $tree -ComputerName broken
            [System.IO.Directory]::Delete((Join-Path $tree 'bus/ap'), $true)
            $out = Set-VfioApMatrix -Session $a, $broken, $b -Mdev $SeedUuid -Adapter 6 -PassThru -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        }
        finally { Remove-SysfsTree $tree }
        @($out | ForEach-Object ComputerName | Sort-Object) | Should -Be @('lpar-a', 'lpar-b')
        foreach ($s in $a, $b) { Get-KernelMatrix $s $SeedUuid | Should -Match '06\.0035' }
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
        $err[0].Exception.Host | Should -Be 'broken'
    }
}

Describe 'Ids, kinds of change and the writes they make' {
    It 'takes numbers, kernel strings, arrays and ranges, and writes 0x hex on a kernel without ap_config' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $SeedPlusLegacyJson)
        # Give domain 0010 to vfio_ap first (06.0010 is cex4queue's), then add adapter '06', domains 16 and '0x10'-style strings.
        Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp
        $verbose = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter '06' -Domain 16, '0x22' -ControlDomain '0x4', 0x10 -Verbose 4>&1 | Out-String
        $verbose | Should -Match ([regex]::Escape("echo 0x6 > /sys/devices/vfio_ap/matrix/$SeedUuid/assign_adapter"))
        $verbose | Should -Match ([regex]::Escape("echo 0x10 > /sys/devices/vfio_ap/matrix/$SeedUuid/assign_domain"))
        $verbose | Should -Match ([regex]::Escape("echo 0x4 > /sys/devices/vfio_ap/matrix/$SeedUuid/assign_control_domain"))
        $verbose | Should -Not -Match 'echo 0x22 '   # already assigned: no write
        $verbose | Should -Match '4 write\(s\) applied and verified in 1 round trip'
        $m = Get-VfioApMdev -Session $s
        $m.Adapters.ToString() | Should -Be '0x04-0x06'
        $m.Domains.ToString() | Should -Be '0x04,0x10,0x22,0x35'
        $m.ControlDomains.ToString() | Should -Be '0x04,0x10'
    }

    It '-Replace replaces the kinds given (a range), keeps the others, and unassigns before it assigns' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $SeedPlusLegacyJson)
        $verbose = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Replace -Adapter 5..6 -Verbose 4>&1 | Out-String
        $writes = [regex]::Matches($verbose, 'echo (\S+) > \S+/(\w+)\s') | ForEach-Object { "$($_.Groups[2].Value) $($_.Groups[1].Value)" }
        $writes | Should -Be @('unassign_adapter 0x4', 'assign_adapter 0x6')
        Get-KernelMatrix $s $SeedUuid | Should -BeExactly "05.0004`n05.0022`n05.0035`n06.0004`n06.0022`n06.0035`n"
    }

    It '-Remove removes, and ids the matrix does not have cost nothing' {
        $s = New-ApSession -Simulation seed
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Domain 0x22, 0x47
        Get-KernelMatrix $s $SeedUuid | Should -BeExactly "04.0004`n04.0035`n05.0004`n05.0035`n"
    }

    It 'refuses a call with nothing to change' {
        $s = New-ApSession -Simulation seed
        { Set-VfioApMatrix -Session $s -Mdev $SeedUuid -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.NothingToChange*'
    }

    It 'refuses an id the kernel would not read before reading the host' {
        $s = New-ApSession -Simulation seed
        $trips = $s.RoundTrips
        { Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter '08' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        $s.RoundTrips | Should -Be $trips
    }
}

Describe 'Refusals leave both mdevs exactly as they were (issue 5, second Must show)' {
    It 'an APQN another mdev holds: VfioAp.ApqnInUse (EADDRINUSE) naming that mdev' {
        $s = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $s
        Set-VfioApMatrix -Session $s -Mdev $Guest2 -Adapter 6 -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $e = $err[0]
        $e.FullyQualifiedErrorId | Should -Be 'VfioAp.ApqnInUse,VfioAp.PowerShell.Commands.SetVfioApMatrixCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $e.Exception.Message | Should -Match "^Host 'kernel-doc': "
        $e.Exception.Message | Should -Match "06\.0047, 06\.00ff are already assigned to mdev $Guest3 of VM 'guest3' \(running\); the kernel refuses with EADDRINUSE"
        $e.Exception.Errno | Should -Be 'EADDRINUSE'
        $e.Exception.Host | Should -Be 'kernel-doc'
        # The write the kernel would have refused: the ap_config write of guest 2's new matrix.
        $e.Exception.Path | Should -Be "/sys/devices/vfio_ap/matrix/$Guest2/ap_config"
        $e.Exception.Message | Should -Match "Writing '0x0600+,0x0000000000000000010000000000000000000000000000000000000000000001,0x0000000000000000010000000000000000000000000000000000000000000001' to /sys/devices/vfio_ap/matrix/$Guest2/ap_config would fail with EADDRINUSE"
        $e.TargetObject | Should -Be $Guest2
        $e.ErrorDetails.RecommendedAction | Should -Match "Set-VfioApMatrix -Mdev $Guest3 -Remove -Adapter 0x06"
        Get-KernelText $s | Should -BeExactly $before
    }

    It 'the same refusal from the kernel itself, when another session takes the APQN between the read and the write' {
        # Seed-plus: the seed mdev wants adapter 06; just before its write, a second session gives 06 to another mdev
        # that has domain 0004 too.
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        $other = [guid]'bbbbbbbb-0000-4000-8000-00000000000b'
        $s2 = New-SecondSession $s
        Invoke-ShellEcho $s2 'devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create' "$other" | Should -Be 'None'
        Invoke-ShellEcho $s2 "devices/vfio_ap/matrix/$other/assign_domain" '0x4' | Should -Be 'None'
        $seedBefore = Get-KernelMatrix $s $SeedUuid
        $s.Sysfs.FailWrite([WriteInterloper]::Before($s2.Kernel, "devices/vfio_ap/matrix/$other/assign_adapter", '0x6'))
        try {
            Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        finally { $s.Sysfs.FailWrite($null) }
        @($err).Count | Should -Be 1
        $e = $err[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $e.Exception.Message | Should -Match "writing '0x0e0+,0x0800000020000400+,0x0+' to /sys/devices/vfio_ap/matrix/$SeedUuid/ap_config"
        $e.Exception.Message | Should -Match "was refused with EADDRINUSE \(Address already in use\): an APQN of the new matrix is already assigned to another mdev \(06\.0004 held by mdev $other\)"
        $e.Exception.Message | Should -Match 'Nothing was changed'
        $e.Exception.Path | Should -Be "/sys/devices/vfio_ap/matrix/$SeedUuid/ap_config"
        Get-KernelMatrix $s $SeedUuid | Should -BeExactly $seedBefore
        Get-KernelMatrix $s $other | Should -BeExactly "06.0004`n"
        $s.Kernel.KernelLog | Should -Contain "vfio_ap_mdev ${other}: Userspace may not re-assign queue 06.0004 already assigned to $other"
    }

    It 'an id above the host''s maximum: VfioAp.IdAboveMaximum (ENODEV)' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name small -Json $SeedSmallJson)
        $before = Get-KernelText $s
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x40 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.IdAboveMaximum,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'Adapter 40 is above the host''s maximum adapter id 3f \(ap_max_adapter_id\); the kernel refuses it with ENODEV'
        Get-KernelText $s | Should -BeExactly $before
    }

    It 'a queue owned by a default driver: VfioAp.ApqnOwnedByHost (EADDRNOTAVAIL), and how to free it' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        (Get-ApQueue -Session $s | Where-Object { "$($_.Apqn)" -eq '06.0010' }).Driver | Should -Be 'cex4queue'
        $before = Get-KernelText $s
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -Domain 0x10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnOwnedByHost,*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $err[0].Exception.Message | Should -Match 'APQN 06\.0010 belongs to the host''s default drivers .* EADDRNOTAVAIL'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'Set-ApBusMask -Adapter 0x06 -Owner VfioAp'
        Get-KernelText $s | Should -BeExactly $before
        # Following the advice works.
        Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -Domain 0x10 -WarningAction SilentlyContinue
        (Get-ApQueue -Session $s | Where-Object { "$($_.Apqn)" -eq '06.0010' }).AssignedTo | Should -Be $SeedUuid
    }
}

Describe 'A round trip that breaks off' {
    It 'says the outcome is unknown, and running the command again writes only what is missing' {
        $sim = New-ApSession -Simulation seed
        $lost = [VfioAp.PowerShell.Sessions.ApSessionFactory]::Register('Simulation', [LostAnswerSysfs]::new([VfioAp.Core.Simulation.SimulatedSysfs]::new($sim.Kernel, 'seed')), 'lost', 'seed', $null, $null, $sim.Kernel)
        Set-VfioApMatrix -Session $lost -Mdev $SeedUuid -Adapter 6 -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.WriteFailed,*'
        $err[0].Exception.Message | Should -Match 'connection reset by peer.*some of its writes may have been applied and none was rolled back'
        $err[0].ErrorDetails.RecommendedAction | Should -Match 'writes only what is still missing'
        # The write did reach the host; the next run sees that and writes nothing.
        Get-KernelMatrix $sim $SeedUuid | Should -Match '06\.0004'
        $verbose = Set-VfioApMatrix -Session $sim -Mdev $SeedUuid -Adapter 6 -Verbose -WarningAction SilentlyContinue 4>&1 | Out-String
        $verbose | Should -Match 'nothing to write'
    }
}

Describe 'A fault at every step of a multi-step plan (kernel without ap_config)' {
    It 'fault at step <Step>: the error says which writes were applied and rolled back; the mdev ends as it started' -ForEach @(
        @{ Step = 0 }, @{ Step = 1 }, @{ Step = 2 }, @{ Step = 3 }
    ) {
        # Replace adapters 04,05 by 05,06 and domains 0004,0022,0035 by 0004,0022,0010: unassign 04, unassign 0035,
        # assign 06, assign 0010 (after Set-ApBusMask gave 0010 to vfio_ap).
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $SeedPlusLegacyJson)
        Set-ApBusMask -Session $s -Domain 0x10 -Owner VfioAp
        $before = Get-KernelText $s
        $s.Sysfs.FailNextPlanAt($Step, 'EIO')
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Replace -Adapter 5, 6 -Domain 4, 0x22, 0x10 -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $m = $err[0].Exception.Message
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.WriteFailed,*'
        $err[0].CategoryInfo.Category | Should -Be 'WriteError'
        $m | Should -Match "failed at step $($Step + 1) of 4"
        $m | Should -Match 'refused with EIO \(Input/output error\)'
        $steps = 'unassign adapter 04', 'unassign domain 0035', 'assign adapter 06', 'assign domain 0010'
        $m | Should -Match ([regex]::Escape("($($steps[$Step]) "))
        if ($Step -eq 0) { $m | Should -Match 'Nothing was changed' }
        else {
            $m | Should -Match ('Applied before it: ' + [regex]::Escape($steps[0]))
            $m | Should -Match 'Rolled back: undo: .*; the host is as it was before\.'
        }
        Get-KernelText $s | Should -BeExactly $before
    }
}

Describe 'The guest APCB after a removal (the kernel does not filter again on unassign)' {
    It 'warns on a 6.x kernel that adapter 05 stays out, and -Refilter brings it back without changing the matrix' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name gm -Json $SeedPlusGuestMatrixOnlyJson)
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Domain 0x35 -WarningVariable warn -WarningAction SilentlyContinue
        "$warn" | Should -Match 'keeps adapter\(s\) 0x05 out of the guest although all their queues are usable now'
        "$warn" | Should -Match "Set-VfioApMatrix -Mdev $SeedUuid -Refilter"
        Test-VfioApApcb -Session $s | Should -BeFalse
        $matrix = Get-KernelMatrix $s $SeedUuid
        $verbose = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Refilter -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'echo 05\.0004 > /sys/bus/ap/drivers/vfio_ap/unbind'
        $verbose | Should -Match 'echo 05\.0004 > /sys/bus/ap/drivers/vfio_ap/bind'
        Test-VfioApApcb -Session $s | Should -BeTrue
        Get-KernelMatrix $s $SeedUuid | Should -BeExactly $matrix
        $s.Kernel.Read("devices/vfio_ap/matrix/$SeedUuid/guest_matrix") | Should -BeExactly "04.0004`n04.0022`n05.0004`n05.0022`n"
    }

    It 'on a kernel with ap_config the removal itself is filtered: no warning, Test-VfioApApcb stays $true' {
        $s = New-ApSession -Simulation seed
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Domain 0x35 -WarningVariable warn
        $warn | Should -BeNullOrEmpty
        Test-VfioApApcb -Session $s | Should -BeTrue
        # -Refilter with nothing to do costs no write.
        $trips = $s.RoundTrips
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Refilter
        $s.RoundTrips - $trips | Should -Be 1
    }
}

Describe 'Two sessions on one host racing for the same APQN' {
    It 'round <_>: exactly one wins, the other gets VfioAp.ApqnInUse naming the winner, no mdev is half-changed' -ForEach (1..3) {
        $s1 = New-ApSession -Simulation (Write-ScenarioFile -Name race -Json $SeedPlusLegacyJson)
        $s2 = New-SecondSession $s1
        $a = [guid]'a1a1a1a1-0000-4000-8000-000000000001'
        $b = [guid]'b2b2b2b2-0000-4000-8000-000000000002'
        # Both mdevs want 06.0004 (free: the seed mdev has adapters 04 and 05 only), each with another domain of its own.
        Set-ApBusMask -Session $s1 -Domain 0x10 -Owner VfioAp
        New-VfioApMdev -Session $s1 -Uuid $a | Out-Null
        New-VfioApMdev -Session $s1 -Uuid $b | Out-Null
        $module = $ModuleManifest
        $results = @(
            @{ Session = $s1; Mdev = $a; Domain = 4, 0x10 }
            @{ Session = $s2; Mdev = $b; Domain = 4, 0x22 }
        ) | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:module
            $err = $null
            Set-VfioApMatrix -Session $_.Session -Mdev $_.Mdev -Adapter 6 -Domain $_.Domain -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            [pscustomobject]@{ Mdev = $_.Mdev; Error = $err | Select-Object -First 1 }
        }
        @($results | Where-Object { -not $_.Error }).Count | Should -Be 1
        $loser = $results | Where-Object { $_.Error }
        $winner = $results | Where-Object { -not $_.Error }
        $loser.Error.FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $loser.Error.Exception.Message | Should -Match ([regex]::Escape("$($winner.Mdev)"))
        Get-KernelMatrix $s1 $winner.Mdev | Should -Match '^06\.0004'
        Get-KernelMatrix $s1 $loser.Mdev | Should -BeExactly ''
    }
}

Describe 'Test-VfioApMatrix' {
    It 'answers $false for guest 2 + adapter 06 on the kernel-doc host, and -Detailed names guest 3''s mdev' {
        $s = New-ApSession -Simulation kernel-doc
        $r = @(Test-VfioApMatrix -Session $s -Mdev $Guest2 -Adapter 6)
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType ([bool])
        $r[0] | Should -BeFalse
        $r[0].Mdev | Should -Be $Guest2
        $r[0].ComputerName | Should -Be 'kernel-doc'
        $f = @(Test-VfioApMatrix -Session $s -Mdev $Guest2 -Adapter 6 -Detailed)
        $f.Count | Should -Be 1
        $f[0].Severity | Should -Be 'Error'
        $f[0].Code | Should -Be 'ApqnInOtherMdev'
        $f[0].KernelErrno | Should -Be 'EADDRINUSE'
        $f[0].OtherMdev | Should -Be $Guest3
        @($f[0].Apqns | ForEach-Object ToString) | Should -Be @('06.0047', '06.00ff')
    }

    It 'checks a new mdev''s whole matrix without -Mdev, warning what the guest would lose' {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name plus -Json $SeedPlusJson)
        Test-VfioApMatrix -Session $s -Adapter 6 -Domain 0x10 | Should -BeFalse
        # 06.0010 is cex4queue's: the kernel refuses it, and were it allowed, the guest would lose adapter 06 for it.
        @(Test-VfioApMatrix -Session $s -Adapter 6 -Domain 0x10 -Detailed | ForEach-Object { "$($_.Severity) $($_.Code)" }) |
            Should -Be @('Error ApqnOwnedByHost', 'Warning AdapterDroppedFromGuest')
        # 06.0004 is vfio_ap's (aqmask lacks 0004) and nobody's; control domain 0047 is outside the host configuration.
        Test-VfioApMatrix -Session $s -Adapter 6 -Domain 4 -ControlDomain 0x47 | Should -BeTrue
        $f = @(Test-VfioApMatrix -Session $s -Adapter 6 -Domain 4 -ControlDomain 0x47 -Detailed)
        $f.Count | Should -Be 1
        $f[0].Severity | Should -Be 'Warning'
        $f[0].Code | Should -Be 'ControlDomainNotInHostConfig'
    }

    It 'shows findings in a table that fits 100 columns' {
        $s = New-ApSession -Simulation kernel-doc
        $text = Test-VfioApMatrix -Session $s -Mdev $Guest2 -Adapter 6 -Detailed | Format-Table | Out-String -Width 100
        $text | Should -Match 'ComputerName: kernel-doc'
        ($text -split "`n" | Where-Object { $_ -match '^Severity\s' }) -split '\s+' | Where-Object { $_ } | Should -Be @('Severity', 'Code', 'Errno', 'Message')
        $text | Should -Match 'Error\s+ApqnInOtherMdev\s+EADDRINUSE\s+2 APQNs 06\.0047'
        (($text -split "`n") | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 100
    }
}
