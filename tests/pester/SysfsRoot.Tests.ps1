BeforeDiscovery {
    $script:Cases = foreach ($scenario in 'seed', 'kernel-doc') {
        foreach ($cmdlet in 'Get-ApCard', 'Get-ApQueue', 'Get-ApBusConfig', 'Get-VfioApMdev', 'Get-VfioApApcb', 'Test-VfioApApcb') {
            @{ Scenario = $scenario; Cmdlet = $cmdlet }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:Pairs = @{}
    foreach ($scenario in 'seed', 'kernel-doc') {
        $sim = New-ApSession -Simulation $scenario
        $dir = New-SysfsTree $sim.Kernel -Name $scenario
        $Pairs[$scenario] = @{ Simulation = $sim; Tree = New-ApSession -SysfsRoot $dir -ComputerName $sim.ComputerName; Dir = $dir }
    }
}
AfterAll {
    Get-ApSession | Remove-ApSession
    $Pairs.Values | ForEach-Object { Remove-SysfsTree $_.Dir }
}

Describe 'A sysfs tree exported from a simulated host reads as the simulation' {
    It '<Cmdlet> gives the same objects on <Scenario>' -TestCases $Cases {
        $pair = $Pairs[$Scenario]
        $fromSimulation = @(& $Cmdlet -Session $pair.Simulation | ConvertTo-Comparable)
        $fromTree = @(& $Cmdlet -Session $pair.Tree | ConvertTo-Comparable)
        $fromSimulation.Count | Should -BeGreaterThan 0
        $fromTree | Should -Be $fromSimulation
    }

    It 'the tree session is a SysfsRoot session on that directory' {
        $t = $Pairs['seed'].Tree
        $t.Kind | Should -Be 'SysfsRoot'
        $t.SysfsRoot | Should -Be $Pairs['seed'].Dir
        (Get-ApQueue -Session $t -Bound:$false).Apqn.ToString() | Should -Be '05.0035'
    }
}

Describe 'A tree the kernel could not have written' {
    AfterAll { Remove-SysfsTree $corrupt }
    It 'is one VfioAp.HostReadFailed error naming the host and the file' {
        $sim = New-ApSession -Simulation seed
        $script:corrupt = $dir = New-SysfsTree $sim.Kernel -Name corrupt
        Set-Content -Path (Join-Path $dir 'bus/ap/apmask') -Value 'garbage' -NoNewline
        $t = New-ApSession -SysfsRoot $dir -ComputerName corrupt
        Get-ApQueue -Session $t -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.HostReadFailed,*'
        $err[0].CategoryInfo.Category | Should -Be 'ReadError'
        $err[0].Exception.Host | Should -Be 'corrupt'
        $err[0].Exception.Path | Should -Be (Join-Path $dir 'bus/ap/apmask')
        $err[0].Exception.Message | Should -BeLike "*corrupt*apmask*garbage*"
        $err[0].TargetObject | Should -Be $t
    }
}
