# New-ApSession -HostName against a real sshd serving SimFs (FUSE) mounts of scenarios: host keys, the same objects
# as the scenario in memory, one remote command per read-only cmdlet (counted in sshd's log), fan-out with a host down.
BeforeDiscovery {
    $script:SmallScenarios = 'seed', 'kernel-doc', 'over-provisioned' | ForEach-Object { @{ Scenario = $_ } }
    $script:ReadOnly = 'Get-ApQueue', 'Get-VfioApMdev', 'Get-VfioApApcb' | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:bed = Start-TestSshd
    $script:mounts = @{}
    function script:MountOf([string] $Scenario) {
        if (-not $mounts[$Scenario]) { $mounts[$Scenario] = Start-TestSimFs $Scenario }
        $mounts[$Scenario]
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    foreach ($m in $mounts.Values) { Stop-TestSimFs $m }
    Stop-TestSshd $bed
}

Describe 'Host keys' -Tag Ssh, Fuse {
    It 'refuses an unknown host key with its SHA256 fingerprint and says how to accept it' {
        $s = New-TestSshSession $bed -SysfsRoot (MountOf seed).Root -ErrorVariable err -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshHostKeyUnknown,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $err[0].Exception.Message | Should -BeLike "*$(Get-TestSshdFingerprint $bed)*"
        $err[0].Exception.Message | Should -BeLike '*-AcceptNewHostKey*'
        $err[0].Exception.Host | Should -Be "127.0.0.1:$($bed.Port)"
        (Get-Content $bed.KnownHosts -Raw) | Should -BeNullOrEmpty
    }

    It 'accepts it with -AcceptNewHostKey and records it where ssh-keygen -F finds it' {
        $s = New-TestSshSession $bed -SysfsRoot (MountOf seed).Root -Extra @{ AcceptNewHostKey = $true }
        $s.Kind | Should -Be 'Ssh'
        $s.ComputerName | Should -Be "127.0.0.1:$($bed.Port)"
        $s.SysfsRoot | Should -Be (MountOf seed).Root
        $found = Invoke-TestTool ssh-keygen @('-F', "[127.0.0.1]:$($bed.Port)", '-f', $bed.KnownHosts)
        $found | Should -BeLike "*$((Get-Content "$($bed.HostKey).pub" -Raw).Split(' ')[1])*"
        Remove-ApSession $s
    }

    It 'refuses a changed host key loudly, even with -AcceptNewHostKey' {
        # A second sshd whose key changes under a recorded entry: a reinstalled host or a man in the middle.
        $other = Start-TestSshd
        try {
            Add-TestSshdHostKey $other
            $old = Get-TestSshdFingerprint $other
            Stop-TestSshdProcess $other
            Remove-Item $other.HostKey, "$($other.HostKey).pub"
            $null = Invoke-TestTool ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-f', $other.HostKey)
            Start-TestSshdProcess $other
            $new = Get-TestSshdFingerprint $other
            $s = New-TestSshSession $other -SysfsRoot (MountOf seed).Root -Extra @{ AcceptNewHostKey = $true } -ErrorVariable err -ErrorAction SilentlyContinue
            $s | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshHostKeyChanged,*'
            $err[0].Exception.Message | Should -BeLike "*$old*"
            $err[0].Exception.Message | Should -BeLike "*$new*"
            $err[0].Exception.Message | Should -BeLike '*man-in-the-middle*'
        }
        finally { Stop-TestSshd $other }
    }

    It 'reports a port without sshd as one VfioAp.SshConnectFailed error within the timeout' {
        $closed = [pscustomobject]@{ Port = Get-FreeTcpPort; ClientKey = $bed.ClientKey; KnownHosts = $bed.KnownHosts }
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $s = New-TestSshSession $closed -Extra @{ ConnectTimeout = 5 } -ErrorVariable err -ErrorAction SilentlyContinue
        $t = $sw.Elapsed
        $s | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshConnectFailed,*'
        $t.TotalSeconds | Should -BeLessThan 15
    }

    It 'says there is no AP bus when -SysfsRoot on the host is not a sysfs tree' {
        $s = New-TestSshSession $bed -SysfsRoot /var/empty-vfioap -ErrorVariable err -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.NoApBus,*'
        $err[0].Exception.Path | Should -Be '/var/empty-vfioap/bus/ap'
    }
}

Describe 'Cmdlets over SSH give what the same scenario gives in memory (<Scenario>)' -ForEach $SmallScenarios -Tag Ssh, Fuse {
    BeforeAll {
        Confirm-TestSshdHostKey $bed
        $script:remote = New-TestSshSession $bed -SysfsRoot (MountOf $Scenario).Root -Extra @{ ComputerName = "z-$Scenario" }
        $script:memory = New-ApSession -Simulation $Scenario -ComputerName "z-$Scenario"
    }
    AfterAll { Remove-ApSession $remote, $memory }

    It '<_> returns the same objects in one remote command' -ForEach 'Get-ApQueue', 'Get-ApCard', 'Get-ApBusConfig', 'Get-VfioApMdev', 'Get-VfioApApcb', 'Test-VfioApApcb' {
        $before = Get-TestSshdCommandCount $bed
        $overSsh = @(& $_ -Session $remote)
        (Get-TestSshdCommandCount $bed) - $before | Should -Be 1
        $inMemory = @(& $_ -Session $memory)
        @($overSsh | ConvertTo-Comparable) | Should -Be @($inMemory | ConvertTo-Comparable)
        $overSsh | ForEach-Object { $_.Session | Should -Be $remote }
    }
}

Describe 'One remote command per read-only cmdlet on large hosts (<Scenario>)' -ForEach @(@{ Scenario = 'large-60x85' }, @{ Scenario = 'large-256x256' }) -Tag Ssh, Fuse, Slow {
    BeforeAll {
        Confirm-TestSshdHostKey $bed
        $script:remote = New-TestSshSession $bed -SysfsRoot (MountOf $Scenario).Root -Extra @{ ComputerName = "z-$Scenario"; CommandTimeout = 1800 }
        $script:memory = New-ApSession -Simulation $Scenario -ComputerName "z-$Scenario"
    }
    AfterAll {
        Remove-ApSession $remote, $memory
        Stop-TestSimFs $mounts[$Scenario]
        $mounts.Remove($Scenario)
    }

    It '<Name> is one remote command and equals the simulation' -ForEach $ReadOnly {
        $before = Get-TestSshdCommandCount $bed
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $overSsh = @(& $Name -Session $remote)
        $t = $sw.Elapsed
        (Get-TestSshdCommandCount $bed) - $before | Should -Be 1
        Write-Host "    $Name over SSH on $Scenario (SimFs): $([math]::Round($t.TotalSeconds, 1)) s, $($overSsh.Count) objects"
        $inMemory = @(& $Name -Session $memory)
        $overSsh.Count | Should -Be $inMemory.Count
        @($overSsh | ConvertTo-Comparable) | Should -Be @($inMemory | ConvertTo-Comparable)
    }
}

Describe 'Fan-out over three SSH hosts with one down' -Tag Ssh, Fuse {
    BeforeAll {
        $script:beds = @(Start-TestSshd; Start-TestSshd; Start-TestSshd)
        $script:names = 'fan-seed', 'fan-kdoc', 'fan-over'
        $script:scen = 'seed', 'kernel-doc', 'over-provisioned'
        $script:fan = for ($i = 0; $i -lt 3; $i++) {
            Add-TestSshdHostKey $beds[$i]
            New-TestSshSession $beds[$i] -SysfsRoot (MountOf $scen[$i]).Root -Extra @{ ComputerName = $names[$i]; ConnectTimeout = 5 }
        }
    }
    AfterAll {
        $fan | Remove-ApSession
        foreach ($b in $beds) { Stop-TestSshd $b }
    }

    It 'delivers the live hosts'' objects and one error record for the host that is down' {
        @($fan).Count | Should -Be 3
        # The middle host goes down after its session was opened.
        Stop-TestSshdProcess $beds[1]
        $out = Get-ApQueue -Session $fan -ErrorVariable err -ErrorAction SilentlyContinue
        @($out.ComputerName | Select-Object -Unique | Sort-Object) | Should -Be @('fan-over', 'fan-seed')
        foreach ($i in 0, 2) {
            $expected = @(Get-ApQueue -Session (New-ApSession -Simulation $scen[$i] -ComputerName $names[$i]) | ConvertTo-Comparable)
            @($out | Where-Object ComputerName -eq $names[$i] | ConvertTo-Comparable) | Should -Be $expected
        }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Match '^VfioAp\.Ssh(ConnectFailed|ConnectionLost),'
        $err[0].TargetObject | Should -Be $fan[1]
        $err[0].Exception.Host | Should -Be 'fan-kdoc'
    }
}

Describe 'Remove-ApSession' -Tag Ssh, Fuse {
    It 'closes the SSH connection' {
        Confirm-TestSshdHostKey $bed
        $s = New-TestSshSession $bed -SysfsRoot (MountOf seed).Root
        $null = Get-ApQueue -Session $s
        $log = { [regex]::Matches([System.IO.File]::ReadAllText($bed.Log), 'Received disconnect from 127\.0\.0\.1|Disconnected from user root 127\.0\.0\.1').Count }
        $before = & $log
        Remove-ApSession $s
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((& $log) -eq $before -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (& $log) | Should -BeGreaterThan $before
        $s.State | Should -Be 'Closed'
    }
}

Describe 'Set-VfioApMatrix over SSH changes the SimFs host as it changes the scenario in memory' -Tag Ssh, Fuse {
    BeforeAll {
        # A mount of its own: the writes must not reach the mounts other tests compare.
        Confirm-TestSshdHostKey $bed
        $script:writeMount = Start-TestSimFs seed
        $script:remote = New-TestSshSession $bed -SysfsRoot $writeMount.Root -Extra @{ ComputerName = 'lpar' }
        $script:memory = New-ApSession -Simulation seed -ComputerName lpar
    }
    AfterAll {
        Remove-ApSession $remote, $memory
        Stop-TestSimFs $writeMount
    }

    It '<Title>: same result, same errors and one remote command per round trip' -ForEach @(
        @{ Title = 'add adapter 6'; Change = @{ Adapter = 6 } }
        @{ Title = 'add domains 0x10 and 0x11 and control domain 0x10'; Change = @{ Domain = 0x10, 0x11; ControlDomain = 0x10 } }
        @{ Title = 'remove adapter 4'; Change = @{ Adapter = 4; Remove = $true } }
        @{ Title = 'replace the adapters with 5..7'; Change = @{ Adapter = 5..7; Replace = $true } }
        @{ Title = 'the same change again (nothing to write)'; Change = @{ Adapter = 5..7; Replace = $true } }
    ) {
        $before = Get-TestSshdCommandCount $bed
        $tripsBefore = $memory.RoundTrips
        $overSsh = @(Set-VfioApMatrix -Session $remote -Mdev $SeedUuid @Change -PassThru -ErrorVariable sshErr -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $commands = (Get-TestSshdCommandCount $bed) - $before
        $inMemory = @(Set-VfioApMatrix -Session $memory -Mdev $SeedUuid @Change -PassThru -ErrorVariable memErr -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        # Each round trip of the in-memory host (a snapshot, a plan with its read-back) is one remote command over SSH.
        $commands | Should -Be ($memory.RoundTrips - $tripsBefore)
        @($overSsh | ConvertTo-Comparable) | Should -Be @($inMemory | ConvertTo-Comparable)
        @($sshErr | ForEach-Object FullyQualifiedErrorId) | Should -Be @($memErr | ForEach-Object FullyQualifiedErrorId)
        @(Get-VfioApMdev -Session $remote | ConvertTo-Comparable) | Should -Be @(Get-VfioApMdev -Session $memory | ConvertTo-Comparable)
        @(Get-VfioApApcb -Session $remote | ConvertTo-Comparable) | Should -Be @(Get-VfioApApcb -Session $memory | ConvertTo-Comparable)
    }
}
