BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:ScenarioCases = [VfioAp.Core.Simulation.ScenarioLibrary]::BuiltInNames | Where-Object { $_ -ne 'large-256x256' } | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
}
AfterAll { Get-ApSession | Remove-ApSession }

# about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host": adapter 05 is dropped because queue 05.0035 is not bound.
Describe 'Get-VfioApApcb on the seed host' {
    BeforeAll {
        $script:apcb = Get-VfioApApcb -Session (New-ApSession -Simulation seed)
    }

    It 'predicts exactly 04.0004, 04.0022, 04.0035' {
        @($apcb).Count | Should -Be 1
        $apcb.Mdev | Should -Be $SeedUuid
        @($apcb.Apqns | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022', '04.0035')
        @($apcb.Adapters) | Should -Be @(4)
        @($apcb.Domains) | Should -Be @(4, 0x22, 0x35)
        @($apcb.ControlDomains) | Should -BeNullOrEmpty
        $apcb.ComputerName | Should -Be 'seed'
    }

    It 'agrees with the kernel''s guest_matrix' {
        @($apcb.KernelApqns | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022', '04.0035')
        $apcb.KernelReported | Should -BeTrue
        $apcb.Matches | Should -BeTrue
        $apcb.PredictedGuestMatrix | Should -BeExactly $apcb.KernelGuestMatrix
        $apcb.Differences | Should -BeNullOrEmpty
    }

    It 'drops adapter 05 because 05.0035 is not bound, and says so' {
        @($apcb.Dropped).Count | Should -Be 1
        $d = $apcb.Dropped[0]
        $d.Adapter.ToString() | Should -Be '0x05'
        $d.Apqn.ToString() | Should -Be '05.0035'
        $d.Reason | Should -Be 'QueueNotBound'
        $d.Source | Should -Be 'Prediction'
        $d.Message | Should -BeLike '*05.0035*not bound*'
        @($d.Causes | ForEach-Object { "$($_.Apqn) $($_.Reason)" }) | Should -Be @('05.0035 QueueNotBound')
    }
}

Describe 'Test-VfioApApcb' {
    It 'is $true on the seed host: one boolean, tagged with the host' {
        $seed = New-ApSession -Simulation seed
        $r = @(Test-VfioApApcb -Session $seed)
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType ([bool])
        $r[0] | Should -BeTrue
        $r[0].ComputerName | Should -Be 'seed'
        $r[0].Session | Should -Be $seed
        Test-VfioApApcb -Session $seed -Detailed | Should -BeNullOrEmpty
    }

    It 'answers per mdev with -Mdev' {
        $r = @(Test-VfioApApcb -Session (New-ApSession -Simulation seed) -Mdev $SeedUuid)
        $r.Count | Should -Be 1
        $r[0] | Should -BeTrue
        $r[0].Mdev | Should -Be $SeedUuid
    }

    # large-256x256 is left out only for time; the same code path runs on large-60x85.
    It 'agrees with the simulated kernel on <Name>, except where a queue reset failed, which it names' -TestCases $ScenarioCases {
        $s = New-ApSession -Simulation $Name
        $states = $s.Kernel.QueueStates
        $differences = @(Test-VfioApApcb -Session $s -Detailed)
        foreach ($d in $differences) {
            # The only thing sysfs cannot show is a failed reset: every difference must be one, on an adapter the
            # simulated kernel knows has a queue whose reset failed.
            $d.LikelyCause | Should -Be 'QueueResetFailed' -Because $d.Message
            $apcb = Get-VfioApApcb -Session $s -Mdev $d.Mdev
            $failed = @($apcb.Domains | Where-Object { $states.ResetFailed([VfioAp.Core.Model.Apqn]::new([int]$d.Adapter, $_)) })
            $failed | Should -Not -BeNullOrEmpty -Because "adapter $($d.Adapter) of mdev $($d.Mdev) was dropped by the kernel"
        }
        [bool](Test-VfioApApcb -Session $s) | Should -Be ($differences.Count -eq 0)
    }
}

Describe 'When the kernel dropped an adapter whose queues are all bound' {
    BeforeAll {
        $script:s = New-ApSession -Simulation (Write-ScenarioFile -Name reset-failed -Json $ResetFailedJson)
        $script:apcb = Get-VfioApApcb -Session $s
    }

    It 'the prediction keeps adapter 04 (sysfs shows no reset failure), the kernel does not' {
        @($apcb.Adapters) | Should -Be @(4)
        @($apcb.KernelAdapters) | Should -BeNullOrEmpty
        $apcb.Matches | Should -BeFalse
    }

    It 'names a failed queue reset as the likely cause' {
        $kernelDrop = @($apcb.Dropped | Where-Object Source -eq 'Kernel')
        $kernelDrop.Count | Should -Be 1
        $kernelDrop[0].Adapter.ToString() | Should -Be '0x04'
        $kernelDrop[0].Reason | Should -Be 'QueueResetFailed'
        $kernelDrop[0].Message | Should -BeLike '*failed queue reset*not visible in sysfs*'
    }

    It 'Test-VfioApApcb is $false and -Detailed returns the difference' {
        Test-VfioApApcb -Session $s | Should -BeFalse
        $diff = @(Test-VfioApApcb -Session $s -Detailed)
        $diff.Count | Should -Be 1
        $diff[0] | Should -BeOfType ([VfioAp.Core.Model.ApcbDifference])
        $diff[0].Adapter.ToString() | Should -Be '0x04'
        $diff[0].InPrediction | Should -BeTrue
        $diff[0].InKernel | Should -BeFalse
        $diff[0].LikelyCause | Should -Be 'QueueResetFailed'
        $diff[0].ComputerName | Should -Be 'reset-failed'
    }
}

# about_VfioAp_Apcb: WORKED EXAMPLES, "An over-provisioned domain": a domain outside the host configuration is cut.
Describe 'Domains cut by the host configuration (over-provisioned domain)' {
    It 'cuts domain 0047 without dropping an adapter' {
        $apcb = Get-VfioApApcb -Session (New-ApSession -Simulation (Write-ScenarioFile -Name over -Json $OverProvisionedJson))
        @($apcb.Apqns | ForEach-Object ToString) | Should -Be @('05.0004', '06.0004')
        $apcb.Matches | Should -BeTrue
        @($apcb.Dropped).Count | Should -Be 1
        $apcb.Dropped[0].Domain.ToString() | Should -Be '0x0047'
        $apcb.Dropped[0].Reason | Should -Be 'DomainNotInHostConfig'
        $apcb.Dropped[0].Adapter | Should -BeNullOrEmpty
    }
}

Describe 'A kernel without guest_matrix' {
    BeforeAll {
        $script:legacy = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $LegacyJson)
    }

    It 'Get-VfioApApcb predicts and notes that the kernel does not report' {
        $apcb = Get-VfioApApcb -Session $legacy
        $apcb.KernelApqns | Should -BeNullOrEmpty
        $apcb.KernelReported | Should -BeFalse
        $apcb.Matches | Should -BeNullOrEmpty
        $apcb.Note | Should -BeLike '*not reported by this kernel*'
        @($apcb.Apqns).Count | Should -Be 6
    }

    It 'Test-VfioApApcb does not guess: it writes VfioAp.GuestMatrixNotReported' {
        Test-VfioApApcb -Session $legacy -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.GuestMatrixNotReported,*'
        $err[0].Exception.Host | Should -Be 'legacy'
    }
}

Describe 'Mdevs from the pipeline' {
    It 'Get-VfioApMdev | Get-VfioApApcb reads the host once per cmdlet' {
        $seed = New-ApSession -Simulation seed
        $apcb = Get-VfioApMdev -Session $seed | Get-VfioApApcb
        $apcb.Mdev | Should -Be $SeedUuid
        $seed.RoundTrips | Should -Be 2
    }

    It 'an unknown -Mdev is one VfioAp.MdevNotFound error' {
        Get-VfioApApcb -Session (New-ApSession -Simulation seed) -Mdev ([guid]::NewGuid()) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevNotFound,*'
    }
}
