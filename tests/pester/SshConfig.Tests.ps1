# New-ApSession -HostName with the admin's own SSH setup: a temporary HOME holding .ssh/config and known_hosts, and a
# real ssh-agent started by the test; the sshd test bed serves the seed scenario on a SimFs (FUSE) mount.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:bed = Start-TestSshd
    $script:seed = Start-TestSimFs seed
    $script:savedHome = $env:HOME
    $script:savedSock = $env:SSH_AUTH_SOCK
    $env:SSH_AUTH_SOCK = $null
    $script:fakeHome = Join-Path $TestDrive 'home'
    $null = New-Item -ItemType Directory (Join-Path $fakeHome '.ssh/conf.d'), (Join-Path $fakeHome 'keys')
    Copy-Item $bed.ClientKey, "$($bed.ClientKey).pub" (Join-Path $fakeHome 'keys')
    $script:closedPort = Get-FreeTcpPort
    $type, $key = (Get-Content "$($bed.HostKey).pub" -Raw).Split(' ')[0, 1]
    # The host key sits in a second known_hosts file, so UserKnownHostsFile with two files is what makes it known.
    Set-Content (Join-Path $fakeHome '.ssh/known_hosts.lab') "[127.0.0.1]:$($bed.Port) $type $key"
    Set-Content (Join-Path $fakeHome '.ssh/known_hosts') ''
    $script:configLines = @(
        '# written by SshConfig.Tests.ps1; Include at the top: inside a Host block it would only apply to that block'
        'Include conf.d/*.conf'
        'Host zlpar1'
        '    HostName 127.0.0.1'
        "    Port $($bed.Port)"
        '    User root'
        '    IdentityFile ~/keys/client_ed25519'
        '    UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts.lab'
        'Host zwrong'
        '    HostName=127.0.0.1'
        "    Port = $closedPort"
        '    User nobody'
        '    IdentityFile "~/keys/client_ed25519"'
        '    UserKnownHostsFile ~/.ssh/known_hosts.lab'
        'Host *.lab !bad.lab'
        '    HostName 127.0.0.1'
        "    Port $($bed.Port)"
        '    User root'
        '    IdentityFile %d/keys/client_ed25519'
        '    UserKnownHostsFile ~/.ssh/known_hosts.lab'
        'Host bad.lab'
        '    HostName 127.0.0.1'
        "    Port $closedPort"
        '    User root'
        '    IdentityFile ~/keys/client_ed25519'
        '    UserKnownHostsFile ~/.ssh/known_hosts.lab'
        'Match host zlpar1 exec "true"'
        "    Port $closedPort"
        'Host nocheck'
        '    HostName 127.0.0.1'
        '    StrictHostKeyChecking no'
        'Host agenthost'
        '    HostName 127.0.0.1'
        "    Port $($bed.Port)"
        '    User root'
        '    UserKnownHostsFile ~/.ssh/known_hosts.lab'
    )
    Set-Content (Join-Path $fakeHome '.ssh/config') $configLines
    Set-Content (Join-Path $fakeHome '.ssh/conf.d/inc.conf') @(
        'Host inc1'
        '    HostName 127.0.0.1'
        "    Port $($bed.Port)"
        '    User root'
        '    IdentityFile ~/keys/client_ed25519'
        '    UserKnownHostsFile ~/.ssh/known_hosts.lab'
    )
    $script:matchLine = [array]::IndexOf($configLines, 'Match host zlpar1 exec "true"') + 1
    $env:HOME = $fakeHome
    $script:expected = @(Get-ApQueue -Session (New-ApSession -Simulation seed -ComputerName zlpar1) | ConvertTo-Comparable)

    function script:Open {
        # An advanced function, so -ErrorVariable/-WarningVariable on it see New-ApSession's records.
        [CmdletBinding()]
        param([Parameter(Mandatory, Position = 0)] [string] $HostName, [hashtable] $Extra = @{})
        New-ApSession -HostName $HostName -SysfsRoot $seed.Root @Extra
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    $env:HOME = $savedHome
    $env:SSH_AUTH_SOCK = $savedSock
    Stop-TestSimFs $seed
    Stop-TestSshd $bed
}

