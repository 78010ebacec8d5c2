BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'WriteScenarios.psm1') -Force
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'New-VfioApMdev' {
    It 'creates an mdev with its first matrix on a <Name> kernel and writes it to the pipeline' -ForEach @(
        @{ Name = 'current'; Json = 'SeedPlusJson'; Writes = 'create ap_config' }
        @{ Name = '6.x'; Json = 'SeedPlusGuestMatrixOnlyJson'; Writes = 'create assign_adapter assign_domain assign_control_domain' }
        @{ Name = 'legacy'; Json = 'SeedPlusLegacyJson'; Writes = 'create assign_adapter assign_domain assign_control_domain' }
    ) {
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name $Name -Json (Get-Variable $Json -ValueOnly))
        $uuid = [guid]'c0c0c0c0-0000-4000-8000-000000000001'
        $available = [int]$s.Kernel.Read('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances')
        $verbose = New-VfioApMdev -Session $s -Uuid $uuid -Adapter 6 -Domain 4 -ControlDomain 4 -Verbose -OutVariable m 4>&1 | Out-String
        $written = [regex]::Matches($verbose, 'echo \S+ > \S+/(\w+)\s') | ForEach-Object { $_.Groups[1].Value }
        ($written -join ' ') | Should -Be $Writes
        $m.Uuid | Should -Be $uuid
        $m.ComputerName | Should -Be $s.ComputerName
        Get-KernelMatrix $s $uuid | Should -BeExactly "06.0004`n"
        [int]$s.Kernel.Read('devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances') | Should -Be ($available - 1)
        if ($Name -ne 'legacy') { $s.Kernel.Read("devices/vfio_ap/matrix/$uuid/guest_matrix") | Should -BeExactly "06.0004`n" }
    }

    It 'makes a UUID when none is given' {
        $s = New-ApSession -Simulation seed
        $m = New-VfioApMdev -Session $s
        $m.Uuid | Should -Not -Be ([guid]::Empty)
        $s.Kernel.Mdevs | Should -Contain $m.Uuid
    }

    It 'refuses an existing UUID (VfioAp.MdevExists) and a matrix another mdev holds (VfioAp.ApqnInUse) before writing' {
        $s = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $s
        New-VfioApMdev -Session $s -Uuid $Guest1 -ErrorVariable err1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err1[0].FullyQualifiedErrorId | Should -Be 'VfioAp.MdevExists,VfioAp.PowerShell.Commands.NewVfioApMdevCommand'
        $err1[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        New-VfioApMdev -Session $s -Adapter 6 -Domain 0x47 -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $err2[0].Exception.Message | Should -Match "06\.0047 is already assigned to mdev $Guest3"
        Get-KernelText $s | Should -BeExactly $before
    }

    It 'is all or nothing: when the kernel refuses an assign, the mdev is removed again' {
        # Legacy kernel: create, assign adapter 06, assign domain 0004. Another session takes 06.0004 just before.
        $s = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $SeedPlusLegacyJson)
        $s2 = New-SecondSession $s
        $other = [guid]'bbbbbbbb-0000-4000-8000-00000000000b'
        Invoke-ShellEcho $s2 'devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create' "$other" | Should -Be 'None'
        Invoke-ShellEcho $s2 "devices/vfio_ap/matrix/$other/assign_domain" '4' | Should -Be 'None'
        $before = Get-KernelText $s
        $uuid = [guid]'c0c0c0c0-0000-4000-8000-000000000002'
        $s.Sysfs.FailWrite([WriteInterloper]::Before($s2.Kernel, "devices/vfio_ap/matrix/$other/assign_adapter", '6'))
        try { New-VfioApMdev -Session $s -Uuid $uuid -Adapter 6 -Domain 4 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty }
        finally { $s.Sysfs.FailWrite($null) }
        $e = $err[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $e.Exception.Message | Should -Match 'failed at step 3 of 3'
        $e.Exception.Message | Should -Match "06\.0004 held by mdev $other"
        $e.Exception.Message | Should -Match "Rolled back: undo: remove mdev $uuid; the host is as it was before\."
        $s.Kernel.Mdevs | Should -Not -Contain $uuid
        # Everything but the interloper's own change is as before.
        Invoke-ShellEcho $s2 "devices/vfio_ap/matrix/$other/unassign_adapter" '6' | Should -Be 'None'
        Get-KernelText $s | Should -BeExactly $before
    }

    It '-WhatIf creates nothing' {
        $s = New-ApSession -Simulation seed
        $before = Get-KernelText $s
        New-VfioApMdev -Session $s -Adapter 4 -WhatIf | Should -BeNullOrEmpty
        Get-KernelText $s | Should -BeExactly $before
    }
}

Describe 'Remove-VfioApMdev' {
    It 'has ConfirmImpact High' {
        $type = (Get-Command Remove-VfioApMdev).ImplementingType
        $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }

    It 'refuses an mdev a guest is using (VfioAp.MdevInUse) and removes it once the guest has stopped' {
        $s = New-ApSession -Simulation kernel-doc
        $before = Get-KernelText $s
        Remove-VfioApMdev -Session $s -Mdev $Guest1 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'VfioAp.MdevInUse,VfioAp.PowerShell.Commands.RemoveVfioApMdevCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        # The VM comes from libvirt's files (kernel-doc's mdevs name running guests): the refusal names it.
        $err[0].Exception.Message | Should -Match "VM 'guest1' \(running\) uses mdev $Guest1"
        Get-KernelText $s | Should -BeExactly $before
        $s.Kernel.StopGuest($Guest1)
        $trips = $s.RoundTrips
        Remove-VfioApMdev -Session $s -Mdev $Guest1 -Confirm:$false
        $s.RoundTrips - $trips | Should -Be 2
        $s.Kernel.Mdevs | Should -Not -Contain $Guest1
    }

    It 'takes mdevs from the pipeline' {
        $s = New-ApSession -Simulation seed
        Get-VfioApMdev -Session $s | Remove-VfioApMdev -Confirm:$false
        Get-VfioApMdev -Session $s | Should -BeNullOrEmpty
    }

    It 'says once that a UUID is on no host' {
        $s = New-ApSession -Simulation seed
        Remove-VfioApMdev -Session $s -Mdev ([guid]::NewGuid()) -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevNotFound,*'
    }
}
