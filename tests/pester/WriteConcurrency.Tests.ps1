# Several writers on one host at once: separate pwsh processes through a SimFs (FUSE) mount and over SSH to the sshd
# test bed, a lock held by a foreign process, stale locks, a read-only lock directory, and an s390-tools-style locker
# in POSIX sh. Every change holds the host's AP configuration lock (s390-tools' util_lockfile protocol), re-checks
# what it was planned from, and is planned again when another writer got there first: no reported success is lost.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    Import-Module $ModuleManifest -Force

    function script:Start-Writer([string] $Script) {
        # One runbook in its own pwsh process: prints one line per call, 'ok' or the error id and message.
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        $psi.WorkingDirectory = $RepoRoot
        foreach ($a in 'pwsh', '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; `$ErrorActionPreference = 'Stop'; $Script") { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['NO_COLOR'] = '1'
        $p = [System.Diagnostics.Process]::Start($psi)
        [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
    }
    function script:Wait-Writer($Writer, [int] $Seconds = 300) {
        if (-not $Writer.Process.WaitForExit($Seconds * 1000)) { $Writer.Process.Kill($true); throw "a writer did not finish within $Seconds s" }
        $Writer.Process.WaitForExit()
        [pscustomobject]@{ Lines = @($Writer.Out.Result -split "`n" | ForEach-Object Trim | Where-Object { $_ }); Err = $Writer.Err.Result }
    }
    # The loop each writer runs: one change per id, each reported as a line.
    function script:LoopScript([string] $Session, [string] $Ids, [string] $Command) {
        "$Session; foreach (`$id in $Ids) { try { $Command -WarningAction SilentlyContinue; 'ok ' + `$id } catch { 'fail ' + `$id + ' ' + `$_.FullyQualifiedErrorId + ' ' + `$_ } }"
    }
    function script:Start-SleepHolder {
        $p = [System.Diagnostics.Process]::Start('sleep', '120')
        $p
    }
    function script:Stop-SleepHolder($Process) { if ($Process -and -not $Process.HasExited) { $Process.Kill(); $Process.WaitForExit() } }
}

AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Writers in separate processes through one SimFs mount' -Tag Fuse, Slow {
    BeforeEach {
        $script:mount = Start-TestSimFs seed
        $script:s = New-ApSession -SysfsRoot $mount.Root
        $script:lockPath = [VfioAp.Core.Locking.ApConfigLock]::PathFor($mount.Root)
        $script:sessionLine = "`$s = New-ApSession -SysfsRoot '$($mount.Root)'"
    }
    AfterEach {
        Remove-ApSession $s
        Stop-TestSimFs $mount
    }

    It 'three processes adding disjoint adapters to one mdev (8 calls each): all 24 succeed and all 24 are there' {
        $start = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
        $writers = 0..2 | ForEach-Object {
            $first = 0x10 + 8 * $_
            Start-Writer (LoopScript $sessionLine "$first..$($first + 7)" "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
        }
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        $lines = $results.Lines
        ($lines | Where-Object { $_ -like 'ok *' }).Count | Should -Be 24 -Because ($lines + $results.Err -join "`n")
        $end = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
        $expected = $start.Adapters | ForEach-Object { [int]$_ }
        $expected += 0x10..0x27
        @($end.Adapters | ForEach-Object { [int]$_ }) | Should -Be ($expected | Sort-Object)
        $end.Domains | Should -Be $start.Domains
        Test-Path $lockPath | Should -BeFalse -Because 'every writer released the lock'
    }

    It 'mixed: -Add, -Remove of other ids and Set-ApBusMask of unrelated ids at once; every reported success is in effect' {
        $null = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter (0x30..0x37) -WarningAction SilentlyContinue
        $writers = @(
            Start-Writer (LoopScript $sessionLine '0x10..0x17' "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
            Start-Writer (LoopScript $sessionLine '0x30..0x37' "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Remove -Adapter `$id")
            Start-Writer (LoopScript $sessionLine '0x80..0x87' "Set-ApBusMask -Session `$s -Adapter `$id -Owner VfioAp")
        )
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        $ok = @($results.Lines | Where-Object { $_ -like 'ok *' } | ForEach-Object { [int]($_ -split ' ')[1] })
        $ok.Count | Should -Be 24 -Because ($results.Lines + $results.Err -join "`n")
        $end = Get-VfioApMdev -Session $s -Mdev $SeedUuid
        $adapters = @($end.Adapters | ForEach-Object { [int]$_ })
        foreach ($a in 0x10..0x17) { $adapters | Should -Contain $a }
        foreach ($a in 0x30..0x37) { $adapters | Should -Not -Contain $a }
        $bus = Get-ApBusConfig -Session $s
        foreach ($a in 0x80..0x87) { @($bus.ApMask | ForEach-Object { [int]$_ }) | Should -Not -Contain $a }
    }

    It 'Import-VfioApMdev -Apply and Export-VfioApMdev -Persist in their own processes beside Set-VfioApMatrix (8 calls each): nothing is lost' {
        $start = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
        $root = Join-Path $TestDrive 'race-root'
        $null = New-Item -ItemType Directory -Force (Join-Path $root 'etc/mdevctl.d')
        # Each import defines a new mdev holding adapter 0x5N with domain 4; the Set-VfioApMatrix writer adds 0x1N to the seed mdev.
        $importLoop = $sessionLine + @'
; foreach ($id in 0x50..0x57) { try { $u = [guid]('11111111-2222-4333-8444-0000000000{0:x2}' -f $id); $j = '{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "0x' + ('{0:x}' -f $id) + '"}, {"assign_domain": "0x4"}]}'; $null = Import-VfioApMdev -Session $s -Content $j -Uuid $u -Apply -Confirm:$false -WarningAction SilentlyContinue; 'ok ' + $id } catch { 'fail ' + $id + ' ' + $_.FullyQualifiedErrorId + ' ' + $_ } }
'@
        $writers = @(
            Start-Writer (LoopScript $sessionLine '0x10..0x17' "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
            Start-Writer $importLoop
            Start-Writer (LoopScript $sessionLine '1..8' "Get-VfioApMdev -Session `$s -Mdev $SeedUuid | Export-VfioApMdev -Persist -MdevctlRoot '$root' -Confirm:`$false")
        )
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        $lines = @($results.Lines)
        ($lines | Where-Object { $_ -like 'ok *' }).Count | Should -Be 24 -Because ($lines + $results.Err -join "`n")
        # Every Set-VfioApMatrix is in effect, and every imported mdev is there as defined.
        $end = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
        $adapters = @($end.Adapters | ForEach-Object { [int]$_ })
        foreach ($a in 0x10..0x17) { $adapters | Should -Contain $a }
        foreach ($id in 0x50..0x57) {
            $m = Get-VfioApMdev -Session $s -Mdev ([guid]('11111111-2222-4333-8444-0000000000{0:x2}' -f $id))
            "$($m.Matrix)" | Should -BeLike ('adapters 0x{0:x2}; domains 0x04*' -f $id)
        }
        # The persisted definition is one whole file: a state the seed mdev really had between the start and now.
        $files = @(Get-ChildItem -Force (Join-Path $root 'etc/mdevctl.d/matrix'))
        $files.Name | Should -Be @($SeedUuid.ToString()) -Because 'no temporary file is left behind'
        $persisted = Import-VfioApMdev -Session $s -FromHost -MdevctlRoot $root -WarningAction SilentlyContinue
        $persisted.Uuid | Should -Be $SeedUuid
        $kept = @($persisted.Matrix.Adapters | ForEach-Object { [int]$_ })
        foreach ($a in $start.Adapters) { $kept | Should -Contain ([int]$a) }
        foreach ($a in $kept) { $adapters | Should -Contain $a }
        Test-Path $lockPath | Should -BeFalse -Because 'every writer released the lock'
    }

    It 'Import-VfioApMdev -Apply of two definitions, each under the lock with its preconditions from the one read: both are created as defined' {
        $sim = New-ApSession -Simulation seed
        $one = [guid]'11111111-2222-4333-8444-000000000001'
        $two = [guid]'11111111-2222-4333-8444-000000000002'
        $null = Set-VfioApMatrix -Session $sim -Mdev $SeedUuid -Remove -Adapter 5
        $null = New-VfioApMdev -Session $sim -Uuid $one
        $null = New-VfioApMdev -Session $sim -Uuid $two -Adapter 5 -Domain 4
        $json = Get-VfioApMdev -Session $sim -Mdev $one, $two | Export-VfioApMdev -Format MdevctlJson | Out-String
        Remove-ApSession $sim
        $null = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Adapter 5
        $out = @(Import-VfioApMdev -Session $s -Content $json -Apply -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $err.Count | Should -Be 0 -Because ($err -join "`n")
        $out.Count | Should -Be 2
        (Get-VfioApMdev -Session $s -Mdev $one).Matrix.IsEmpty | Should -BeTrue
        "$((Get-VfioApMdev -Session $s -Mdev $two).Matrix)" | Should -BeLike 'adapters 0x05; domains 0x04*'
    }

    It 'a real conflict (one APQN for two mdevs from two processes) ends with one success and one ApqnInUse naming the other mdev' {
        $other = [guid]'0b6b7c8e-52a3-4f4e-9a8f-6f8f2b2f7d11'
        $null = New-VfioApMdev -Session $s -Uuid $other
        $writers = @(
            Start-Writer (LoopScript $sessionLine '0x40' "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
            Start-Writer (LoopScript $sessionLine '0x40' "Set-VfioApMatrix -Session `$s -Mdev $other -Adapter `$id -Domain 4")
        )
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        $lines = @($results.Lines)
        ($lines | Where-Object { $_ -like 'ok *' }).Count | Should -Be 1 -Because ($lines -join "`n")
        $failed = @($lines | Where-Object { $_ -like 'fail *' })
        $failed.Count | Should -Be 1
        $failed[0] | Should -BeLike '*VfioAp.ApqnInUse*'
        $seed = Get-VfioApMdev -Session $s -Mdev $SeedUuid
        $second = Get-VfioApMdev -Session $s -Mdev $other
        $seedHas = @($seed.Adapters | ForEach-Object { [int]$_ }) -contains 0x40
        $secondHas = @($second.Adapters | ForEach-Object { [int]$_ }) -contains 0x40
        $seedHas -xor $secondHas | Should -BeTrue -Because 'exactly one mdev got adapter 0x40'
        if ($seedHas) { $failed[0] | Should -BeLike "*$SeedUuid*"; $second.Matrix.IsEmpty | Should -BeTrue }
        else { $failed[0] | Should -BeLike "*$other*"; @($seed.Adapters | ForEach-Object { [int]$_ }) | Should -Be @(4, 5) }
    }
}

Describe 'The lock held by someone else' -Tag Fuse, Slow {
    BeforeAll {
        $script:mount = Start-TestSimFs seed
        $script:s = New-ApSession -SysfsRoot $mount.Root
        $script:lockPath = [VfioAp.Core.Locking.ApConfigLock]::PathFor($mount.Root)
    }
    AfterAll {
        Remove-ApSession $s
        Stop-TestSimFs $mount
        Remove-Item $lockPath -Force -ErrorAction SilentlyContinue
    }
    AfterEach { Remove-Item $lockPath -Force -ErrorAction SilentlyContinue }

    It 'waits (with Write-Progress naming the holder and the host) while a live pid holds it, then proceeds when it is released' {
        $holder = Start-SleepHolder
        try {
            Set-Content $lockPath "$($holder.Id)" # "<pid>\n", as util_lockfile writes it
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Set-VfioApMatrix -Session (New-ApSession -SysfsRoot '$($mount.Root)') -Mdev $SeedUuid -Adapter 0x50 -LockTimeout 60 -WarningAction SilentlyContinue")
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 3
            $async.IsCompleted | Should -BeFalse -Because 'the change waits for the lock'
            @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Not -Contain 0x50
            Remove-Item $lockPath # the holder releases
            $null = $ps.EndInvoke($async)
            $ps.Streams.Error.Count | Should -Be 0 -Because ($ps.Streams.Error -join "`n")
            $progress = @($ps.Streams.Progress | Where-Object StatusDescription -like "*held by pid $($holder.Id) on host *")
            $progress.Count | Should -BeGreaterThan 0
            @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x50
            $ps.Dispose()
        }
        finally { Stop-SleepHolder $holder }
    }

    It 'gives up after a short -LockTimeout with VfioAp.LockTimeout naming the holder pid, and writes nothing' {
        $holder = Start-SleepHolder
        try {
            Set-Content $lockPath "$($holder.Id)"
            $before = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
            $out = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x51 -LockTimeout 1 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockTimeout,*'
            "$err" | Should -BeLike "*held by pid $($holder.Id)*"
            "$err" | Should -BeLike '*Nothing was written*'
            (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix | Should -Be $before
            Get-Content $lockPath | Should -Be "$($holder.Id)" -Because 'a live holder''s lock is left alone'
        }
        finally { Stop-SleepHolder $holder }
    }

    It 'Ctrl+C while waiting stops at once and writes nothing' {
        $holder = Start-SleepHolder
        try {
            Set-Content $lockPath "$($holder.Id)"
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Set-VfioApMatrix -Session (New-ApSession -SysfsRoot '$($mount.Root)') -Mdev $SeedUuid -Adapter 0x52 -LockTimeout 60 -WarningAction SilentlyContinue")
            $async = $ps.BeginInvoke()
            Start-Sleep -Seconds 2
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Remove-Item $lockPath
            @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Not -Contain 0x52
            $ps.Dispose()
        }
        finally { Stop-SleepHolder $holder }
    }

    It 'Export-VfioApMdev -Persist and Import-VfioApMdev -Apply wait for the same lock and write nothing when it stays held' {
        $holder = Start-SleepHolder
        try {
            $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d/scripts.d/callouts"
            Set-Content $lockPath "$($holder.Id)"
            Get-VfioApMdev -Session $s | Export-VfioApMdev -Persist -MdevctlRoot $root -LockTimeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockTimeout,*'
            "$err" | Should -BeLike "*held by pid $($holder.Id)*"
            Test-Path "$root/etc/mdevctl.d/matrix" | Should -BeFalse -Because 'nothing was persisted'
            # The seed mdev without adapter 05: a valid change for Import -Apply.
            $definition = (Get-VfioApMdev -Session $s -Mdev $SeedUuid | Export-VfioApMdev -Format MdevctlJson | Out-String) -replace '"assign_adapter": "0x5"', '"assign_domain": "0x4"'
            $null = Import-VfioApMdev -Session $s -Content $definition -Apply -LockTimeout 1 -ErrorVariable err2 -ErrorAction SilentlyContinue
            $err2.Count | Should -Be 1 -Because ($err2 -join "`n")
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockTimeout,*'
            @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 5
            Remove-Item $lockPath
            Get-VfioApMdev -Session $s | Export-VfioApMdev -Persist -MdevctlRoot $root -LockTimeout 1
            Test-Path "$root/etc/mdevctl.d/matrix/$SeedUuid" | Should -BeTrue
            Test-Path $lockPath | Should -BeFalse
        }
        finally { Stop-SleepHolder $holder }
    }

    It 'takes over a stale lock whose pid is gone' {
        $dead = [System.Diagnostics.Process]::Start('true')
        $dead.WaitForExit()
        Set-Content $lockPath "$($dead.Id)"
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x53 -LockTimeout 2 -WarningAction SilentlyContinue
        @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x53
        Test-Path $lockPath | Should -BeFalse
    }

    It 'takes over an empty lock file older than 120 s, but waits for a new empty one (its holder may not have written its pid yet)' {
        Set-Content $lockPath '' -NoNewline
        $null = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x54 -LockTimeout 1 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockTimeout,*'
        & touch -d '10 minutes ago' $lockPath
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x54 -LockTimeout 2 -WarningAction SilentlyContinue
        @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x54
    }

    It 's390-tools'' locking (util_lockfile''s acquire in POSIX sh, as ap-check takes it) and the module exclude each other' {
        # ap-check is not packaged for Debian (s390-tools is only built for s390x), so its lock step runs as the same
        # protocol in sh: temp file with "<pid>\n", link(2) to the lock path, stale when kill -0 says the pid is gone.
        $acquire = @'
L=$1; T="$L$$"; printf '%s\n' $$ > "$T"
i=0
while ! ln "$T" "$L" 2>/dev/null; do
  h=$(cat "$L" 2>/dev/null)
  if [ -n "$h" ] && ! kill -0 "$h" 2>/dev/null; then rm -f "$L"; continue; fi
  i=$((i + 1)); [ $i -gt 300 ] && { echo busy; rm -f "$T"; exit 1; }
  sleep 0.05
done
rm -f "$T"; echo "held $$"; sleep 3
[ "$(cat "$L")" = "$$" ] && rm -f "$L"; echo released
'@
        $script = Join-Path $TestDrive 'ap-check-lock.sh'
        Set-Content $script $acquire
        # 1. While a plan of the module holds the lock, the sh locker waits: hold it through the module's own lock type.
        $held = [VfioAp.Core.Locking.ApConfigLock]::Acquire('test', $lockPath, [timespan]::FromSeconds(5))
        $sh = [System.Diagnostics.Process]::Start('sh', @($script, $lockPath))
        Start-Sleep -Milliseconds 700
        Get-Content $lockPath | Should -Be "$([VfioAp.Core.Locking.ApConfigLock]::CurrentPid)" -Because 'the sh locker must not take a held lock'
        $held.Dispose()
        # 2. Now the sh locker holds it for 3 s: the module's change waits for it and then proceeds.
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ((Get-Content $lockPath -ErrorAction SilentlyContinue) -ne "$($sh.Id)" -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Get-Content $lockPath | Should -Be "$($sh.Id)"
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x55 -LockTimeout 30 -WarningAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5 -Because 'the change waited for the sh holder'
        $sh.WaitForExit(10000) | Should -BeTrue
        @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x55
    }
}

Describe 'A lock directory that cannot be written' -Tag Fuse {
    It 'gives VfioAp.LockUnavailable with the errno and writes nothing (a read-only run/lock under a host root)' {
        # A host root: <dir>/sys is the sysfs (a SimFs mount), so the lock is <dir>/run/lock/s390apconfig.lock.
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-lock-ro-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory (Join-Path $dir 'sys'), (Join-Path $dir 'run/lock')
        & mount -t tmpfs -o ro tmpfs (Join-Path $dir 'run/lock')
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'mounting a read-only tmpfs needs root (CAP_SYS_ADMIN)'; return }
        $dll = Join-Path $RepoRoot 'src/VfioAp.SimFs/bin/Release/net10.0/VfioAp.SimFs.dll'
        $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($a in $dll, '--scenario', 'seed', (Join-Path $dir 'sys'), '--until-stdin-closes') { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true
        $p = [System.Diagnostics.Process]::Start($psi)
        $mount = [pscustomobject]@{ Root = (Join-Path $dir 'sys'); Process = $p }
        try {
            $null = $p.StandardError.ReadToEndAsync()
            $p.StandardOutput.ReadLine() | Should -BeLike 'mounted *'
            $s = New-ApSession -SysfsRoot (Join-Path $dir 'sys')
            [VfioAp.Core.Locking.ApConfigLock]::PathFor((Join-Path $dir 'sys')) | Should -Be (Join-Path $dir 'run/lock/s390apconfig.lock')
            $before = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
            $null = Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 0x60 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockUnavailable,*'
            "$err" | Should -BeLike '*Read-only file system*'
            "$err" | Should -BeLike '*Nothing was written*'
            (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix | Should -Be $before
            Remove-ApSession $s
        }
        finally {
            Stop-TestSimFs $mount
            & umount (Join-Path $dir 'run/lock')
            Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Writers over SSH to the sshd test bed' -Tag Ssh, Fuse, Slow {
    BeforeAll {
        $script:bed = Start-TestSshd
        Confirm-TestSshdHostKey $bed
        $script:mount = Start-TestSimFs seed
        $script:s = New-ApSession -SysfsRoot $mount.Root
        $script:lockPath = [VfioAp.Core.Locking.ApConfigLock]::PathFor($mount.Root)
        $script:sshLine = "`$s = New-ApSession -HostName 127.0.0.1 -Port $($bed.Port) -UserName root -KeyFile '$($bed.ClientKey)' -KnownHostsFile '$($bed.KnownHosts)' -SysfsRoot '$($mount.Root)'"
    }
    AfterAll {
        Remove-ApSession $s
        Stop-TestSimFs $mount
        Stop-TestSshd $bed
        Remove-Item $lockPath -Force -ErrorAction SilentlyContinue
    }

    It 'two processes adding disjoint adapters over SSH (8 calls each): all 16 succeed and all 16 are there' {
        $start = @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ })
        $writers = 0..1 | ForEach-Object {
            $first = 0x10 + 8 * $_
            Start-Writer (LoopScript $sshLine "$first..$($first + 7)" "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
        }
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        ($results.Lines | Where-Object { $_ -like 'ok *' }).Count | Should -Be 16 -Because ($results.Lines + $results.Err -join "`n")
        $end = @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ })
        $end | Should -Be (@($start) + @(0x10..0x1f) | Sort-Object)
        Test-Path $lockPath | Should -BeFalse -Because 'each remote shell released the lock'
    }

    It '<N> processes adding disjoint adapters over SSH (8 calls each)<What>: every call succeeds and all are there' -TestCases @(
        @{ N = 3; Local = $false; What = '' }
        @{ N = 5; Local = $false; What = '' }
        @{ N = 3; Local = $true; What = ', one of them local on the same mount' }
        @{ N = 5; Local = $true; What = ', one of them local on the same mount' }
    ) {
        # None of these adds conflicts with another: a re-plan holds the host's lock across its read, plan and write
        # (over SSH through a remote holder shell), so no call may end in VfioAp.ConcurrentChange.
        $start = @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ })
        $mine = "$(Split-Path $lockPath -Leaf)*.vfioap" # other test runs share /run/lock
        $leftovers = @(Get-ChildItem (Split-Path $lockPath) -Filter $mine | ForEach-Object FullName)
        $localLine = "`$s = New-ApSession -SysfsRoot '$($mount.Root)'"
        $writers = 0..($N - 1) | ForEach-Object {
            $first = 0x20 + 8 * $_
            Start-Writer (LoopScript $(if ($Local -and $_ -eq 0) { $localLine } else { $sshLine }) "$first..$($first + 7)" "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id")
        }
        $results = $writers | ForEach-Object { Wait-Writer $_ }
        ($results.Lines | Where-Object { $_ -like 'ok *' }).Count | Should -Be (8 * $N) -Because ($results.Lines + $results.Err -join "`n")
        $end = @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ })
        try {
            $end | Should -Be (@($start) + @(0x20..(0x20 + 8 * $N - 1)) | Sort-Object -Unique)
            Test-Path $lockPath | Should -BeFalse -Because 'every holder released the lock'
            @(Get-ChildItem (Split-Path $lockPath) -Filter $mine | Where-Object FullName -notin $leftovers) | Should -BeNullOrEmpty -Because 'no remote shell left its temporary file'
        }
        finally { Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Adapter (0x20..(0x20 + 8 * $N - 1)) -WarningAction SilentlyContinue }
    }

    It 'a workstation killed while it holds the lock over SSH: the waiting writer proceeds at once, nothing half-written, no lock left' {
        $before = @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ })
        # The workstation holds the lock as a re-plan does (the session's remote holder shell) and then hangs.
        $holder = Start-Writer "$sshLine; `$h = `$s.Sysfs.HostLock.Acquire('t', [timespan]::FromSeconds(20)); 'held'; Start-Sleep 300"
        $shellPid = 0
        foreach ($i in 1..300) {
            if ((Test-Path $lockPath) -and "$(Get-Content $lockPath -ErrorAction SilentlyContinue)" -match '^\d+$') { $shellPid = [int](Get-Content $lockPath); break }
            Start-Sleep -Milliseconds 100
        }
        $shellPid | Should -BeGreaterThan 0 -Because 'the holder shell took the lock'
        (Get-Process -Id $shellPid).ProcessName | Should -Be 'sh' -Because 'the lock is held by the remote shell, not by the workstation'
        $waiter = Start-Writer (LoopScript $sshLine '0x70' "Set-VfioApMatrix -Session `$s -Mdev $SeedUuid -Adapter `$id -LockTimeout 60")
        Start-Sleep -Seconds 6
        $waiter.Process.HasExited | Should -BeFalse -Because 'the writer waits for the held lock'
        (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ } | Should -Not -Contain 0x70
        $holder.Process.Kill($true) # dotnet, the tool shim and pwsh: the whole workstation process tree
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $result = Wait-Writer $waiter 60
        $result.Lines | Should -Be @('ok 112') -Because $result.Err
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'the holder shell ended with its connection and released the lock (no 120 s stale wait)'
        foreach ($i in 1..100) { if (-not (Get-Process -Id $shellPid -ErrorAction SilentlyContinue)) { break }; Start-Sleep -Milliseconds 100 }
        Get-Process -Id $shellPid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'the holder shell ended with its connection'
        @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Be (@($before) + 0x70 | Sort-Object)
        Test-Path $lockPath | Should -BeFalse
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Remove -Adapter 0x70 -WarningAction SilentlyContinue
    }

    It 'Ctrl+C while the SSH hold waits ends the remote wait at once: nothing left behind, the holder''s lock untouched' {
        $sleeper = Start-SleepHolder
        $remote = New-TestSshSession $bed -SysfsRoot $mount.Root
        try {
            Set-Content $lockPath "$($sleeper.Id)"
            $cts = [System.Threading.CancellationTokenSource]::new()
            $cts.CancelAfter(1500)
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $waits = [System.Collections.Generic.List[object]]::new()
            $failure = $null
            try { $null = $remote.Sysfs.HostLock.Acquire('t', [timespan]::FromSeconds(30), $cts.Token, [Action[VfioAp.Core.Locking.LockWait]] { param($w) $waits.Add($w) }) }
            catch { $failure = $_.Exception.InnerException ?? $_.Exception }
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $failure.Failure | Should -Be 'Cancelled'
            $failure.HolderPid | Should -Be $sleeper.Id
            $waits[0].HolderPid | Should -Be $sleeper.Id -Because 'Write-Progress names the holder'
            Get-Content $lockPath | Should -Be "$($sleeper.Id)"
            $mine = "$(Split-Path $lockPath -Leaf)*.vfioap"
            foreach ($i in 1..50) { if (-not @(Get-ChildItem (Split-Path $lockPath) -Filter $mine)) { break }; Start-Sleep -Milliseconds 100 }
            @(Get-ChildItem (Split-Path $lockPath) -Filter $mine) | Should -BeNullOrEmpty -Because 'the remote wait ended and cleaned up'
        }
        finally { Stop-SleepHolder $sleeper; Remove-Item $lockPath -ErrorAction SilentlyContinue; Remove-ApSession $remote }
    }

    It 'the remote shell waits for a live holder and gives up after -LockTimeout with VfioAp.LockTimeout naming its pid' {
        $holder = Start-SleepHolder
        try {
            Set-Content $lockPath "$($holder.Id)"
            $remote = New-TestSshSession $bed -SysfsRoot $mount.Root
            $before = (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix
            $null = Set-VfioApMatrix -Session $remote -Mdev $SeedUuid -Adapter 0x61 -LockTimeout 2 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.LockTimeout,*'
            "$err" | Should -BeLike "*held by pid $($holder.Id)*"
            (Get-VfioApMdev -Session $s -Mdev $SeedUuid).Matrix | Should -Be $before
            Get-Content $lockPath | Should -Be "$($holder.Id)"
            # Released: the same change over SSH now goes through and leaves no lock behind.
            Remove-Item $lockPath
            Set-VfioApMatrix -Session $remote -Mdev $SeedUuid -Adapter 0x61 -WarningAction SilentlyContinue
            @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x61
            Test-Path $lockPath | Should -BeFalse
            Remove-ApSession $remote
        }
        finally { Stop-SleepHolder $holder }
    }

    It 'a stale lock (dead pid) is taken over by the remote shell' {
        $dead = [System.Diagnostics.Process]::Start('true')
        $dead.WaitForExit()
        Set-Content $lockPath "$($dead.Id)"
        $remote = New-TestSshSession $bed -SysfsRoot $mount.Root
        Set-VfioApMatrix -Session $remote -Mdev $SeedUuid -Adapter 0x62 -LockTimeout 5 -WarningAction SilentlyContinue
        @((Get-VfioApMdev -Session $s -Mdev $SeedUuid).Adapters | ForEach-Object { [int]$_ }) | Should -Contain 0x62
        Test-Path $lockPath | Should -BeFalse
        Remove-ApSession $remote
    }
}
