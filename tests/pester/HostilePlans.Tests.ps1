# Plan faults (issue 22): a multi-step Set-VfioApMatrix plan (a kernel without ap_config: one assign_adapter write per
# id, each held for a few seconds by SimFs --stall) interrupted at a chosen write: the remote shell killed, the SSH
# connection dropped (the sshd session process serving the plan killed), the local pwsh killed. Each call ends in a
# documented VfioAp.* id within a stated bound, the host afterwards holds a state the error explains, and the next run
# (in this or another process) takes over the lock and converges to what it asks.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    Import-Module $ModuleManifest -Force
    $script:bed = Start-TestSshd
    Confirm-TestSshdHostKey $bed
    $script:mdevPath = "devices/vfio_ap/matrix/$SeedUuid"
    $script:stallSeconds = 4
    $script:added = 6, 7, 8                       # three writes: step 1 assigns 6, step 2 7, step 3 8
    $script:helpText = Get-Content (Join-Path $RepoRoot 'ps-module/VfioAp/en-US/about_VfioAp.help.txt') -Raw

    function script:Start-PlanMount {
        Start-TestSimFs seed -ExtraArguments '--kernel', 'legacy', '--stall', "write:$mdevPath/assign_adapter:$stallSeconds"
    }
    # Each test's host: a fresh stalling mount, its lock path, a local session on it, the adapters before and wanted.
    function script:Open-PlanHost {
        $script:mount = Start-PlanMount
        $script:lockPath = [VfioAp.Core.Locking.ApConfigLock]::PathFor($mount.Root)
        $script:local = New-ApSession -SysfsRoot $mount.Root
        $script:old = Get-Adapters $local
        $script:new = @($old + $added | Sort-Object -Unique)
    }
    function script:Close-PlanHost {
        Remove-ApSession $local
        Stop-TestSimFs $mount
        Remove-Item $lockPath -Force -ErrorAction SilentlyContinue
    }
    function script:Get-Adapters($Session) { @((Get-VfioApMdev -Session $Session -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) }
    function script:Wait-LockPid([string] $LockPath, [int] $Seconds = 60) {
        # The pid of the plan's holder (the remote shell, or the local pwsh) once the lock file holds one.
        $deadline = [datetime]::UtcNow.AddSeconds($Seconds)
        while ([datetime]::UtcNow -lt $deadline) {
            $t = Get-Content $LockPath -Raw -ErrorAction SilentlyContinue
            if ($t -and $t.Trim() -match '^\d+$') { return [int]$t.Trim() }
            Start-Sleep -Milliseconds 50
        }
        throw "no pid in $LockPath within $Seconds s"
    }
    function script:Test-PidAlive([int] $Id) { Test-Path "/proc/$Id" }
    function script:Get-ParentPid([int] $Id) { [int]((Get-Content "/proc/$Id/status" | Where-Object { $_ -like 'PPid:*' }) -replace '\D', '') }
    function script:Assert-Documented($ErrorRecord) {
        $id = ($ErrorRecord.FullyQualifiedErrorId -split ',')[0]
        $id | Should -BeLike 'VfioAp.*'
        $helpText | Should -Match ([regex]::Escape($id) + '\s') -Because "$id is listed in about_VfioAp"
        $id
    }
    function script:Start-PlanRunspace([string] $Line) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$ModuleManifest'; $Line")
        [pscustomobject]@{ PS = $ps; Async = $ps.BeginInvoke() }
    }
    function script:Start-ChildPwsh([string] $Script) {
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        $psi.WorkingDirectory = $RepoRoot
        foreach ($a in 'pwsh', '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; `$ErrorActionPreference = 'Stop'; $Script") { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $null = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
        $p
    }
    $script:sshLine = { param($Root, $Timeout = 60) "New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$Root' -CommandTimeout $Timeout" }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    Stop-TestSshd $bed
}

