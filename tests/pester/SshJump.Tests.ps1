# Jump hosts: a target sshd reachable only through a bastion sshd. Both run in a network namespace the test creates
# (sshcfg-<random>, only its loopback up, no address outside it): the target listens on 127.0.0.2 inside it, and
# the bastion is an inetd-style sshd (sshd -i) started inside it per connection by systemd-socket-activate listening
# on 127.0.0.1 of this machine. So the bastion's forwarding reaches the target and nothing else does.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:ns = 'sshcfg-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $null = Invoke-TestTool ip @('netns', 'add', $ns)
    $null = Invoke-TestTool ip @('-n', $ns, 'link', 'set', 'lo', 'up')
    $script:seed = Start-TestSimFs seed

    # Target: the test bed's files and config, restarted inside the namespace on 127.0.0.2.
    $script:target = Start-TestSshd
    Stop-TestSshdProcess $target
    (Get-Content $target.Config) -replace '^ListenAddress .*', 'ListenAddress 127.0.0.2' | Set-Content $target.Config
    $psi = [System.Diagnostics.ProcessStartInfo]::new('ip')
    foreach ($a in 'netns', 'exec', $ns, '/usr/sbin/sshd', '-D', '-f', $target.Config, '-E', $target.Log) { $psi.ArgumentList.Add($a) }
    $target.Process = [System.Diagnostics.Process]::Start($psi)
    for ($i = 0; $i -lt 150 -and -not ((Test-Path $target.Log) -and (Get-Content $target.Log -Raw) -match 'Server listening'); $i++) { Start-Sleep -Milliseconds 100 }

    # Bastion: sshd -i inside the namespace for each connection accepted on 127.0.0.1 here.
    $script:bastion = Start-TestSshd
    Stop-TestSshdProcess $bastion
    function script:Start-Bastion {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('systemd-socket-activate')
        foreach ($a in '-l', "127.0.0.1:$($bastion.Port)", '--inetd', '-a', 'ip', 'netns', 'exec', $ns, '/usr/sbin/sshd', '-i', '-f', $bastion.Config, '-E', $bastion.Log) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardError = $true
        $bastion.Process = [System.Diagnostics.Process]::Start($psi)
        $null = $bastion.Process.StandardError.ReadToEndAsync()
        for ($i = 0; $i -lt 100; $i++) {
            if ((& ss -Hltn "sport = :$($bastion.Port)") -match 'LISTEN') { return }
            Start-Sleep -Milliseconds 100
        }
        throw "systemd-socket-activate did not listen on 127.0.0.1:$($bastion.Port)"
    }
    Start-Bastion
    # One client key logs into both; one known_hosts holds both host keys, each under its own name and port.
    Add-Content (Join-Path $target.Dir 'authorized_keys') (Get-Content "$($bastion.ClientKey).pub" -Raw).Trim()
    $script:key = $bastion.ClientKey
    $script:kh = Join-Path $TestDrive 'known_hosts'
    $bt, $bk = (Get-Content "$($bastion.HostKey).pub" -Raw).Split(' ')[0, 1]
    $tt, $tk = (Get-Content "$($target.HostKey).pub" -Raw).Split(' ')[0, 1]
    Set-Content $kh @("[127.0.0.1]:$($bastion.Port) $bt $bk", "[127.0.0.2]:$($target.Port) $tt $tk")

    # A host outside the namespace, for the fan-out.
    $script:direct = Start-TestSshd
    Add-TestSshdHostKey $direct
    Add-Content (Join-Path $direct.Dir 'authorized_keys') (Get-Content "$($bastion.ClientKey).pub" -Raw).Trim()
    Add-Content $kh (Get-Content $direct.KnownHosts)

    $script:cfg = Join-Path $TestDrive 'ssh_config'
    Set-Content $cfg @(
        'Host bastion'
        '    HostName 127.0.0.1'
        "    Port $($bastion.Port)"
        'Host behind behind2'
        '    HostName 127.0.0.2'
        "    Port $($target.Port)"
        '    ProxyJump bastion'
        'Host nowhere'
        '    HostName 127.0.0.3'
        "    Port $($target.Port)"
        '    ProxyJump bastion'
        'Host direct'
        '    HostName 127.0.0.1'
        "    Port $($direct.Port)"
        'Host *'
        '    User root'
        "    IdentityFile $key"
        "    UserKnownHostsFile $kh"
    )
    $script:expected = @(Get-ApQueue -Session (New-ApSession -Simulation seed -ComputerName behind) | ConvertTo-Comparable)
    function script:Count([string] $Pattern, $Bed) {
        $fs = [System.IO.FileStream]::new($Bed.Log, 'Open', 'Read', 'ReadWrite')
        try { ([regex]::Matches([System.IO.StreamReader]::new($fs).ReadToEnd(), $Pattern)).Count } finally { $fs.Dispose() }
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    if ($bastion -and $bastion.Process -and -not $bastion.Process.HasExited) { $bastion.Process.Kill($true); $null = $bastion.Process.WaitForExit(5000) }
    Stop-TestSshd $bastion
    Stop-TestSshd $target
    Stop-TestSshd $direct
    Stop-TestSimFs $seed
    if ($ns) { & ip netns del $ns }
}