Describe 'ssh_config aliases' -Tag Ssh, Fuse {
    It 'reads the seed host through the alias zlpar1 (HostName, Port, User, IdentityFile, two UserKnownHostsFile)' {
        $s = Open zlpar1 -WarningVariable 'w' -WarningAction 'SilentlyContinue'
        $s.Kind | Should -Be 'Ssh'
        $s.ComputerName | Should -Be 'zlpar1'
        @(Get-ApQueue -Session $s | ConvertTo-Comparable) | Should -Be $expected
        Remove-ApSession $s
    }

    It 'skips the Match block with one warning that names its file and line' {
        $s = Open zlpar1 -WarningVariable 'w' -WarningAction 'SilentlyContinue'
        $s | Should -Not -BeNullOrEmpty   # the Match block's Port would have broken the connection
        @($w).Count | Should -Be 1
        "$($w[0])" | Should -BeLike "*$(Join-Path $fakeHome '.ssh/config'):$($matchLine):*Match*"
        Remove-ApSession $s
    }

    It 'lets explicit -Port and -UserName win over the config' {
        # zwrong's Port is closed and its User is nobody: only the explicit values can log in.
        $s = Open zwrong -Extra @{ Port = $bed.Port; UserName = 'root' } -WarningAction 'SilentlyContinue'
        $s.ComputerName | Should -Be 'zwrong'
        @(Get-ApQueue -Session $s).Count | Should -Be ($expected.Count)
        Remove-ApSession $s
        $null = Open zlpar1 -Extra @{ Port = $closedPort; ConnectTimeout = 5 } -ErrorVariable 'err' -ErrorAction 'SilentlyContinue' -WarningAction 'SilentlyContinue'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshConnectFailed,*'
        $err[0].Exception.Message | Should -BeLike "*port $closedPort*"
    }

    It 'picks the block of Host *.lab !bad.lab for db1.lab and not for bad.lab' {
        $s = Open db1.lab -WarningAction 'SilentlyContinue'
        $s.ComputerName | Should -Be 'db1.lab'
        @(Get-ApQueue -Session $s | ConvertTo-Comparable).Count | Should -Be $expected.Count
        Remove-ApSession $s
        $null = Open bad.lab -Extra @{ ConnectTimeout = 5 } -ErrorVariable 'err' -ErrorAction 'SilentlyContinue' -WarningAction 'SilentlyContinue'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshConnectFailed,*'
        $err[0].Exception.Message | Should -BeLike "*bad.lab*port $closedPort*"
    }

    It 'reads a host from an Included file (relative to ~/.ssh, with a glob)' {
        $s = Open inc1 -WarningAction 'SilentlyContinue'
        $s.ComputerName | Should -Be 'inc1'
        Remove-ApSession $s
    }

    It 'refuses StrictHostKeyChecking no with VfioAp.SshHostKeyCheckingDisabled and connects nowhere' {
        $null = Open nocheck -ErrorVariable 'err' -ErrorAction 'SilentlyContinue' -WarningAction 'SilentlyContinue'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshHostKeyCheckingDisabled,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'reads -SshConfigFile instead of ~/.ssh/config, and StrictHostKeyChecking accept-new records the key' {
        $file = Join-Path $TestDrive 'other_config'
        $kh = Join-Path $TestDrive 'accept_new_known_hosts'
        Set-Content $file @('Host other', '  HostName 127.0.0.1', "  Port $($bed.Port)", '  User root', "  IdentityFile $($bed.ClientKey)", "  UserKnownHostsFile $kh", '  StrictHostKeyChecking accept-new')
        $s = Open other -Extra @{ SshConfigFile = $file }
        $s.ComputerName | Should -Be 'other'
        (Get-Content $kh -Raw) | Should -BeLike "*$((Get-Content "$($bed.HostKey).pub" -Raw).Split(' ')[1])*"
        Remove-ApSession $s
        $null = Open zlpar1 -Extra @{ SshConfigFile = $file; ConnectTimeout = 5 } -ErrorVariable 'err' -ErrorAction 'SilentlyContinue'
        $err.Count | Should -Be 1   # zlpar1 is not in that file: port 22 of a host named zlpar1, which does not resolve
    }
}

Describe 'ssh-agent' -Tag Ssh, Fuse {
    BeforeAll {
        $script:agentDir = Join-Path $TestDrive 'agent'
        $null = New-Item -ItemType Directory $agentDir
        function script:Start-TestAgent {
            $sock = Join-Path $agentDir ('a' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.sock')
            $psi = [System.Diagnostics.ProcessStartInfo]::new('ssh-agent')
            foreach ($a in '-D', '-a', $sock) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $p = [System.Diagnostics.Process]::Start($psi)
            $null = $p.StandardOutput.ReadToEndAsync()
            for ($i = 0; $i -lt 100 -and -not (Test-Path $sock); $i++) { Start-Sleep -Milliseconds 50 }
            [pscustomobject]@{ Socket = $sock; Process = $p }
        }
        function script:Stop-TestAgent($Agent) {
            if ($Agent -and -not $Agent.Process.HasExited) { $Agent.Process.Kill(); $null = $Agent.Process.WaitForExit(5000) }
        }
        function script:Add-AgentKey($Agent, [string] $KeyFile) {
            $psi = [System.Diagnostics.ProcessStartInfo]::new('ssh-add')
            $psi.ArgumentList.Add($KeyFile)
            $psi.Environment['SSH_AUTH_SOCK'] = $Agent.Socket
            $psi.RedirectStandardError = $true
            $p = [System.Diagnostics.Process]::Start($psi)
            $err = $p.StandardError.ReadToEnd()
            $p.WaitForExit()
            if ($p.ExitCode -ne 0) { throw "ssh-add $KeyFile failed: $err" }
        }
        # Keys of each kind the agent must sign with; their public halves are authorized on the test sshd.
        $script:agentKeys = foreach ($t in @(@('ed25519'), @('ecdsa', '-b', '256'), @('rsa', '-b', '3072'))) {
            $f = Join-Path $agentDir "key_$($t[0])"
            $null = Invoke-TestTool ssh-keygen (@('-q', '-t') + $t + @('-N', '', '-f', $f))
            Add-Content (Join-Path $bed.Dir 'authorized_keys') (Get-Content "$f.pub" -Raw).Trim()
            [pscustomobject]@{ Type = $t[0]; File = $f; Fingerprint = (Invoke-TestTool ssh-keygen @('-l', '-f', "$f.pub")).Split(' ')[1] }
        }
    }
    AfterEach { $env:SSH_AUTH_SOCK = $null }

    It 'logs in with the agent''s <_> key (sshd logs its fingerprint); the key file is not readable by the module' -ForEach 'ed25519', 'ecdsa', 'rsa' {
        $k = $agentKeys | Where-Object Type -EQ $_
        $agent = Start-TestAgent
        try {
            Add-AgentKey $agent $k.File
            # The private key leaves the disk once ssh-add has it: the module can only have signed through the agent.
            Rename-Item $k.File "$($k.File).moved"
            $env:SSH_AUTH_SOCK = $agent.Socket
            $s = Open agenthost -WarningAction 'SilentlyContinue'
            $s.ComputerName | Should -Be 'agenthost'
            @(Get-ApQueue -Session $s | ConvertTo-Comparable).Count | Should -Be $expected.Count
            Remove-ApSession $s
            $log = Get-Content $bed.Log -Raw
            $log | Should -Match ([regex]::Escape("Accepted publickey for root from 127.0.0.1") + '.*' + [regex]::Escape($k.Fingerprint))
        }
        finally {
            if (Test-Path "$($k.File).moved") { Rename-Item "$($k.File).moved" $k.File }
            Stop-TestAgent $agent
        }
    }

    It 'with the agent stopped, fails with VfioAp.SshAuthenticationFailed that names the agent' {
        $agent = Start-TestAgent
        Add-AgentKey $agent ($agentKeys[0].File)
        Stop-TestAgent $agent
        $env:SSH_AUTH_SOCK = $agent.Socket
        $null = Open agenthost -ErrorVariable 'err' -ErrorAction 'SilentlyContinue' -WarningAction 'SilentlyContinue'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshAuthenticationFailed,*'
        $err[0].Exception.Message | Should -BeLike "*SSH agent at $($agent.Socket)*"
        $err[0].Exception.Message | Should -BeLike '*ssh-agent*'
    }

    It 'with IdentitiesOnly, uses only the agent key that matches the IdentityFile' {
        $agent = Start-TestAgent
        try {
            $other = Join-Path $agentDir 'unauthorized'
            $null = Invoke-TestTool ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-f', $other)
            Add-AgentKey $agent $agentKeys[0].File
            $file = Join-Path $TestDrive 'only_config'
            Set-Content $file @('Host only', '  HostName 127.0.0.1', "  Port $($bed.Port)", '  User root', "  IdentityFile $other.pub", '  IdentitiesOnly yes', "  UserKnownHostsFile $(Join-Path $fakeHome '.ssh/known_hosts.lab')")
            $env:SSH_AUTH_SOCK = $agent.Socket
            $null = Open only -Extra @{ SshConfigFile = $file } -ErrorVariable 'err' -ErrorAction 'SilentlyContinue'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshAuthenticationFailed,*'
            $err[0].Exception.Message | Should -BeLike '*IdentitiesOnly*'
            # Without IdentitiesOnly the same agent key logs in.
            Set-Content $file @('Host only', '  HostName 127.0.0.1', "  Port $($bed.Port)", '  User root', "  IdentityFile $other.pub", "  UserKnownHostsFile $(Join-Path $fakeHome '.ssh/known_hosts.lab')")
            $s = Open only -Extra @{ SshConfigFile = $file }
            $s.Kind | Should -Be 'Ssh'
            Remove-ApSession $s
        }
        finally { Stop-TestAgent $agent }
    }
}
