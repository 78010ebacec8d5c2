BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Get-VfioApMdev' {
    It 'shows the seed mdev: its matrix and the guest matrix the kernel reports' {
        $m = @(Get-VfioApMdev -Session $seed)
        $m.Count | Should -Be 1
        $m[0].Uuid | Should -Be $SeedUuid
        @($m[0].Adapters) | Should -Be @(4, 5)
        @($m[0].Domains) | Should -Be @(4, 0x22, 0x35)
        @($m[0].ControlDomains) | Should -BeNullOrEmpty
        $m[0].ApqnCount | Should -Be 6
        @($m[0].GuestMatrix.Apqns() | ForEach-Object ToString) | Should -Be @('04.0004', '04.0022', '04.0035')
        $m[0].GuestMatrixText | Should -BeExactly $seed.Kernel.Read("devices/vfio_ap/matrix/$SeedUuid/guest_matrix")
        $m[0].HasApConfig | Should -BeTrue
        $m[0].InUse | Should -BeFalse
        $m[0].ComputerName | Should -Be 'seed'
        $m[0].Session | Should -Be $seed
    }

    It '-Uuid takes any standard form, and the mdev objects pipe on' {
        (Get-VfioApMdev -Session $seed -Uuid '62177883F1BB47F0914D32A22E3A8804').Uuid | Should -Be $SeedUuid
        (Get-VfioApMdev -Session $seed | Get-VfioApMdev).Uuid | Should -Be $SeedUuid
    }

    It 'says once, after every host answered, that a UUID is on none of them' {
        $other = New-ApSession -Simulation seed -ComputerName other
        $missing = [guid]'00000000-1111-2222-3333-444444444444'
        $found = Get-VfioApMdev -Session $seed, $other -Uuid $SeedUuid, $missing -ErrorVariable err -ErrorAction SilentlyContinue
        @($found.ComputerName | Sort-Object) | Should -Be @('other', 'seed')
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevNotFound,*'
        $err[0].Exception.Message | Should -BeLike "*$missing*other*seed*"
        $err[0].TargetObject | Should -Be $missing
    }

    It 'shows no guest matrix on a kernel without guest_matrix' {
        $legacy = New-ApSession -Simulation (Write-ScenarioFile -Name legacy -Json $LegacyJson)
        $m = Get-VfioApMdev -Session $legacy
        $m.GuestMatrix | Should -BeNullOrEmpty
        $m.HasApConfig | Should -BeFalse
        $m.ApqnCount | Should -Be 6
    }
}
