BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
}
AfterAll { $seed | Remove-ApSession }

Describe 'Get-ApBusConfig' {
    It 'gives adapters 04, 05 and domains 0004, 0022, 0035 of the seed host to vfio_ap' {
        $bus = Get-ApBusConfig -Session $seed
        @($bus.VfioAdapters) | Should -Be @(4, 5)
        @($bus.VfioDomains) | Should -Be @(4, 0x22, 0x35)
        @($bus.HostAdapters) | Should -Be @(4, 5)
        @($bus.HostDomains) | Should -Be @(4, 0x22, 0x35)
        $bus.MaxAdapterId | Should -Be 255
        $bus.MaxDomainId | Should -Be 255
        $bus.ComputerName | Should -Be 'seed'
        $bus.Session | Should -Be $seed
    }

    It 'holds the masks the kernel prints, bit for bit' {
        $bus = Get-ApBusConfig -Session $seed
        $bus.ApMask.ToKernelString() + "`n" | Should -BeExactly $seed.Kernel.Read('bus/ap/apmask')
        $bus.AqMask.ToKernelString() + "`n" | Should -BeExactly $seed.Kernel.Read('bus/ap/aqmask')
        $bus.HostAdapters.ToKernelString() + "`n" | Should -BeExactly $seed.Kernel.Read('bus/ap/ap_adapter_mask')
    }

    It 'returns one object per host' {
        $other = New-ApSession -Simulation seed -ComputerName other
        try {
            @(Get-ApBusConfig -Session $seed, $other | ForEach-Object ComputerName | Sort-Object) | Should -Be @('other', 'seed')
        }
        finally { $other | Remove-ApSession }
    }
}
