BeforeDiscovery {
    $script:Cmdlets = 'Get-ApCard', 'Get-ApQueue', 'Get-ApBusConfig', 'Get-VfioApMdev', 'Get-VfioApApcb', 'Test-VfioApApcb' |
        ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
    $script:tree = New-SysfsTree $seed.Kernel -Name seed
    $script:treeSession = New-ApSession -SysfsRoot $tree -ComputerName seed
}
AfterAll {
    Get-ApSession | Remove-ApSession
    Remove-SysfsTree $tree
}

Describe 'One batched read per cmdlet per session' {
    It '<Name> costs one ReadMany round trip on a simulated host' -TestCases $Cmdlets {
        $before = $seed.RoundTrips
        $null = & $Name -Session $seed
        $seed.RoundTrips - $before | Should -Be 1
    }

    It '<Name> costs one ReadMany round trip on a sysfs tree' -TestCases $Cmdlets {
        $before = $treeSession.RoundTrips
        $null = & $Name -Session $treeSession
        $treeSession.RoundTrips - $before | Should -Be 1
    }

    It 'costs one round trip per session when several are given' {
        $other = New-ApSession -Simulation kernel-doc
        $null = Get-ApQueue -Session $seed, $other
        $other.RoundTrips | Should -Be 1
    }

    It 'reads a session once per invocation however many pipeline records name it' {
        $before = $seed.RoundTrips
        $queues = Get-ApQueue -Session $seed
        $seed.RoundTrips - $before | Should -Be 1
        # Every queue carries the session; the next cmdlet reads the host once and writes its cards once.
        $cards = $queues | Get-ApCard
        $seed.RoundTrips - $before | Should -Be 2
        @($cards).Count | Should -Be 2
    }

    It 'a bad id costs no round trip' {
        $before = $seed.RoundTrips
        { Get-ApCard -Session $seed -Adapter 300 -ErrorAction Stop } | Should -Throw
        $seed.RoundTrips | Should -Be $before
    }
}
