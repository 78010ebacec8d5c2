BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
}

Describe 'New-ApSession -Simulation' {
    AfterEach { Get-ApSession | Remove-ApSession }

    It 'opens a built-in scenario as a simulated host named after it' {
        $s = New-ApSession -Simulation seed
        $s | Should -BeOfType ([VfioAp.PowerShell.Sessions.ApSession])
        $s.Kind | Should -Be ([VfioAp.PowerShell.Sessions.ApSessionKind]::Simulation)
        $s.Scenario | Should -Be 'seed'
        $s.ComputerName | Should -Be 'seed'
        $s.Name | Should -Be "ApSession$($s.Id)"
        $s.State | Should -Be 'Opened'
        $s.Kernel | Should -BeOfType ([VfioAp.Core.Simulation.SimulatedKernel])
        $s.RoundTrips | Should -Be 0
    }

    It 'takes the name in any case, and -Name and -ComputerName' {
        $s = New-ApSession -Simulation SEED -Name lab -ComputerName z1
        $s.Scenario | Should -Be 'seed'
        $s.Name | Should -Be 'lab'
        $s.ComputerName | Should -Be 'z1'
    }

    It 'completes the built-in scenario names with Tab' {
        $line = 'New-ApSession -Simulation la'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $expected = [VfioAp.Core.Simulation.ScenarioLibrary]::BuiltInNames | Where-Object { $_ -like 'la*' }
        $expected | Should -Not -BeNullOrEmpty
        @($names | Sort-Object) | Should -Be @($expected | Sort-Object)
        $line = 'New-ApSession -Simulation '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'seed'
    }

    It 'completes scenario file paths too' {
        $path = Write-ScenarioFile -Name 'completion-target' -Json '{ "cards": [] }'
        $line = "New-ApSession -Simulation $(Join-Path $TestDrive 'completion-ta')"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $path
    }

    It 'opens a scenario file relative to the current location' {
        $path = Write-ScenarioFile -Name 'lab-one' -Json '{ "cards": [ { "id": 5, "type": "CEX7C" } ], "hostConfig": { "domains": [ "0x35" ] } }'
        Push-Location $TestDrive
        try { $s = New-ApSession -Simulation ./lab-one.json }
        finally { Pop-Location }
        $s.Scenario | Should -Be $path
        $s.ComputerName | Should -Be 'lab-one'
        (Get-ApQueue -Session $s).Apqn.ToString() | Should -Be '05.0035'
    }

    It 'refuses an unknown scenario name and lists the known ones' {
        New-ApSession -Simulation no-such-host -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.UnknownScenario,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        foreach ($name in [VfioAp.Core.Simulation.ScenarioLibrary]::BuiltInNames) { $err[0].Exception.Message | Should -BeLike "*$name*" }
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-ApSession | Should -BeNullOrEmpty
    }

    It 'refuses a path to a scenario file that does not exist' {
        New-ApSession -Simulation (Join-Path $TestDrive 'missing.json') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ScenarioFileNotFound,*'
        $err[0].Exception.Errno | Should -Be 'ENOENT'
    }

    It 'refuses a malformed scenario file with the file, the line and what is wrong' -TestCases @(
        @{ Case = 'an unknown card type'; Line = 4; Entry = 'cards[0]'; Json = @'
{
  "name": "broken",
  "cards": [
    { "id": "0x04", "type": "CEX9Z" }
  ]
}
'@ }
        @{ Case = 'broken JSON'; Line = 3; Entry = $null; Json = @'
{
  "name": "broken",
  "cards": [ { "id": 4 "type": "CEX8C" } ]
}
'@ }
        @{ Case = 'an APQN in two mdevs (the kernel refuses it)'; Line = 0; Entry = 'mdevs[1]'; Json = @'
{
  "cards": [ { "id": 4, "type": "CEX8C" } ],
  "hostConfig": { "domains": [ 4 ] },
  "apmask": "-4",
  "mdevs": [
    { "uuid": "11111111-2222-3333-4444-555555555555", "adapters": [ 4 ], "domains": [ 4 ] },
    { "uuid": "66666666-7777-8888-9999-000000000000", "adapters": [ 4 ], "domains": [ 4 ] }
  ]
}
'@ }
    ) {
        $path = Write-ScenarioFile -Name 'broken' -Json $Json
        New-ApSession -Simulation $path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ScenarioInvalid,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Path | Should -Be $path
        $err[0].Exception.Message | Should -BeLike "*$path*"
        $inner = $err[0].Exception.InnerException
        $inner | Should -BeOfType ([VfioAp.Core.Simulation.ScenarioException])
        if ($Line) {
            $inner.Line | Should -Be $Line
            $err[0].Exception.Message | Should -BeLike "*($Line,*"
        }
        else {
            $inner.Line | Should -BeGreaterThan 0
        }
        if ($Entry) { $err[0].Exception.Message | Should -Match ([regex]::Escape($Entry)) }
        $inner.Problem | Should -Not -BeNullOrEmpty
    }
}

Describe 'New-ApSession -SysfsRoot' {
    AfterEach { Get-ApSession | Remove-ApSession }

    It 'refuses a directory that does not exist, naming it and the errno' {
        $missing = Join-Path $TestDrive 'no-such-tree'
        New-ApSession -SysfsRoot $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SysfsRootNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Path | Should -Be $missing
        $err[0].Exception.Errno | Should -Be 'ENOENT'
        $err[0].Exception.Message | Should -BeLike "*$missing*No such file or directory*"
        $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'refuses a directory without bus/ap' {
        $empty = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'empty-tree')
        New-ApSession -SysfsRoot $empty.FullName -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
        $err[0].Exception.Path | Should -Be (Join-Path $empty.FullName 'bus/ap')
    }
}

Describe 'This machine''s /sys' {
    BeforeAll {
        $script:HasApBus = Test-Path /sys/bus/ap
    }

    It 'says clearly that this host has no AP bus, for New-ApSession and for a cmdlet without -Session' {
        if ($HasApBus) { Set-ItResult -Skipped -Because 'this machine has an AP bus (an IBM Z host), so the no-AP-bus error cannot occur here' }
        New-ApSession -ErrorVariable err1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err1[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
        Get-ApQueue -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2.Count | Should -Be 1
        foreach ($e in $err1[0], $err2[0]) {
            $e.FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
            $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $e.Exception.Host | Should -Be ([Environment]::MachineName)
            $e.Exception.Path | Should -Be '/sys/bus/ap'
            $e.Exception.Errno | Should -Be 'ENOENT'
            $e.Exception.Message | Should -BeLike "*no AP bus*/sys/bus/ap*"
            $e.ErrorDetails.RecommendedAction | Should -BeLike '*New-ApSession -Simulation seed*'
        }
    }
}

Describe 'Get-ApSession and Remove-ApSession' {
    BeforeEach {
        $script:a = New-ApSession -Simulation seed -Name alpha
        $script:b = New-ApSession -Simulation seed -Name beta
    }
    AfterEach { Get-ApSession | Remove-ApSession }

    It 'lists the open sessions, by id and by name with wildcards' {
        @(Get-ApSession).Id | Should -Be @($a.Id, $b.Id)
        (Get-ApSession -Id $b.Id).Name | Should -Be 'beta'
        (Get-ApSession -Name AL*).Id | Should -Be $a.Id
        (Get-ApSession alpha).Id | Should -Be $a.Id
    }

    It 'says when no session has that id or name' {
        Get-ApSession -Id 999999 -ErrorVariable err -ErrorAction SilentlyContinue
        Get-ApSession -Name gamma -ErrorVariable +err -ErrorAction SilentlyContinue
        Get-ApSession -Name 'gam*' -ErrorVariable +err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 2
        $err.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'VfioAp.SessionNotFound,*' }
    }

    It 'removes sessions from the pipeline, closes them, and a closed session refuses work' {
        $a | Remove-ApSession
        $a.State | Should -Be 'Closed'
        @(Get-ApSession).Id | Should -Be @($b.Id)
        Get-ApQueue -Session $a -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SessionClosed,*'
    }

    It 'removes by id and by name, and -WhatIf removes nothing' {
        Remove-ApSession -Id $a.Id -WhatIf
        @(Get-ApSession).Count | Should -Be 2
        Remove-ApSession -Id $a.Id
        Remove-ApSession -Name be*
        Get-ApSession | Should -BeNullOrEmpty
        $b.State | Should -Be 'Closed'
    }

    It 'works by id, by name and from the pipeline while $PSDefaultParameterValues gives *-Ap* cmdlets a -Session, and never removes that default by itself' {
        $PSDefaultParameterValues['*-Ap*:Session'] = $b
        try {
            Remove-ApSession -Id $a.Id
            $a.State | Should -Be 'Closed'
            $b.State | Should -Be 'Opened'
            $c = New-ApSession -Simulation seed -Name gamma
            Get-ApSession -Name gamma | Remove-ApSession
            $c.State | Should -Be 'Closed'
            $b.State | Should -Be 'Opened'
            Remove-ApSession $b
            $b.State | Should -Be 'Closed'
        }
        finally { $PSDefaultParameterValues.Remove('*-Ap*:Session') }
    }
}
