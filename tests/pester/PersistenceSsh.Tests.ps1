# Persistence over SSH to the test bed: OpenSSH's sshd on loopback serving a SimFs (FUSE) mount of the seed host.
# The round trip export -> remove -> import -Apply goes through the SSH transport; the expected matrix and guest
# matrix are the seed example's (about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host"), not the module's output.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'SshTestBed.psm1') -Force
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

Describe 'Export, remove and import -Apply over SSH' -Tag Ssh, Fuse {
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

    It '-Persist writes mdevctl''s directory on the host through the SSH session, and -FromHost reads it back' {
        # The test bed's host is this machine on loopback, so the host's files can be looked at directly here.
        $root = Join-Path $TestDrive 'lpar-root'
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d" | Out-Null
        $live = Get-VfioApMdev -Session $remote
        $live | Export-VfioApMdev -Persist -MdevctlRoot $root -Confirm:$false
        $file = "$root/etc/mdevctl.d/matrix/$SeedUuid"
        $file | Should -Exist
        $definition = Get-Content -Raw $file | ConvertFrom-Json
        $definition.mdev_type | Should -Be 'vfio_ap-passthrough'
        @($definition.attrs | ForEach-Object { $_.PSObject.Properties.Name + '=' + $_.PSObject.Properties.Value }) |
            Should -Be @(@($live.Adapters | ForEach-Object { 'assign_adapter=0x{0:x}' -f [int]$_ }) + @($live.Domains | ForEach-Object { 'assign_domain=0x{0:x}' -f [int]$_ }))

        $back = Import-VfioApMdev -FromHost -Session $remote -MdevctlRoot $root -WarningAction SilentlyContinue
        $back.Uuid | Should -Be $SeedUuid
        @($back.Adapters | ForEach-Object { [int]$_ }) | Should -Be @($live.Adapters | ForEach-Object { [int]$_ })
        @($back.Domains | ForEach-Object { [int]$_ }) | Should -Be @($live.Domains | ForEach-Object { [int]$_ })
    }
}
