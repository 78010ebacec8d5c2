# Hung sysfs attributes over SSH (issue 22): a SimFs mount whose chosen attribute stalls on read or write (--stall), as
# one whose firmware or lock never answers, served by the test sshd. A read that hangs ends in VfioAp.SshTimeout naming
# the host within -CommandTimeout plus a few seconds; a plan whose write hangs ends in an error naming the host and the
# write (its attribute) within -CommandTimeout plus -LockTimeout plus a few seconds, and the next run (with time
# enough) converges: the mdev then holds what was asked, whether or not the stalled write landed in between.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
    $script:bed = Start-TestSshd
    Confirm-TestSshdHostKey $bed
    $script:mdevPath = "devices/vfio_ap/matrix/$SeedUuid"
    $script:readStall = "bus/ap/apmask"
    $script:readMount = Start-TestSimFs seed -ExtraArguments '--stall', "read:$($readStall):30"
    $script:writeMount = Start-TestSimFs seed -ExtraArguments '--stall', "write:$mdevPath/ap_config:8", '--stall', "write:$mdevPath/assign_adapter:8"
}

AfterAll {
    Stop-TestSimFs $readMount
    Stop-TestSimFs $writeMount
    Stop-TestSshd $bed
}

Describe 'Hung attributes over SSH (SimFs --stall)' -Tag Ssh, Fuse, Slow {
    It 'a read that hangs is VfioAp.SshTimeout naming the host, within -CommandTimeout plus a few seconds' {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $s = New-TestSshSession $bed -SysfsRoot $readMount.Root -Extra @{ CommandTimeout = 4 } -ErrorVariable openErr -ErrorAction SilentlyContinue
        $q = if ($s) { Get-ApQueue -Session $s -ErrorVariable readErr -ErrorAction SilentlyContinue }
        $clock.Stop()
        Write-Host "stalled read: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s"
        $errors = @($openErr) + @($readErr) | Where-Object { $_ }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.SshTimeout,*'
        $errors[0].Exception.Message | Should -Match ([regex]::Escape("127.0.0.1:$($bed.Port)"))
        $clock.Elapsed.TotalSeconds | Should -BeLessThan (4 + 5)
        $q | Should -BeNullOrEmpty
    }

    It 'a plan whose write hangs names the host and the write in time; the next run converges' {
        $s = New-TestSshSession $bed -SysfsRoot $writeMount.Root -Extra @{ CommandTimeout = 3 }
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Set-VfioApMatrix -Session $s -Mdev $SeedUuid -Adapter 6 -LockTimeout 2 -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        $clock.Stop()
        Write-Host "stalled plan: $($clock.Elapsed.TotalSeconds.ToString('0.0')) s, $($err[0].FullyQualifiedErrorId)"
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Match '^VfioAp\.'
        $err[0].Exception.Message | Should -Match ([regex]::Escape("127.0.0.1:$($bed.Port)"))
        $err[0].Exception.Message | Should -Match 'ap_config|assign_adapter'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan (3 + 2 + 5)

        # The stalled remote shell still holds the host's lock until its write returns; the next run waits for it.
        $again = New-TestSshSession $bed -SysfsRoot $writeMount.Root -Extra @{ CommandTimeout = 60 }
        Set-VfioApMatrix -Session $again -Mdev $SeedUuid -Adapter 6 -LockTimeout 30 -Confirm:$false -WarningAction SilentlyContinue
        (Get-VfioApMdev -Session $again -Uuid $SeedUuid).Matrix.Adapters | Should -Contain 6
    }
}