Describe 'A plan''s remote shell or its connection killed mid-plan (SSH)' -Tag Ssh, Fuse, Slow {
    BeforeEach { Open-PlanHost }
    AfterEach { Close-PlanHost }

    # One fault per case: what is killed, and (seeded: System.Random(22)) at which step of the three, and how far into its stall.
    $rng = [System.Random]::new(22)
    $shellCase = @{ Target = 'remote shell'; Step = 2; Into = [math]::Round(1 + 2 * $rng.NextDouble(), 1) }
    $cases = foreach ($step in 1, 2, 3) { @{ Target = 'sshd session'; Step = $step; Into = [math]::Round(1 + 2 * $rng.NextDouble(), 1) } }
    $body = {
        $plan = Start-PlanRunspace "Set-VfioApMatrix -Session ($(& $sshLine $mount.Root 30)) -Mdev $SeedUuid -Adapter $($added -join ',') -LockTimeout 5 -Confirm:`$false -WarningAction SilentlyContinue"
        try {
            $shell = Wait-LockPid $lockPath
            $t0 = [datetime]::UtcNow
            Start-Sleep -Seconds (($Step - 1) * $stallSeconds + $Into)
            $victim = if ($Target -eq 'remote shell') { $shell } else { Get-ParentPid $shell }
            if ($Target -ne 'remote shell') { (Get-Content "/proc/$victim/comm") | Should -BeLike 'sshd*' }
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            & kill -KILL $victim
            $plan.Async.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue -Because 'the call ends within its bound after the kill'
            $clock.Stop()
            $null = $plan.PS.EndInvoke($plan.Async)
            $err = @($plan.PS.Streams.Error)
            Write-Host "$Target killed in step $Step (+$Into s): $($clock.Elapsed.TotalSeconds.ToString('0.0')) s to the error; $($err | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message })"
            # The write error, and where the reconnected rollback finds the in-doubt write landed meanwhile, VfioAp.RollbackFailed.
            $err.Count | Should -BeIn 1, 2
            $ids = @(foreach ($e in $err) { Assert-Documented $e })
            $ids[0] | Should -BeIn 'VfioAp.WriteFailed', 'VfioAp.SshConnectionLost'
            $err[0].Exception.Message | Should -Match ([regex]::Escape("127.0.0.1:$($bed.Port)"))
            $err[0].Exception.Message | Should -Match ("Step $Step \(assign adapter 0$($added[$Step - 1]) [^)]*\) may or may not have taken effect")
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
        }
        finally { $plan.PS.Stop(); $plan.PS.Dispose() }

        # The in-flight write lands when its stall ends (a store the kernel has begun is not undone by killing the writer).
        # Afterwards every adapter beyond the old ones is one of the steps up to the one the error names as in doubt.
        Start-Sleep -Seconds ($stallSeconds + 1)
        $after = Get-Adapters $local
        Write-Host "  after: $($after -join ','); old $($old -join ','); new $($new -join ','); ids $($ids -join ', ')"
        foreach ($a in $old) { $after | Should -Contain $a }
        foreach ($a in $after | Where-Object { $_ -notin $old }) { $a | Should -BeIn $added[0..($Step - 1)] }
        if ($err[0].Exception.Message -match 'the host is as it was before') { "$after" | Should -Be "$old" -Because 'the error says the rollback restored the host' }
        if ($Target -eq 'remote shell') {
            # The killed shell left its pid in the lock; the call's own rollback took it over and released it.
            Test-PidAlive $shell | Should -BeFalse
            "$(Get-Content $lockPath -ErrorAction SilentlyContinue)".Trim() | Should -Not -Be "$shell"
        }

        # The next run (a new session) takes over a stale lock and converges.
        $again = & ([scriptblock]::Create((& $sshLine $mount.Root)))
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Set-VfioApMatrix -Session $again -Mdev $SeedUuid -Adapter $added -LockTimeout 30 -Confirm:$false -WarningAction SilentlyContinue
        $clock.Stop()
        Write-Host "  next run: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s"
        Get-Adapters $local | Should -Be $new
        Get-Adapters $again | Should -Be $new
        Test-Path $lockPath | Should -BeFalse -Because 'the next run released the lock'
        Remove-ApSession $again
    }
    It 'the <Target> killed (SIGKILL) <Into> s into write <Step> of 3: a documented id in time, an explained state, the next run converges' -ForEach $cases $body
    # The remote shell killed in a stalled write: its cat child is still in the kernel's store. The lock is not stale
    # while the dead shell's process group lives, so the call's rollback waits for that write to land before it undoes.
    It 'the <Target> killed (SIGKILL) <Into> s into write <Step> of 3: a documented id in time, an explained state, the next run converges' -ForEach @($shellCase) $body
}

