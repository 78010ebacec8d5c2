# Tab completion of -Session (the open sessions by name) and -Mdev (the UUIDs of mdevs in snapshots cmdlets already
# read). Completing must never read a host: each test checks the session's round-trip counter around TabExpansion2.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches }
}

Describe 'Argument completion' {
    BeforeEach {
        $script:name = 'completion-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $global:VfioApCompletionSession = $script:s = New-ApSession -Simulation seed -Name $name
    }
    AfterEach {
        Remove-ApSession -InputObject $s -ErrorAction SilentlyContinue
        Remove-Variable -Name VfioApCompletionSession -Scope Global -ErrorAction SilentlyContinue
    }

    It '-Session completes the open sessions by name, as an expression that yields the session' {
        $before = $s.RoundTrips
        $matches = @(Complete "Get-ApQueue -Session $($name.Substring(0, 12))")
        $mine = @($matches | Where-Object ListItemText -eq $name)
        $mine.Count | Should -Be 1
        $mine[0].CompletionText | Should -Be "(Get-ApSession -Id $($s.Id))"
        # The completion text, run, is the session.
        (Invoke-Expression $mine[0].CompletionText) | Should -Be $s
        $s.RoundTrips | Should -Be $before
    }

    It '-Session does not offer a removed session' {
        Remove-ApSession -InputObject $s
        @(Complete "Get-ApQueue -Session $name" | Where-Object ListItemText -eq $name) | Should -BeNullOrEmpty
    }

    It '-Mdev completes nothing of a session no cmdlet has read, and does not read it' {
        $before = $s.RoundTrips
        @(Complete 'Get-VfioApApcb -Session $VfioApCompletionSession -Mdev ' | Where-Object CompletionText -eq $SeedUuid.ToString()) | Should -BeNullOrEmpty
        $s.RoundTrips | Should -Be $before
    }

    It '-Mdev completes the UUIDs of the last read, with no round trip of its own (<Command>)' -ForEach @(
        @{ Command = 'Set-VfioApMatrix' }, @{ Command = 'Get-VfioApApcb' }, @{ Command = 'Remove-VfioApMdev' }, @{ Command = 'Export-VfioApMdev' }
    ) {
        Get-VfioApMdev -Session $s | Out-Null
        $before = $s.RoundTrips
        $matches = @(Complete "$Command -Session `$VfioApCompletionSession -Mdev 6217")
        $matches.CompletionText | Should -Contain $SeedUuid.ToString()
        $s.RoundTrips | Should -Be $before
    }

    It '-Mdev follows the last read: an mdev removed since no longer completes' {
        $u = [guid]'0b1c2d3e-0000-4000-8000-00000000c0de'
        New-VfioApMdev -Session $s -Uuid $u -Confirm:$false | Out-Null
        Get-VfioApMdev -Session $s | Out-Null
        (Complete 'Test-VfioApApcb -Session $VfioApCompletionSession -Mdev 0b1c').CompletionText | Should -Contain $u.ToString()
        Remove-VfioApMdev -Session $s -Mdev $u -Confirm:$false
        Get-VfioApMdev -Session $s | Out-Null
        $before = $s.RoundTrips
        @(Complete 'Test-VfioApApcb -Session $VfioApCompletionSession -Mdev 0b1c' | Where-Object CompletionText -eq $u.ToString()) | Should -BeNullOrEmpty
        $s.RoundTrips | Should -Be $before
    }
}