Describe 'Jump hosts' -Tag Ssh, Fuse, Slow {
    It 'cannot reach the target without the bastion' {
        $null = New-ApSession -HostName 127.0.0.2 -Port $target.Port -UserName root -KeyFile $key -KnownHostsFile $kh -SshConfigFile none -SysfsRoot $seed.Root -ConnectTimeout 5 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshConnectFailed,*'
    }

    It 'reads the target through -JumpHost user@bastion:port, one remote command per read-only cmdlet on the target' {
        $s = New-ApSession -HostName 127.0.0.2 -Port $target.Port -UserName root -KeyFile $key -KnownHostsFile $kh -SshConfigFile none -SysfsRoot $seed.Root -JumpHost "root@127.0.0.1:$($bastion.Port)"
        $s.ComputerName | Should -Be "127.0.0.2:$($target.Port)"
        foreach ($cmd in 'Get-ApQueue', 'Get-VfioApMdev', 'Get-VfioApApcb') {
            $before = Count 'Starting session: command' $target
            $out = @(& $cmd -Session $s)
            (Count 'Starting session: command' $target) - $before | Should -Be 1 -Because "$cmd is one remote command"
            if ($cmd -eq 'Get-ApQueue') { @($out | ConvertTo-Comparable -WarningAction SilentlyContinue).Count | Should -Be $expected.Count }
        }
        # The bastion ran no command: it only forwarded.
        Count 'Starting session: command' $bastion | Should -Be 0
        Remove-ApSession $s
    }

    It 'reads the target through the config''s ProxyJump, and sessions through one bastion share its connection' {
        $before = Count 'Accepted publickey' $bastion
        # Opened in parallel by one call, both through the same bastion.
        $a, $b = New-ApSession -HostName behind, behind2 -SshConfigFile $cfg -SysfsRoot $seed.Root
        $a.ComputerName | Should -Be 'behind'
        $b.ComputerName | Should -Be 'behind2'
        @(Get-ApQueue -Session $a | ConvertTo-Comparable) | Should -Be $expected
        @(Get-ApQueue -Session $b).Count | Should -Be $expected.Count
        (Count 'Accepted publickey' $bastion) - $before | Should -Be 1
        (Count 'Accepted publickey' $target) | Should -BeGreaterOrEqual 2
        Remove-ApSession $a, $b
    }

    It 'names the bastion when it cannot reach the target' {
        $null = New-ApSession -HostName nowhere -SshConfigFile $cfg -SysfsRoot $seed.Root -ConnectTimeout 5 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshJumpFailed,*'
        $err[0].Exception.Message | Should -BeLike "Jump host bastion (hop 1 of 1 to nowhere): could not reach 127.0.0.3:$($target.Port)*"
    }

    It 'refuses a changed bastion host key with VfioAp.SshJumpFailed naming the bastion' {
        $saved = Join-Path $TestDrive 'bastion_key_saved'
        Copy-Item $bastion.HostKey $saved
        Copy-Item "$($bastion.HostKey).pub" "$saved.pub"
        try {
            Remove-Item $bastion.HostKey, "$($bastion.HostKey).pub"
            $null = Invoke-TestTool ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-f', $bastion.HostKey)
            $new = Get-TestSshdFingerprint $bastion
            $null = New-ApSession -HostName behind -SshConfigFile $cfg -SysfsRoot $seed.Root -AcceptNewHostKey -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshJumpFailed,*'
            $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $err[0].Exception.Message | Should -BeLike "Jump host bastion (hop 1 of 1 to behind)*REMOTE HOST IDENTIFICATION HAS CHANGED*$new*"
        }
        finally {
            Copy-Item $saved $bastion.HostKey -Force
            Copy-Item "$saved.pub" "$($bastion.HostKey).pub" -Force
        }
        $s = New-ApSession -HostName behind -SshConfigFile $cfg -SysfsRoot $seed.Root
        $s | Should -Not -BeNullOrEmpty
        Remove-ApSession $s
    }

    It 'with the bastion stopped, gives VfioAp.SshJumpFailed naming it while another host of the same fan-out answers' {
        $bastion.Process.Kill($true)
        $null = $bastion.Process.WaitForExit(5000)
        try {
            $sessions = @(New-ApSession -HostName behind, direct -SshConfigFile $cfg -SysfsRoot $seed.Root -ConnectTimeout 5 -ErrorVariable err -ErrorAction SilentlyContinue)
            $sessions.Count | Should -Be 1
            $sessions[0].ComputerName | Should -Be 'direct'
            @(Get-ApQueue -Session $sessions[0]).Count | Should -Be $expected.Count
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshJumpFailed,*'
            $err[0].Exception.Message | Should -BeLike 'Jump host bastion (hop 1 of 1 to behind): Cannot connect to bastion*'
            $err[0].Exception.InnerException.JumpHost | Should -Be 'bastion'
            $sessions | Remove-ApSession
        }
        finally { Start-Bastion }
    }
}
