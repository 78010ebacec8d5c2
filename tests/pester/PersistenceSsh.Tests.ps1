# Persistence over SSH to the test bed: OpenSSH's sshd on loopback serving a SimFs (FUSE) mount of the seed host.
# The round trip export -> remove -> import -Apply goes through the SSH transport; the expected matrix and guest
# matrix are the spec's seed example (§7), not the module's output.
BeforeAll {
    . (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'SshTestBed.ps1')
    $script:bed = Start-TestSshd
    Confirm-TestSshdHostKey $bed
    $script:mount = Start-TestSimFs seed
    $script:remote = New-TestSshSession $bed -SysfsRoot $mount.Root -Extra @{ ComputerName = 'lpar' }
}

AfterAll {
    Get-ApSession | Remove-ApSession
    Stop-TestSimFs $mount
    Stop-TestSshd $bed
}

Describe 'Export, remove and import -Apply over SSH' {
    It 'brings the seed mdev back exactly, with the guest APCB the kernel computes' {
        $before = Get-VfioApMdev -Session $remote
        $before.Uuid | Should -Be $SeedUuid
        @($before.Adapters) | Should -Be @(4, 5)
        @($before.Domains) | Should -Be @(4, 0x22, 0x35)

        $file = Join-Path $TestDrive 'lpar-mdevs.json'
        $before | Export-VfioApMdev -Path $file
        $definition = (Get-Content -Raw $file | ConvertFrom-Json)[0].matrix[0].$SeedUuid
        $definition.mdev_type | Should -Be 'vfio_ap-passthrough'

        Remove-VfioApMdev -Session $remote -Mdev $SeedUuid -Confirm:$false
        Get-VfioApMdev -Session $remote | Should -BeNullOrEmpty

        $applied = Import-VfioApMdev -Path $file -Session $remote -Apply -WarningAction SilentlyContinue
        $applied.ImportAction | Should -Be 'Create'
        $applied.ComputerName | Should -Be 'lpar'
        $after = Get-VfioApMdev -Session $remote
        ($after | ConvertTo-Comparable) | Should -Be ($before | ConvertTo-Comparable)
        $after.GuestMatrixText | Should -BeExactly "04.0004`n04.0022`n04.0035`n"
        Test-VfioApApcb -Session $remote | Should -BeTrue
    }

    It 'applies an import in one remote command per plan, after one read' {
        $file = Join-Path $TestDrive 'update.json'
        Set-Content -Path $file -NoNewline -Value "{""$SeedUuid"": {""mdev_type"": ""vfio_ap-passthrough"", ""start"": ""auto"", ""attrs"": [{""assign_adapter"": ""0x4""}, {""assign_domain"": ""0x4""}, {""assign_domain"": ""0x22""}, {""assign_domain"": ""0x35""}]}}"
        $commands = Get-TestSshdCommandCount $bed
        (Import-VfioApMdev -Path $file -Session $remote -Apply -WarningAction SilentlyContinue).ImportAction | Should -Be 'Update'
        # One read of the host, and the plan with its verifying read in one more.
        (Get-TestSshdCommandCount $bed) - $commands | Should -Be 2
        @((Get-VfioApMdev -Session $remote).Adapters) | Should -Be @(4)
        Test-VfioApApcb -Session $remote | Should -BeTrue
    }

    It 'refuses -Persist over a transport that cannot reach the host''s files, and never writes this machine''s' {
        $root = Join-Path $TestDrive 'local-root'
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d" | Out-Null
        Get-VfioApMdev -Session $remote | Export-VfioApMdev -Persist -MdevctlRoot $root -ErrorVariable err -ErrorAction SilentlyContinue
        if ($remote.Sysfs -is [VfioAp.Core.Persistence.IHostShell]) {
            Set-ItResult -Skipped -Because 'this SSH transport runs scripts on the host, so -Persist works over it'
            return
        }
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevctlRootRequired,*'
        $err[0].Exception.Message | Should -Match 'lpar'
        Get-ChildItem "$root/etc/mdevctl.d" | Should -BeNullOrEmpty
    }
}
