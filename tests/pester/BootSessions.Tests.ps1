# The persistent boot state read with the host in one batch, on every kind of session: a simulated host whose
# scenario carries the files, a host-root tree exported from it (New-ApSession -HostRoot), and over SSH from the same
# tree, where the sshd log shows one remote command per cmdlet. The host is the "guests" scenario (Scenarios.psm1)
# with the live masks persisted in the udev rule and only mdev A (vm1's) defined auto in mdevctl, so vm1 comes back
# as it is and vm2 loses its mdev; the expectations follow from that, not from the module.
BeforeDiscovery {
    $script:Kinds = 'Simulation', 'HostRoot', 'Ssh' | ForEach-Object { @{ Kind = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:mdevA = 'aaaaaaaa-1111-4000-8000-000000000001'
    $script:mdevB = 'bbbbbbbb-2222-4000-8000-000000000002'

    # The scenario's live masks (apmask -4,-5; aqmask -4,-0x22,-0x35) persisted as chzdev writes them, a command line
    # whose aqmask the rule overrides, and vm1's mdev defined auto.
    $full = [VfioAp.Core.Model.ApMask]::Full
    $script:ap = [VfioAp.Core.Model.ApMask]::ParseKernel('-4,-5', $full)
    $script:aq = [VfioAp.Core.Model.ApMask]::ParseKernel('-4,-0x22,-0x35', $full)
    $doc = $GuestsJson | ConvertFrom-Json -AsHashtable
    $doc.name = 'boot-persisted'
    $doc.files = [ordered]@{
        'etc/udev/rules.d/41-ap.rules' = [VfioAp.Core.Boot.UdevMaskRule]::Text($ap, $aq)
        'proc/cmdline' = "root=/dev/dasda1 ap.aqmask=0xffff`n"
        "etc/mdevctl.d/matrix/$mdevA" = '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "0x4"}, {"assign_domain": "0x4"}, {"assign_domain": "0x22"}]}'
    }
    $script:scenario = Write-ScenarioFile -Name boot-persisted -Json ($doc | ConvertTo-Json -Depth 10)

    # Trees live outside $TestDrive: Pester walks TestDrive after each block, and sysfs's symlinks make that walk endless.
    $script:treeBase = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-pester-boot-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:hostTree = Join-Path $treeBase 'tree'
    [VfioAp.Core.Simulation.SysfsTreeExporter]::ExportHostRoot([VfioAp.Core.Simulation.ScenarioLibrary]::Load($scenario), $hostTree, $true)
    $script:bed = Start-TestSshd
    $null = Add-TestSshdHostKey $bed

    function script:Open([string] $Kind) {
        switch ($Kind) {
            'Simulation' { New-ApSession -Simulation $scenario }
            'HostRoot' { New-ApSession -HostRoot $hostTree }
            'Ssh' { New-ApSession -HostName 127.0.0.1 -Port $bed.Port -UserName root -KeyFile $bed.ClientKey -KnownHostsFile $bed.KnownHosts -HostRoot $hostTree }
        }
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    Stop-TestSshd $bed
    if ($treeBase -and (Test-Path $treeBase)) { Remove-Item -Recurse -Force $treeBase }
}

Describe 'The next boot read with the host (<Kind>)' -ForEach $Kinds -Tag Ssh {
    BeforeAll { $script:s = Open $Kind }

    It 'Get-ApBusConfig takes both persistent masks from the udev rule' {
        $bus = Get-ApBusConfig -Session $s
        $bus.PersistentApMask.Mask | Should -Be $ap
        $bus.PersistentAqMask.Mask | Should -Be $aq
        $bus.ApMaskSource | Should -Be 'UdevRule'
        $bus.AqMaskSource | Should -Be 'UdevRule'
        $bus.LiveIsPersistent | Should -BeTrue
    }

    It 'Test-VfioApBoot: vm1 comes back as it is, vm2 loses its undefined mdev' {
        Test-VfioApBoot -Session $s | Should -BeFalse
        $rows = Test-VfioApBoot -Session $s -Detailed
        $vm1 = $rows | Where-Object Guest -eq vm1
        $vm1.Survives | Should -BeTrue
        @($vm1.AtBoot.Apqns() | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022')
        $vm2 = $rows | Where-Object Guest -eq vm2
        $vm2.MdevComesBack | Should -BeFalse
        @($vm2.Lost | ForEach-Object ToString) | Should -Be @('05.0004', '05.0035')
        ($vm2.Reasons -join "`n") | Should -Match "not defined in mdevctl \(no /etc/mdevctl.d/matrix/$mdevB\)"
        ($rows.Reasons -join "`n") | Should -Not -Match 'mask not persisted'
    }
}

Describe 'Over SSH the persistent state costs no extra round trip' -Tag Ssh {
    It '<Name> is one remote command' -TestCases @(@{ Name = 'Test-VfioApBoot' }, @{ Name = 'Get-ApBusConfig' }) {
        $s = Open Ssh
        $null = Get-ApCard -Session $s
        $before = Get-TestSshdCommandCount $bed
        $null = & $Name -Session $s
        (Get-TestSshdCommandCount $bed) - $before | Should -Be 1
    }
}
