# Faults of the file system under mdevctl's directory (issue 22): Export-VfioApMdev -Persist into a directory that is
# full (ENOSPC: a small tmpfs filled up) or read-only (EROFS: a read-only tmpfs) must end in a documented id with the
# C library's text of the errno, and leave nothing half-written: a definition that was there stays byte for byte, and
# no temporary file remains. The mounts are made by the test at its own directories and removed in AfterAll.
# The same for the udev rules directory: Set-ApBusMask -Persist writes the live masks and chzdev's rule in one plan, so
# a rule that cannot be written takes the live write back too.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:seed = New-ApSession -Simulation seed
    $script:mounts = [System.Collections.Generic.List[string]]::new()
    $script:Skip = $null
    if ((id -u) -ne '0') { $script:Skip = 'mounting a tmpfs needs root' }

    function script:New-TmpfsRoot([string] $Options) {
        # A -MdevctlRoot whose etc/mdevctl.d is a fresh tmpfs mounted with $Options.
        $root = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-fsfault-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $dir = Join-Path $root 'etc/mdevctl.d'
        $null = New-Item -ItemType Directory -Force $dir
        & mount -t tmpfs -o $Options tmpfs $dir
        if ($LASTEXITCODE -ne 0) { throw "mount -t tmpfs -o $Options failed" }
        $mounts.Add($dir)
        $root
    }

    function script:Get-Tree([string] $Root) {
        # Every file under the mdevctl directory with its bytes, so "unchanged" is byte for byte.
        Get-ChildItem (Join-Path $Root 'etc/mdevctl.d') -Recurse -File -Force |
            ForEach-Object { '{0} {1}' -f $_.FullName, [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($_.FullName)) }
    }
}

AfterAll {
    foreach ($m in $mounts) { & umount $m; Remove-Item -Recurse -Force (Split-Path (Split-Path $m)) -ErrorAction SilentlyContinue }
}

Describe 'Export-VfioApMdev -Persist on a full or read-only mdevctl directory' {
    It 'ENOSPC: VfioAp.PersistFailed with the errno text; the old definition stays byte for byte, no temporary file' {
        if ($Skip) { Set-ItResult -Skipped -Because $Skip; return }
        $root = New-TmpfsRoot 'size=64k'
        $mdev = Get-VfioApMdev -Session $seed
        $mdev | Export-VfioApMdev -Persist -MdevctlRoot $root
        $before = Get-Tree $root
        $before | Should -Not -BeNullOrEmpty
        # Fill the file system to the last byte (dd stops at ENOSPC).
        $filler = Join-Path $root 'etc/mdevctl.d/filler'
        & dd if=/dev/zero of=$filler bs=4096 2>$null
        $before = Get-Tree $root
        $mdev | Export-VfioApMdev -Persist -MdevctlRoot $root -Start Manual -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.PersistFailed,*'
        $err[0].Exception.Message | Should -Match 'No space left on device'
        Get-Tree $root | Should -Be $before
    }

    It 'EROFS: VfioAp.PersistFailed with the errno text; nothing is written' {
        if ($Skip) { Set-ItResult -Skipped -Because $Skip; return }
        $root = New-TmpfsRoot 'ro,size=64k'
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.PersistFailed,*'
        $err[0].Exception.Message | Should -Match 'Read-only file system'
        @(Get-ChildItem (Join-Path $root 'etc/mdevctl.d') -Recurse -Force).Count | Should -Be 0
    }
}

Describe 'Set-ApBusMask -Persist on a full or read-only udev rules directory' -Tag Fuse {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
        # A host root whose sys/ is a live simulated kernel (SimFs) and whose etc/udev/rules.d is the test's tmpfs.
        function script:New-UdevFaultHost([string] $Options) {
            $root = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-udevfault-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            $rules = Join-Path $root 'etc/udev/rules.d'
            $null = New-Item -ItemType Directory -Force $rules, (Join-Path $root 'run/lock')
            & mount -t tmpfs -o $Options tmpfs $rules
            if ($LASTEXITCODE -ne 0) { throw "mount -t tmpfs -o $Options failed" }
            $mount = Start-TestSimFs seed -Root (Join-Path $root 'sys')
            [pscustomobject]@{ Root = $root; Rules = $rules; Mount = $mount; Session = New-ApSession -HostRoot $root }
        }
        function script:Remove-UdevFaultHost($Fault) {
            Remove-ApSession $Fault.Session -ErrorAction SilentlyContinue
            Stop-TestSimFs $Fault.Mount
            & umount $Fault.Rules
            Remove-Item -Recurse -Force $Fault.Root -ErrorAction SilentlyContinue
        }
    }

    It '<Fault>: a documented id with the errno text; the live masks are taken back and the rules directory is as it was' -ForEach @(
        @{ Fault = 'ENOSPC'; Options = 'size=64k'; Text = 'No space left on device' }
        @{ Fault = 'EROFS'; Options = 'ro,size=64k'; Text = 'Read-only file system' }
    ) {
        if ($Skip) { Set-ItResult -Skipped -Because $Skip; return }
        $f = New-UdevFaultHost $Options
        try {
            if ($Fault -eq 'ENOSPC') { $filler = Join-Path $f.Rules 'filler'; & dd if=/dev/zero of=$filler bs=4096 2>$null }
            $files = @(Get-ChildItem -Force $f.Rules | ForEach-Object Name)
            $bus = Get-ApBusConfig -Session $f.Session
            Set-ApBusMask -Session $f.Session -Adapter 7 -Owner VfioAp -Persist -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $err.Count | Should -Be 1 -Because ($err -join "`n")
            $err[0].FullyQualifiedErrorId | Should -Match '^VfioAp\.\w+,'
            $err[0].Exception.Message | Should -Match $Text
            $err[0].Exception.Message | Should -Match '41-ap\.rules'
            # All or nothing: the apmask write that went first is undone, and no rule or temporary file is left.
            $now = Get-ApBusConfig -Session $f.Session
            "$($now.ApMask)" | Should -Be "$($bus.ApMask)"
            @(Get-ChildItem -Force $f.Rules | ForEach-Object Name) | Should -Be $files
        }
        finally { Remove-UdevFaultHost $f }
    }
}
