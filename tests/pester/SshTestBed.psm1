# The SSH test bed for Pester, imported by the files that use sshd or SimFs (their Describes carry the tags Ssh and
# Fuse) and by the benchmarks in tests/VfioAp.Benchmarks:
#     Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
# OpenSSH's sshd on 127.0.0.1 with generated keys and its own config (key login only, LogLevel VERBOSE to a log file),
# and SimFs (FUSE) mounts of scenarios for it to serve. Everything is started by the tests and stopped in AfterAll,
# and every process is ended by its own id.

# A module's functions do not inherit the caller's preferences: the runner (Invoke-VfioApPester.ps1) stops on any
# error, and so do these helpers, as they did when the test files dot-sourced them.
$ErrorActionPreference = 'Stop'

# Where the SimFs build lives: this file is tests/pester/SshTestBed.psm1.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Invoke-TestTool {
    <# Runs a program and returns its stdout; throws with its stderr when it fails. #>
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments = @())
    $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $p = [System.Diagnostics.Process]::Start($psi)
    $err = $p.StandardError.ReadToEndAsync()
    $out = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
    if ($p.ExitCode -ne 0) { throw "$File $Arguments failed ($($p.ExitCode)): $($err.Result)" }
    $out
}

function Get-FreeTcpPort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start()
    try { $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Start-TestSshd {
    <# Starts sshd on a free loopback port; returns what a client needs (port, client key, an empty known_hosts). #>
    if (-not (Test-Path /usr/sbin/sshd)) {
        # tests/run.sh installs openssh-server; a bare Invoke-Pester run as root gets it here.
        $null = Invoke-TestTool apt-get @('install', '-y', 'openssh-server')
    }
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-pester-sshd-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $dir
    $bed = [pscustomobject]@{
        Dir        = $dir
        Port       = Get-FreeTcpPort
        HostKey    = Join-Path $dir 'ssh_host_ed25519_key'
        ClientKey  = Join-Path $dir 'client_ed25519'
        KnownHosts = Join-Path $dir 'known_hosts'
        Log        = Join-Path $dir 'sshd.log'
        Config     = Join-Path $dir 'sshd_config'
        Process    = $null
    }
    $null = Invoke-TestTool ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-f', $bed.HostKey)
    $null = Invoke-TestTool ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-f', $bed.ClientKey)
    Copy-Item "$($bed.ClientKey).pub" (Join-Path $dir 'authorized_keys')
    Set-Content $bed.KnownHosts -Value '' -NoNewline
    @(
        'ListenAddress 127.0.0.1'
        "Port $($bed.Port)"
        "HostKey $($bed.HostKey)"
        "PidFile $(Join-Path $dir 'sshd.pid')"
        "AuthorizedKeysFile $(Join-Path $dir 'authorized_keys')"
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'PermitRootLogin prohibit-password'
        'UsePAM no'
        'StrictModes no'
        'LogLevel VERBOSE'
        'MaxStartups 100'
    ) | Set-Content $bed.Config
    Start-TestSshdProcess $bed
    $bed
}

function Start-TestSshdProcess {
    param([Parameter(Mandatory)] $Bed)
    $null = New-Item -ItemType Directory -Force /run/sshd
    $psi = [System.Diagnostics.ProcessStartInfo]::new('/usr/sbin/sshd')
    foreach ($a in '-D', '-f', $Bed.Config, '-E', $Bed.Log) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardError = $true
    $Bed.Process = [System.Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds(15)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Bed.Process.HasExited) { throw "sshd exited with $($Bed.Process.ExitCode): $($Bed.Process.StandardError.ReadToEnd())" }
        $c = [System.Net.Sockets.TcpClient]::new()
        try { $c.Connect([System.Net.IPAddress]::Loopback, $Bed.Port); return } catch { Start-Sleep -Milliseconds 50 } finally { $c.Dispose() }
    }
    throw "sshd did not listen on 127.0.0.1:$($Bed.Port) within 15 s"
}

function Stop-TestSshdProcess {
    param($Bed)
    if ($Bed -and $Bed.Process -and -not $Bed.Process.HasExited) {
        $Bed.Process.Kill($true)
        $null = $Bed.Process.WaitForExit(5000)
    }
}

function Stop-TestSshd {
    param($Bed)
    if (-not $Bed) { return }
    Stop-TestSshdProcess $Bed
    if (Test-Path $Bed.Dir) { Remove-Item -Recurse -Force $Bed.Dir }
}

function Add-TestSshdHostKey {
    <# Records the sshd's host key in its known_hosts the way ssh would: [127.0.0.1]:port type key. #>
    param([Parameter(Mandatory)] $Bed)
    $type, $key = (Get-Content "$($Bed.HostKey).pub" -Raw).Split(' ')[0, 1]
    Add-Content $Bed.KnownHosts "[127.0.0.1]:$($Bed.Port) $type $key"
}