Describe 'The local pwsh killed mid-plan' -Tag Ssh, Fuse, Slow {
    BeforeEach { Open-PlanHost }
    AfterEach { Close-PlanHost }

    It 'a child pwsh running Set-VfioApMatrix <Via> killed in write 2 of 3: the next run in another process converges' -ForEach @(
        @{ Via = 'locally' }, @{ Via = 'over SSH' }
    ) {
        $session = if ($Via -eq 'locally') { "New-ApSession -SysfsRoot '$($mount.Root)'" } else { & $sshLine $mount.Root }
        $child = Start-ChildPwsh "Set-VfioApMatrix -Session ($session) -Mdev $SeedUuid -Adapter $($added -join ',') -LockTimeout 5 -Confirm:`$false -WarningAction SilentlyContinue"
        try {
            $holder = Wait-LockPid $lockPath
            Start-Sleep -Seconds ($stallSeconds + 2)
            $child.HasExited | Should -BeFalse
            $child.Kill($true)
            $child.WaitForExit(10000) | Should -BeTrue
        }
        finally { if (-not $child.HasExited) { $child.Kill($true) } }
        Start-Sleep -Seconds ($stallSeconds + 1)
        if ($Via -eq 'locally') {
            "$(Get-Content $lockPath -ErrorAction SilentlyContinue)".Trim() | Should -Be "$holder" -Because 'the killed pwsh could not release its lock'
            Test-PidAlive $holder | Should -BeFalse
        }
        else {
            # The remote shell's write has returned; with its connection gone it should exit and release the lock.
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ((Test-Path $lockPath) -and (Test-PidAlive $holder) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            if ((Test-Path $lockPath) -and (Test-PidAlive $holder)) {
                $ppid = Get-ParentPid $holder
                Write-Host "  remote shell $holder still holds the lock: state $((Get-Content /proc/$holder/stat) -split ' ' | Select-Object -Index 2), wchan $(Get-Content /proc/$holder/wchan), parent $ppid $(Get-Content /proc/$ppid/comm) $(((Get-Content /proc/$ppid/cmdline -Raw) -replace "`0", ' '))"
                Get-ChildItem /proc/$holder/fd -ErrorAction SilentlyContinue | ForEach-Object { Write-Host "    fd $($_.Name) -> $($_.Target)" }
            }
            ((Test-Path $lockPath) -and (Test-PidAlive $holder)) | Should -BeFalse -Because 'a remote shell whose client died does not keep the host''s lock'
        }
        $after = Get-Adapters $local
        Write-Host "pwsh killed ($Via) in step 2: after $($after -join ','); old $($old -join ','); new $($new -join ',')"

        # The next run, in another process.
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $next = Start-ChildPwsh "Set-VfioApMatrix -Session ($session) -Mdev $SeedUuid -Adapter $($added -join ',') -LockTimeout 60 -Confirm:`$false -WarningAction SilentlyContinue"
        try { $next.WaitForExit(120000) | Should -BeTrue } finally { if (-not $next.HasExited) { $next.Kill($true) } }
        $next.WaitForExit()
        $clock.Stop()
        Write-Host "  next run: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s, exit $($next.ExitCode)"
        $next.ExitCode | Should -Be 0
        Get-Adapters $local | Should -Be $new
        Test-Path $lockPath | Should -BeFalse
    }
}
