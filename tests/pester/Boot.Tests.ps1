# The next boot of a simulated host (about_VfioAp_Boot). The host is the "guests" scenario (Scenarios.psm1): vm1
# runs on mdev A (adapter 04, domains 0004, 0022) and starts with the host, vm2 is shut off on mdev B (adapter 05,
# domains 0004, 0035). It was configured live only: apmask/aqmask were written live and no mdev is defined in
# mdevctl. Expected APQNs follow from that scenario and the boot's rules (kernel default masks: all ones), not
# from the module's output; after each prediction the simulated host is rebooted and must bring up exactly that.
# The masks are persisted with the real cmdlet (Set-ApBusMask -Persist), which writes chzdev's rule into the
# simulated host's own files, where its boot and Test-VfioApBoot read it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    $script:MdevA = [guid]'aaaaaaaa-1111-4000-8000-000000000001'
    $script:MdevB = [guid]'bbbbbbbb-2222-4000-8000-000000000002'
    $script:RulePath = 'etc/udev/rules.d/41-ap.rules'

    function New-LiveOnlyHost([string] $Name) {
        $file = Write-ScenarioFile -Name "guests-$Name" -Json $GuestsJson
        New-ApSession -Simulation $file -ComputerName $Name
    }

    # Set-ApBusMask -Persist alone: chzdev's rule with the live masks as they are; nothing live changes.
    function Set-PersistedMasks($Session) {
        $live = Get-ApBusConfig -Session $Session
        $Session.Kernel.HostFiles.PersistentFiles.ContainsKey($RulePath) | Should -BeFalse -Because 'the host was configured live only'
        Set-ApBusMask -Session $Session -Persist -Confirm:$false
        $Session.Kernel.HostFiles.PersistentFiles.ContainsKey($RulePath) | Should -BeTrue
        $after = Get-ApBusConfig -Session $Session
        $after.ApMask.Mask | Should -Be $live.ApMask.Mask
        $after.AqMask.Mask | Should -Be $live.AqMask.Mask
        $after.PersistentApMask.Mask | Should -Be $live.ApMask.Mask
        $after.PersistentAqMask.Mask | Should -Be $live.AqMask.Mask
    }

    function Get-ApqnText($Matrix) { @($Matrix.Apqns() | ForEach-Object ToString) }

    # Reboots the simulated host and checks that each guest got exactly the predicted APCB, and vm1 runs when predicted.
    function Assert-BootAsPredicted($Session, $Prediction, [string] $MdevctlRoot) {
        $restart = @{ Session = $Session; Confirm = $false }
        if ($MdevctlRoot) { $restart.MdevctlRoot = $MdevctlRoot }
        Restart-ApSimulation @restart
        $after = @(Get-VfioApMdev -Session $Session)
        foreach ($row in $Prediction) {
            $mdev = $after | Where-Object Uuid -eq $row.Mdev
            if ($row.MdevComesBack) {
                $mdev | Should -Not -BeNullOrEmpty -Because "$($row.Guest)'s mdev was predicted to come back"
                (Get-ApqnText $mdev.GuestMatrix) | Should -Be (Get-ApqnText $row.AtBoot)
            } else {
                $mdev | Should -BeNullOrEmpty -Because "$($row.Guest)'s mdev was predicted not to come back"
                @($row.AtBoot.Apqns()).Count | Should -Be 0
            }
        }
        $vm1 = Get-VfioApGuest -Session $Session -Name vm1
        $vm1.State | Should -Be ($(if (($Prediction | Where-Object Guest -eq vm1).MdevComesBack) { 'running' } else { 'shut off' }))
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
}