function Confirm-TestSshdHostKey {
    <# Makes sure the sshd's host key is in its known_hosts (for tests that are not about host keys). #>
    param([Parameter(Mandatory)] $Bed)
    $type, $key = (Get-Content "$($Bed.HostKey).pub" -Raw).Split(' ')[0, 1]
    $found = & ssh-keygen -F "[127.0.0.1]:$($Bed.Port)" -f $Bed.KnownHosts 2>$null
    if (-not ("$found" -like "*$key*")) { Add-Content $Bed.KnownHosts "[127.0.0.1]:$($Bed.Port) $type $key" }
}

function Get-TestSshdFingerprint {
    <# The host key's fingerprint as ssh-keygen prints it (SHA256:...). #>
    param([Parameter(Mandatory)] $Bed)
    (Invoke-TestTool ssh-keygen @('-l', '-f', "$($Bed.HostKey).pub")).Split(' ')[1]
}

function Get-TestSshdCommandCount {
    <# Remote commands sshd has run: one "Starting session: command" line each (LogLevel VERBOSE). #>
    param([Parameter(Mandatory)] $Bed)
    $last = -1
    for ($i = 0; $i -lt 20; $i++) {
        $fs = [System.IO.FileStream]::new($Bed.Log, 'Open', 'Read', 'ReadWrite')
        try { $text = [System.IO.StreamReader]::new($fs).ReadToEnd() } finally { $fs.Dispose() }
        $n = ([regex]::Matches($text, 'Starting session: command')).Count
        if ($n -eq $last) { return $n }
        $last = $n
        Start-Sleep -Milliseconds 100
    }
    $last
}

function New-TestSshSession {
    <#
        New-ApSession -HostName to the test sshd with its client key and known_hosts; -Extra passes more parameters.
        An advanced function, so -ErrorVariable/-ErrorAction on it see New-ApSession's error records.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Bed, [string] $SysfsRoot = '/sys', [hashtable] $Extra = @{})
    $p = @{ HostName = '127.0.0.1'; Port = $Bed.Port; UserName = 'root'; KeyFile = $Bed.ClientKey; KnownHostsFile = $Bed.KnownHosts; SysfsRoot = $SysfsRoot }
    foreach ($k in $Extra.Keys) { $p[$k] = $Extra[$k] }
    New-ApSession @p
}

function Start-TestSimFs {
    <#
        Mounts a scenario with VfioAp.SimFs (FUSE) at a fresh directory (or at -Root, e.g. <dir>/sys so that <dir> stands
        for the host's / with a live kernel below it); returns its Root and Process. -ExtraArguments go to SimFs (--stall ...).
    #>
    param([Parameter(Mandatory)] [string] $Scenario, [string] $Root, [string[]] $ExtraArguments = @())
    $dll = Join-Path $RepoRoot 'src/VfioAp.SimFs/bin/Release/net10.0/VfioAp.SimFs.dll'
    if (-not (Test-Path $dll)) { throw "VfioAp.SimFs is not built at ${dll}: run dotnet build VfioAp.PowerShell.sln -c Release." }
    $root = if ($Root) { $Root } else { Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-pester-simfs-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }
    $null = New-Item -ItemType Directory -Force $root
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--scenario', $Scenario, $root, '--until-stdin-closes') + $ExtraArguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    $null = $p.StandardError.ReadToEndAsync()
    $read = $p.StandardOutput.ReadLineAsync()
    if (-not $read.Wait(60000) -or -not "$($read.Result)".StartsWith('mounted ')) {
        if (-not $p.HasExited) { $p.Kill($true) }
        throw "VfioAp.SimFs did not mount $Scenario at $root (it said: $($read.Result))"
    }
    [pscustomobject]@{ Root = $root; Process = $p; Scenario = $Scenario }
}

function Stop-TestSimFs {
    param($Mount)
    if (-not $Mount) { return }
    # --until-stdin-closes: closing its stdin unmounts and ends it.
    try { $Mount.Process.StandardInput.Close() } catch { }
    if (-not $Mount.Process.WaitForExit(15000)) {
        $Mount.Process.Kill($true)
        $null = $Mount.Process.WaitForExit(5000)
        $null = & fusermount3 -u $Mount.Root 2>$null
    }
    if ((Test-Path $Mount.Root) -and -not (Get-ChildItem $Mount.Root -Force)) { Remove-Item $Mount.Root -Force }
}

Export-ModuleMember -Function Invoke-TestTool, Get-FreeTcpPort, Start-TestSshd, Start-TestSshdProcess, Stop-TestSshdProcess,
    Stop-TestSshd, Add-TestSshdHostKey, Confirm-TestSshdHostKey, Get-TestSshdFingerprint, Get-TestSshdCommandCount,
    New-TestSshSession, Start-TestSimFs, Stop-TestSimFs
