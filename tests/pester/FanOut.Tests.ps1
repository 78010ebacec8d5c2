BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:hosts = @(
        New-ApSession -Simulation seed -ComputerName hostA -Name fanA
        New-ApSession -Simulation kernel-doc -ComputerName hostB -Name fanB
        New-ApSession -Simulation large-60x85 -ComputerName hostC -Name fanC
    )
    # Expected per host: each host read on its own.
    $script:single = @{}
    foreach ($h in $hosts) { $single[$h.ComputerName] = @(Get-ApQueue -Session $h | ConvertTo-Comparable) }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Several hosts in one call' -Tag Slow {
    It 'returns every host''s objects, each tagged with its own ComputerName and Session' {
        $all = Get-ApQueue -Session $hosts
        foreach ($h in $hosts) {
            $mine = @($all | Where-Object ComputerName -eq $h.ComputerName)
            $mine | ForEach-Object { $_.Session | Should -Be $h }
            @($mine | ConvertTo-Comparable) | Should -Be $single[$h.ComputerName]
        }
        @($all).Count | Should -Be ($single.Values | ForEach-Object Count | Measure-Object -Sum).Sum
    }

    It 'takes the sessions from the pipeline' {
        $cards = Get-ApSession -Name fan* | Get-ApCard
        @($cards.ComputerName | Select-Object -Unique | Sort-Object) | Should -Be @('hostA', 'hostB', 'hostC')
    }

    It 'works on each piped object''s own host even when $PSDefaultParameterValues sets a -Session' {
        $PSDefaultParameterValues['*-Ap*:Session'] = $hosts[0]
        $PSDefaultParameterValues['*-VfioAp*:Session'] = $hosts[0]
        try {
            @(Get-ApCard).ComputerName | Select-Object -Unique | Should -Be 'hostA'
            @(Get-ApSession -Name fan* | Get-ApCard | ForEach-Object ComputerName | Select-Object -Unique | Sort-Object) | Should -Be @('hostA', 'hostB', 'hostC')
            @(Get-ApCard -Session $hosts[1] | Get-ApQueue | ForEach-Object ComputerName | Select-Object -Unique) | Should -Be @('hostB')
            @(Get-VfioApMdev -Session $hosts[1] | Get-VfioApApcb | ForEach-Object ComputerName | Select-Object -Unique) | Should -Be @('hostB')
        }
        finally {
            $PSDefaultParameterValues.Remove('*-Ap*:Session')
            $PSDefaultParameterValues.Remove('*-VfioAp*:Session')
        }
    }

    It 'gives the same results with -ThrottleLimit 1' {
        $serial = Get-ApQueue -Session $hosts -ThrottleLimit 1
        @($serial).Count | Should -Be @(Get-ApQueue -Session $hosts).Count
    }

    It 'answers Test-VfioApApcb once per host' {
        $answers = Test-VfioApApcb -Session $hosts
        @($answers).Count | Should -Be 3
        @($answers.ComputerName | Sort-Object) | Should -Be @('hostA', 'hostB', 'hostC')
        foreach ($a in $answers) {
            $a.Session.ComputerName | Should -Be $a.ComputerName
            [bool]$a | Should -Be ([bool](Test-VfioApApcb -Session $a.Session))
        }
    }

    It 'turns one failing host into one error record for that host while the others'' results arrive' {
        $sim = New-ApSession -Simulation seed
        $dir = New-SysfsTree $sim.Kernel -Name vanishing
        $broken = New-ApSession -SysfsRoot $dir -ComputerName hostDown
        Remove-SysfsTree $dir
        $out = Get-ApQueue -Session $hosts[0], $broken, $hosts[1] -ErrorVariable err -ErrorAction SilentlyContinue
        @($out.ComputerName | Select-Object -Unique | Sort-Object) | Should -Be @('hostA', 'hostB')
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
        $err[0].TargetObject | Should -Be $broken
        $err[0].Exception.Host | Should -Be 'hostDown'
        $err[0].Exception.Path | Should -Be (Join-Path $dir 'bus/ap')
    }

    It 'writes progress while several hosts are read' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Get-ApQueue -Session (Get-ApSession -Name fan*)")
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            @($out).Count | Should -BeGreaterThan 0
            $progress = @($ps.Streams.Progress)
            $progress.Count | Should -BeGreaterOrEqual 3
            $progress[-1].RecordType | Should -Be 'Completed'
            ($progress | Where-Object StatusDescription -like '*of 3 hosts*') | Should -Not -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }
}
