# Which VM holds which mdev: libvirt's domain files read in the snapshot's one batch, from a simulated host, from a
# host-root tree (New-ApSession -HostRoot) and over SSH from the same tree; the VM named in refusals; bad domain XML
# warned about, never fatal. The expectations come from the scenario text ($GuestsJson), not from the module.
BeforeDiscovery {
    $script:Kinds = 'Simulation', 'HostRoot', 'Ssh' | ForEach-Object { @{ Kind = $_ } }
}

# Every Describe is tagged Ssh: this file's BeforeAll starts the sshd test bed for the 'Ssh' kind.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'Scenarios.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:mdevA = 'aaaaaaaa-1111-4000-8000-000000000001'
    $script:mdevB = 'bbbbbbbb-2222-4000-8000-000000000002'
    $script:guestsScenario = Write-ScenarioFile -Name guests -Json $GuestsJson

    # Trees live outside $TestDrive: Pester walks TestDrive after each block, and sysfs's symlinks make that walk endless.
    $script:treeBase = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-pester-guests-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    function script:New-HostRoot([string] $Name) {
        $dir = Join-Path $treeBase $Name
        $kernel = [VfioAp.Core.Simulation.ScenarioLibrary]::Load($guestsScenario)
        [VfioAp.Core.Simulation.SysfsTreeExporter]::ExportHostRoot($kernel, $dir, $true)
        $dir
    }
    $script:hostTree = New-HostRoot 'tree'
    $script:bed = Start-TestSshd
    $null = Add-TestSshdHostKey $bed

    function script:Open([string] $Kind, [string] $Root = $hostTree) {
        switch ($Kind) {
            'Simulation' { New-ApSession -Simulation $guestsScenario }
            'HostRoot' { New-ApSession -HostRoot $Root }
            'Ssh' { New-ApSession -HostName 127.0.0.1 -Port $bed.Port -UserName root -KeyFile $bed.ClientKey -KnownHostsFile $bed.KnownHosts -HostRoot $Root }
        }
    }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    Stop-TestSshd $bed
    if ($treeBase -and (Test-Path $treeBase)) { Remove-Item -Recurse -Force $treeBase }
}

Describe 'Guests read with the host (<Kind>)' -ForEach $Kinds -Tag Ssh {
    BeforeAll { $script:s = Open $Kind }

    It 'Get-VfioApMdev shows each mdev''s Guest, GuestState and Autostart' {
        $m = Get-VfioApMdev -Session $s | Sort-Object { $_.Uuid.ToString() }
        $m.Uuid.Guid | Should -Be @($mdevA, $mdevB)
        $m.Guest | Should -Be @('vm1', 'vm2')
        $m.GuestState | Should -Be @('running', 'shut off')
        $m.Autostart | Should -Be @($true, $false)
    }

    It 'Get-ApQueue -Guest vm1 lists that VM''s queues, with wildcards too' {
        @(Get-ApQueue -Session $s -Guest vm1).Apqn | ForEach-Object ToString | Should -Be @('04.0004', '04.0022')
        @(Get-ApQueue -Session $s -Guest 'VM*').Apqn | ForEach-Object ToString | Should -Be @('04.0004', '04.0022', '05.0004', '05.0035')
        @(Get-ApQueue -Session $s -Guest vm1).Guest | Sort-Object -Unique | Should -Be 'vm1'
        Get-ApQueue -Session $s -Guest nosuchvm | Should -BeNullOrEmpty
    }

    It 'Get-VfioApGuest lists the three domains; piped into Get-VfioApApcb it gives each VM''s APCB' {
        $g = Get-VfioApGuest -Session $s
        $g.Name | Should -Be @('vm1', 'vm2', 'vm3')
        $g.State | Should -Be @('running', 'shut off', 'running')
        $g[0].Mdevs.Guid | Should -Be $mdevA
        @($g[2].Mdevs).Count | Should -Be 0
        "$($g[0].Adapters)" | Should -Be '0x04'
        "$($g[0].Domains)" | Should -Be '0x0004 0x0022'
        $apcb = Get-VfioApGuest -Session $s | Get-VfioApApcb | Sort-Object Guest
        $apcb.Guest | Should -Be @('vm1', 'vm2')
        $apcb[0].Apqns | ForEach-Object ToString | Should -Be @('04.0004', '04.0022')
        $apcb[1].Apqns | ForEach-Object ToString | Should -Be @('05.0004', '05.0035')
        (Get-VfioApGuest -Session $s -Name vm2 | Get-VfioApMdev).Uuid.Guid | Should -Be $mdevB
        (Test-VfioApApcb -Session $s -Guest vm1) | Should -BeTrue
        # A piped session's Name must not be taken for a guest name.
        @($s | Get-VfioApMdev).Count | Should -Be 2
        @($s | Get-VfioApGuest).Count | Should -Be 3
    }
}