Describe 'Test-VfioApBoot and Restart-ApSimulation on a host configured live only' {
    BeforeAll {
        $script:s = New-LiveOnlyHost live
        $script:rows = Test-VfioApBoot -Session $s -Detailed
    }

    It 'is false' {
        Test-VfioApBoot -Session $s | Should -BeFalse
    }

    It 'names each guest with what it loses' {
        @($rows.Guest) | Should -Be @('vm1', 'vm2')
        $vm1 = $rows | Where-Object Guest -eq vm1
        $vm1.Mdev | Should -Be $MdevA
        @($vm1.Lost | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022')
        @(($rows | Where-Object Guest -eq vm2).Lost | ForEach-Object ToString) | Should -Be @('05.0004', '05.0035')
        $rows.Survives | Should -Not -Contain $true
    }

    It 'says why: the masks go back to the kernel default and no mdev is defined in mdevctl' {
        $vm1 = $rows | Where-Object Guest -eq vm1
        ($vm1.Reasons -join "`n") | Should -Match 'mask not persisted: at boot apmask \(kernel default\) keeps adapters 0x04'
        ($vm1.Reasons -join "`n") | Should -Match "not defined in mdevctl \(no /etc/mdevctl.d/matrix/$MdevA\)"
        $vm1.Autostart | Should -BeTrue
        ($rows | Where-Object Guest -eq vm2).Autostart | Should -BeFalse
    }

    It 'Get-ApBusConfig shows that the live masks are not the persistent ones' {
        $bus = Get-ApBusConfig -Session $s
        $bus.LiveIsPersistent | Should -BeFalse
        $bus.ApMaskSource | Should -Be 'KernelDefault'
        $bus.PersistentApMask.Mask.ToKernelString() | Should -Be ('0x' + 'f' * 64)
    }

    It 'costs one round trip' {
        $before = $s.RoundTrips
        $null = Test-VfioApBoot -Session $s -Detailed
        $s.RoundTrips - $before | Should -Be 1
    }

    It 'Compare-VfioApMdev reports the masks'' live-vs-persistent drift' {
        $root = Join-Path $TestDrive 'compare-root'
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d" | Out-Null
        $drift = Compare-VfioApMdev -Session $s -MdevctlRoot $root -BusMask | Where-Object { $_ -is [VfioAp.Core.Boot.BusMaskDrift] }
        # The scenario gave adapters 04, 05 and domains 0004, 0022, 0035 to vfio_ap live; at boot (all ones) they go back.
        @($drift.Mask) | Should -Be @('apmask', 'aqmask')
        @(($drift | Where-Object Mask -eq apmask).VfioApOnlyLive) | Should -Be @(4, 5)
        @(($drift | Where-Object Mask -eq aqmask).VfioApOnlyLive) | Should -Be @(4, 0x22, 0x35)
        $drift.Source | Should -Be @('KernelDefault', 'KernelDefault')
        ($drift[0].Differences -join ' ') | Should -Match 'go back to the host''s drivers at the next boot'
    }

    It '-WhatIf reboots nothing' {
        $kernel = $s.Kernel
        Restart-ApSimulation -Session $s -WhatIf
        [object]::ReferenceEquals($s.Kernel, $kernel) | Should -BeTrue
        @(Get-VfioApMdev -Session $s).Count | Should -Be 2
    }

    It 'the reboot gives each guest exactly what was predicted' {
        Assert-BootAsPredicted $s $rows
        (Get-ApBusConfig -Session $s).ApMask.Mask.ToKernelString() | Should -Be ('0x' + 'f' * 64)
    }
}

Describe 'After Set-ApBusMask -Persist (the udev rule) but no mdev is defined' {
    BeforeAll {
        $script:s = New-LiveOnlyHost rule
        Set-PersistedMasks $s
        $script:rows = Test-VfioApBoot -Session $s -Detailed
    }

    It 'is still false, and only for the missing definitions' {
        Test-VfioApBoot -Session $s | Should -BeFalse
        ($rows.Reasons -join "`n") | Should -Not -Match 'mask not persisted'
        ($rows | Where-Object Guest -eq vm2).Reasons | Should -Match "not defined in mdevctl"
        (Get-ApBusConfig -Session $s).LiveIsPersistent | Should -BeTrue
        (Get-ApBusConfig -Session $s).AqMaskSource | Should -Be 'UdevRule'
    }

    It 'Compare-VfioApMdev finds no mask drift' {
        $root = Join-Path $TestDrive 'compare-rule-root'
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d" | Out-Null
        Compare-VfioApMdev -Session $s -MdevctlRoot $root -BusMask | Where-Object { $_ -is [VfioAp.Core.Boot.BusMaskDrift] } | Should -BeNullOrEmpty
        @(Compare-VfioApMdev -Session $s -MdevctlRoot $root -BusMask -IncludeEqual | Where-Object { $_ -is [VfioAp.Core.Boot.BusMaskDrift] }).InSync | Should -Be @($true, $true)
    }

    It 'the reboot gives each guest exactly what was predicted, and keeps the masks' {
        $masks = (Get-ApBusConfig -Session $s).ApMask.Mask
        Assert-BootAsPredicted $s $rows
        (Get-ApBusConfig -Session $s).ApMask.Mask | Should -Be $masks
    }
}

Describe 'After Set-ApBusMask -Persist and Export-VfioApMdev -Persist' {
    BeforeAll {
        $script:s = New-LiveOnlyHost persisted
        Set-PersistedMasks $s
        $script:root = Join-Path $TestDrive 'mdevctl-root'
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d" | Out-Null
        Export-VfioApMdev -Session $s -Persist -MdevctlRoot $root -Start Auto -Confirm:$false
        $script:rows = Test-VfioApBoot -Session $s -MdevctlRoot $root -Detailed
    }

    It 'is true: every guest gets the APCB it has now' {
        Test-VfioApBoot -Session $s -MdevctlRoot $root | Should -BeTrue
        (Get-ApqnText ($rows | Where-Object Guest -eq vm1).AtBoot) | Should -Be @('04.0004', '04.0022')
        $rows.Lost | Should -BeNullOrEmpty
    }

    It 'the reboot gives each guest exactly what was predicted' {
        Assert-BootAsPredicted $s $rows -MdevctlRoot $root
        Test-VfioApBoot -Session $s -MdevctlRoot $root | Should -BeTrue
    }

    It 'a manual definition does not come back, and says so' {
        $other = New-LiveOnlyHost manual
        Set-PersistedMasks $other
        $manualRoot = Join-Path $TestDrive 'manual-root'
        New-Item -ItemType Directory -Force -Path "$manualRoot/etc/mdevctl.d" | Out-Null
        Export-VfioApMdev -Session $other -Persist -MdevctlRoot $manualRoot -Start Manual -Confirm:$false
        $vm1 = Test-VfioApBoot -Session $other -MdevctlRoot $manualRoot -Detailed | Where-Object Guest -eq vm1
        $vm1.MdevComesBack | Should -BeFalse
        ($vm1.Reasons -join "`n") | Should -Match 'is manual: mdevctl does not start it at boot'
    }
}

Describe 'Restart-ApSimulation refuses what is not a simulated host' {
    It 'writes VfioAp.NotASimulation for a sysfs tree' {
        $seed = New-ApSession -Simulation seed
        $tree = New-SysfsTree $seed.Kernel -Name boot-tree
        try {
            $treeSession = New-ApSession -SysfsRoot $tree -ComputerName tree
            Restart-ApSimulation -Session $treeSession -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NotASimulation*'
        } finally {
            Remove-SysfsTree $tree
        }
    }
}
