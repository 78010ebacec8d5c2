# Broken and hostile hosts against a real sshd: one sshd listens on several loopback addresses, and each address but
# 127.0.0.1 forces a command that misbehaves (sshd_config "Match LocalAddress" + "ForceCommand"), whatever the module
# asks it to run. One New-ApSession and one Get-ApQueue (over the sessions that opened) go to all of them in a child pwsh with -CommandTimeout 5:
# every misbehaving host must end in a documented VfioAp.* id naming it, within the timeout plus a few seconds, the
# well-behaved host must still answer, and the child's peak memory (VmHWM) must stay under a stated bound.
BeforeDiscovery {
    $script:Faults = (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'HostileHosts.psd1')).Faults
}

BeforeAll {
    $script:Faults = (Import-PowerShellDataFile (Join-Path $PSScriptRoot 'HostileHosts.psd1')).Faults
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:CommandTimeout = 5
    # The stated bound on the whole child pwsh's peak resident memory (module, SSH.NET, nine hosts at once); a pwsh
    # with the module loaded and one read done peaks at about 200-250 MB on this machine.
    $script:PeakBoundMB = 600
    $script:bed = Start-TestSshd
    $script:pids = Join-Path $bed.Dir 'hang.pids'
    $type, $key = (Get-Content "$($bed.HostKey).pub" -Raw).Split(' ')[0, 1]
    $config = [System.Collections.Generic.List[string]](Get-Content $bed.Config)
    $forced = foreach ($f in $Faults) {
        $config.Insert(0, "ListenAddress $($f.Address)")
        $script = Join-Path $bed.Dir ("force-" + $f.Address + '.sh')
        Set-Content $script "PIDS='$pids'`n$($f.Command)"
        Add-Content $bed.KnownHosts "[$($f.Address)]:$($bed.Port) $type $key"
        "Match LocalAddress $($f.Address)"
        "    ForceCommand /bin/sh $script"
    }
    Add-Content $bed.KnownHosts "[127.0.0.1]:$($bed.Port) $type $key"
    Set-Content $bed.Config (@($config) + @($forced))
    Stop-TestSshdProcess $bed
    Start-TestSshdProcess $bed
    $script:tree = New-SysfsTree ([VfioAp.Core.Simulation.ScenarioLibrary]::Load('seed')) -Name hostile-seed

    $child = Join-Path $TestDrive 'hostile-child.ps1'
    Set-Content $child @'
param($ArgsFile)
$ErrorActionPreference = 'Stop'
$a = Get-Content $ArgsFile -Raw | ConvertFrom-Json
Import-Module $a.Module
$clock = [System.Diagnostics.Stopwatch]::StartNew()
$sessions = New-ApSession -HostName $a.Hosts -Port $a.Port -UserName root -KeyFile $a.Key -KnownHostsFile $a.KnownHosts `
    -SysfsRoot $a.Tree -CommandTimeout $a.CommandTimeout -ErrorVariable openErrors -ErrorAction SilentlyContinue
$open = $clock.Elapsed.TotalSeconds
$clock.Restart()
$queues = @(Get-ApQueue -Session $sessions -ErrorVariable readErrors -ErrorAction SilentlyContinue)
$read = $clock.Elapsed.TotalSeconds
$hwm = [long]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '\D', '')
[pscustomobject]@{
    OpenSeconds = $open
    ReadSeconds = $read
    Sessions = @($sessions).Count
    Queues = @($queues | Group-Object ComputerName | ForEach-Object { @{ Host = $_.Name; Count = $_.Count } })
    Errors = @(@($openErrors) + @($readErrors) | ForEach-Object {
        @{ Id = $_.FullyQualifiedErrorId; Host = $_.Exception.Host; Type = $_.Exception.GetType().FullName; Message = $_.Exception.Message } })
    PeakKiB = $hwm
} | ConvertTo-Json -Depth 5
'@
    $argsFile = Join-Path $TestDrive 'hostile-args.json'
    @{
        Module = $ModuleManifest; Hosts = @('127.0.0.1') + @($Faults | ForEach-Object { $_.Address }); Port = $bed.Port; Key = $bed.ClientKey
        KnownHosts = $bed.KnownHosts; Tree = $tree; CommandTimeout = $CommandTimeout
    } | ConvertTo-Json -Depth 4 | Set-Content $argsFile
    $script:run = Invoke-ChildPwsh @('-File', $child, $argsFile)
    $script:result = if ($run.ExitCode -eq 0) { $run.Output | ConvertFrom-Json } else { $null }
    Write-Host ("hostile hosts: New-ApSession {0:0.0} s, Get-ApQueue {1:0.0} s, peak {2:0} MB; {3}" -f $result.OpenSeconds, $result.ReadSeconds, ($result.PeakKiB / 1024),
        (($result.Errors | ForEach-Object { "$($_.Host) $($_.Id)" }) -join '; '))
}

AfterAll {
    # The hung forced command outlives its connection (sshd does not signal a session's processes when the client
    # goes): end each by the pid it recorded.
    if ($pids -and (Test-Path $pids)) {
        foreach ($id in Get-Content $pids) { Get-Process -Id ([int]$id) -ErrorAction SilentlyContinue | ForEach-Object { $_.Kill() } }
    }
    Stop-TestSshd $bed
    Remove-SysfsTree $tree
}

Describe 'Hostile hosts over SSH (forced commands per address)' -Tag Ssh, Slow {
    It 'the child pwsh ran to its end' {
        $run.ExitCode | Should -Be 0 -Because $run.Error
        # New-ApSession already runs one command per host (it finds out what the host is), so most misbehaving hosts
        # fail there; the read that is cut short passes it (its output is short) and fails in Get-ApQueue.
        $result.Sessions | Should -Be 2
    }

    It 'the well-behaved host still answers in the same call' {
        $good = $result.Queues | Where-Object { $_.Host -like '127.0.0.1*' }
        $good.Count | Should -Be 6
        $result.Errors | Where-Object { $_.Host -like '127.0.0.1:*' -or $_.Host -eq '127.0.0.1' } | Should -BeNullOrEmpty
    }

    It '<Kind> (<Address>) ends in one documented VfioAp.* error naming the host' -ForEach $Faults {
        $mine = @($result.Errors | Where-Object { $_.Host -like "$Address*" })
        $mine.Count | Should -Be 1
        $mine[0].Id | Should -Match '^VfioAp\.(RemoteOutputInvalid|SshTimeout),'
        $mine[0].Type | Should -Be 'VfioAp.PowerShell.Errors.VfioApException'
        $mine[0].Message | Should -Match ([regex]::Escape($Address))
        $mine[0].Message | Should -Not -Match 'FormatException|OutOfMemory'
    }

    It 'a hang is the timeout; garbage and a cut-off read are invalid output with the byte offset' {
        ($result.Errors | Where-Object { $_.Host -like '127.0.0.3*' }).Id | Should -Match '^VfioAp\.SshTimeout,'
        foreach ($a in '127.0.0.2', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9') {
            $e = $result.Errors | Where-Object { $_.Host -like "$a*" }
            $e.Id | Should -Match '^VfioAp\.RemoteOutputInvalid,' -Because $a
            $e.Message | Should -Match '\d+ bytes of output' -Because $a
        }
    }

    It 'each call ends within -CommandTimeout plus a few seconds' {
        $result.OpenSeconds | Should -BeLessThan ($CommandTimeout + 5)
        $result.ReadSeconds | Should -BeLessThan ($CommandTimeout + 5)
    }

    It 'the process peak memory stays under the stated bound' {
        ($result.PeakKiB / 1024) | Should -BeLessThan $PeakBoundMB
    }
}