Describe 'One round trip' -Tag Ssh {
    It 'each read-only cmdlet is one remote command over SSH with the libvirt files (sshd log)' {
        $s = Open Ssh
        foreach ($cmd in 'Get-VfioApMdev', 'Get-ApQueue', 'Get-VfioApApcb', 'Get-VfioApGuest') {
            $before = Get-TestSshdCommandCount $bed
            $filter = if ($cmd -eq 'Get-VfioApGuest') { @{ Name = 'vm1' } } else { @{ Guest = 'vm1' } }
            $null = & $cmd -Session $s @filter
            (Get-TestSshdCommandCount $bed) - $before | Should -Be 1 -Because $cmd
        }
    }

    It 'each read-only cmdlet is one batch on a host-root tree' {
        $s = Open HostRoot
        $before = $s.RoundTrips
        $null = Get-VfioApGuest -Session $s
        $null = Get-ApQueue -Session $s -Guest vm1
        $s.RoundTrips - $before | Should -Be 2
    }
}

Describe 'libvirt''s files as the test bed serves them' -Tag Ssh {
    It 'validate against libvirt''s own domain schema (xmllint --relaxng, Debian libvirt0)' {
        $rng = '/usr/share/libvirt/schemas/domain.rng'
        if (-not (Test-Path $rng) -or -not (Get-Command xmllint -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because "libvirt's schema ($rng, package libvirt0) or xmllint (libxml2-utils) is not installed"
            return
        }
        $files = @(Get-ChildItem "$hostTree/etc/libvirt/qemu/*.xml")
        $files.Count | Should -Be 3
        foreach ($f in $files) {
            $out = & xmllint --noout --relaxng $rng $f.FullName 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        }
        foreach ($f in Get-ChildItem "$hostTree/run/libvirt/qemu/*.xml") {
            (Get-Content $f -Raw) | Should -Match "<domstatus state='running'"
            $inner = Join-Path $TestDrive "live-$($f.Name)"
            & xmllint --xpath '/domstatus/domain' $f.FullName | Set-Content $inner
            $out = & xmllint --noout --relaxng $rng $inner 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        }
        (Get-Item "$hostTree/etc/libvirt/qemu/autostart/vm1.xml").LinkTarget | Should -Be '/etc/libvirt/qemu/vm1.xml'
    }
}

Describe 'Refusals name the VM' -Tag Ssh {
    It 'VfioAp.ApqnInUse names the other mdev and its VM, and nothing is written' {
        $s = Open Simulation
        Set-VfioApMatrix -Session $s -Mdev $mdevB -Add -Adapter 4 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $err[0].Exception.Message | Should -BeLike "*$mdevA*vm1*"
        "$((Get-VfioApMdev -Session $s -Uuid $mdevB).Adapters)" | Should -Be '0x05'
    }

    It 'Remove-VfioApMdev refuses the running VM''s mdev naming the VM, over SSH too' {
        foreach ($kind in 'Simulation', 'Ssh') {
            $s = Open $kind (New-HostRoot "rm-$kind")
            Remove-VfioApMdev -Session $s -Mdev $mdevA -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevInUse,*'
            $err[0].Exception.Message | Should -BeLike "*'vm1'*"
            Get-VfioApMdev -Session $s -Uuid $mdevA | Should -Not -BeNullOrEmpty
        }
    }

    It 'refuses while a running domain references the mdev even when no queue says "in use"' {
        # vm2 started behind the kernel's back: a live status file, but its queues still say "assigned".
        $dir = New-HostRoot 'live-vm2'
        $def = Get-Content "$dir/etc/libvirt/qemu/vm2.xml" -Raw
        $domain = $def.Substring($def.IndexOf('<domain'))
        Set-Content "$dir/run/libvirt/qemu/vm2.xml" "<domstatus state='running' reason='booted' pid='4242'>`n$domain</domstatus>`n"
        $s = Open HostRoot $dir
        (Get-ApQueue -Session $s -Mdev $mdevB).Status | Sort-Object -Unique | Should -Be 'assigned'
        Remove-VfioApMdev -Session $s -Mdev $mdevB -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevInUse,*'
        $err[0].Exception.Message | Should -BeLike "*'vm2' (running)*"
    }

    It 'warns about the shut-off VM''s definition and needs -Force' {
        $s = Open Simulation
        Remove-VfioApMdev -Session $s -Mdev $mdevB -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        $warn[0].Message | Should -BeLike "*VM 'vm2' (shut off)*$mdevB*"
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevDefinedForGuest,*'
        Get-VfioApMdev -Session $s -Uuid $mdevB | Should -Not -BeNullOrEmpty
        Remove-VfioApMdev -Session $s -Mdev $mdevB -Force -Confirm:$false -WarningAction SilentlyContinue
        Get-VfioApMdev -Session $s -Uuid $mdevB -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Bad libvirt XML never fails a read' -Tag Ssh {
    BeforeAll {
        $script:bad = New-HostRoot 'bad'
        $q = "$bad/etc/libvirt/qemu"
        Set-Content "$q/broken.xml" "<domain type='kvm'><name>broken</name><devices>"
        Set-Content "$q/nouuid.xml" "<domain type='kvm'><name>nouuid</name><devices><hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address/></source></hostdev></devices></domain>"
        Set-Content "$q/upper.xml" "<domain type='kvm'><name>upper</name><devices><hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='$($mdevB.ToUpper())'/></source></hostdev></devices></domain>"
        Set-Content "$q/braced.xml" "<domain type='kvm'><name>braced</name><devices><hostdev mode='subsystem' type='mdev' model='vfio-ap'><source><address uuid='{$mdevB}'/></source></hostdev></devices></domain>"
        # Unreadable: a directory where a file should be (root reads any mode, so chmod would not do).
        $null = New-Item -ItemType Directory "$q/unreadable.xml"
    }

    It 'warns once per file, naming it, and shows the rest (<_>)' -ForEach 'HostRoot', 'Ssh' {
        $s = Open $_ $bad
        $m = Get-VfioApMdev -Session $s -WarningVariable warn -WarningAction SilentlyContinue
        $m.Count | Should -Be 2
        ($m | Where-Object Uuid -eq $mdevA).Guest | Should -Be 'vm1'
        # upper.xml still references mdev B (with a warning); vm2 too.
        ($m | Where-Object Uuid -eq $mdevB).Guests | Should -Be @('upper', 'vm2')
        $text = $warn.Message -join "`n"
        foreach ($f in 'broken.xml', 'nouuid.xml', 'upper.xml', 'braced.xml', 'unreadable.xml') {
            @($warn.Message | Where-Object { $_ -like "*$f*" }).Count | Should -Be 1 -Because "$f`n$text"
        }
        (Get-VfioApGuest -Session $s -WarningAction SilentlyContinue).Name | Should -Be @('braced', 'nouuid', 'upper', 'vm1', 'vm2', 'vm3')
    }
}

Describe 'No libvirt' -Tag Ssh {
    It 'a host root without libvirt files has no guests and no error' {
        $dir = Join-Path $treeBase 'nolibvirt'
        $kernel = [VfioAp.Core.Simulation.ScenarioLibrary]::Load('seed')
        [VfioAp.Core.Simulation.SysfsTreeExporter]::Export($kernel, "$dir/sys")
        $s = New-ApSession -HostRoot $dir
        Get-VfioApGuest -Session $s -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
        (Get-VfioApMdev -Session $s).GuestState | Should -Be 'not defined'
    }
}

Describe 'Kernel-log evidence for a failed reset' -Tag Ssh {
    BeforeAll {
        # The seed host where the last reset of 04.0022 failed while every queue stays bound: sysfs cannot show it, the
        # simulated kernel logs it as vfio_ap's apq_status_check does.
        $script:rfScenario = Write-ScenarioFile -Name reset -Json $ResetFailedJson
        $script:rfTree = Join-Path $treeBase 'reset'
        [VfioAp.Core.Simulation.SysfsTreeExporter]::ExportHostRoot([VfioAp.Core.Simulation.ScenarioLibrary]::Load($rfScenario), $rfTree, $true)
    }

    It 'Test-VfioApApcb -Detailed attaches the kernel''s log line (<_>); the prediction stays what sysfs shows' -ForEach 'Simulation', 'Ssh' {
        $s = if ($_ -eq 'Simulation') { New-ApSession -Simulation $rfScenario } else { Open Ssh $rfTree }
        $diff = @(Test-VfioApApcb -Session $s -Detailed)
        $diff.Count | Should -Be 1
        $diff[0].LikelyCause | Should -Be 'QueueResetFailed'
        $diff[0].Evidence.Count | Should -Be 1
        $diff[0].Evidence[0].Text | Should -Be 'failed to verify reset of queue 04.0022: TAPQ rc=4'
        $diff[0].Evidence[0].Timestamp | Should -Match '^\d+\.\d{6}$'
        $apcb = Get-VfioApApcb -Session $s
        ($apcb.Dropped | Where-Object Reason -eq QueueResetFailed).Evidence[0].Apqn.ToString() | Should -Be '04.0022'
        "$($apcb.Adapters)" | Should -Be '0x04'   # the prediction keeps adapter 04: all its queues are bound
    }

    It 'says "kernel log not readable" and still answers when the log cannot be read' {
        $dir = Join-Path $treeBase 'reset-unreadable'
        [VfioAp.Core.Simulation.SysfsTreeExporter]::ExportHostRoot([VfioAp.Core.Simulation.ScenarioLibrary]::Load($rfScenario), $dir, $true)
        Remove-Item "$dir/var/log/kern.log"
        $null = New-Item -ItemType Directory "$dir/var/log/kern.log"   # root reads any mode; a directory cannot be read
        $diff = @(Test-VfioApApcb -Session (Open Ssh $dir) -Detailed)
        $diff.Count | Should -Be 1
        $diff[0].Evidence.Count | Should -Be 0
        $diff[0].Message | Should -BeLike '*kernel log not readable*'
    }
}
