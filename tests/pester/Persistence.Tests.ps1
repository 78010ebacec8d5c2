# Export-, Import- and Compare-VfioApMdev on the simulated seed host, with the real mdevctl (Debian's 1.2.0) reading and
# writing the definitions. Expected matrices come from the seed example (about_VfioAp_Apcb: WORKED EXAMPLES, "The seed
# host"), not from the module's output.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:SeedAdapters = @(4, 5)
    $script:SeedDomains = @(4, 0x22, 0x35)

    # mdevctl 1.2.0 has no MDEVCTL_ENV_ROOT (only upstream's test builds read it), so it runs in a private mount
    # namespace with the test root's etc/mdevctl.d bound over /etc/mdevctl.d: the machine's own directory is untouched.
    $script:MdevctlSkip = $null
    if (-not (Get-Command mdevctl -ErrorAction SilentlyContinue)) {
        $env:DEBIAN_FRONTEND = 'noninteractive'
        apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends mdevctl *> $null
        if ($LASTEXITCODE -ne 0) { $script:MdevctlSkip = "mdevctl is not installed and 'apt-get install mdevctl' failed (exit $LASTEXITCODE)" }
    }
    if (-not $MdevctlSkip -and -not (Test-Path /etc/mdevctl.d)) { $script:MdevctlSkip = '/etc/mdevctl.d (the bind-mount target) is missing' }
    if (-not $MdevctlSkip) {
        unshare --mount --propagation private true 2>$null
        if ($LASTEXITCODE -ne 0) { $script:MdevctlSkip = 'cannot create a private mount namespace (unshare --mount needs root)' }
    }

    function Invoke-Mdevctl {
        # A simple function: mdevctl's own -p, -u, -t reach it in $args instead of binding to common parameters.
        $Root = $args[0]
        $Arguments = @($args | Select-Object -Skip 1)
        $out = unshare --mount --propagation private sh -c 'mount --bind "$0/etc/mdevctl.d" /etc/mdevctl.d && exec mdevctl "$@"' $Root @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "mdevctl $Arguments exited $($LASTEXITCODE): $out" }
        $out -join "`n"
    }

    function New-MdevctlRoot {
        $root = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Force -Path "$root/etc/mdevctl.d/scripts.d/callouts", "$root/etc/mdevctl.d/scripts.d/notifiers" | Out-Null
        $root
    }

    function Get-MatrixOfAttrs($attrs) {
        $m = @{ assign_adapter = @(); assign_domain = @(); assign_control_domain = @() }
        foreach ($a in $attrs) { foreach ($p in $a.PSObject.Properties) { $m[$p.Name] += [Convert]::ToInt32($p.Value, 16) } }
        $m
    }

    function Remove-SeedMdev($Session) {
        Remove-VfioApMdev -Session $Session -Mdev $SeedUuid -Confirm:$false
        Get-VfioApMdev -Session $Session | Should -BeNullOrEmpty
    }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Export-VfioApMdev' {
    BeforeAll { $script:seed = New-ApSession -Simulation seed }

    It 'writes mdevctl''s list form with the seed matrix as 0x assign attributes' {
        $text = Get-VfioApMdev -Session $seed | Export-VfioApMdev
        $list = $text | ConvertFrom-Json
        $def = $list[0].matrix[0].$SeedUuid
        $def.mdev_type | Should -Be 'vfio_ap-passthrough'
        $def.start | Should -Be 'manual'
        $m = Get-MatrixOfAttrs $def.attrs
        $m.assign_adapter | Should -Be $SeedAdapters
        $m.assign_domain | Should -Be $SeedDomains
        $m.assign_control_domain | Should -BeNullOrEmpty
        foreach ($a in $def.attrs) { $a.PSObject.Properties.Value | Should -Match '^0x[0-9a-f]+$' }
        $text.ComputerName | Should -Be 'seed'
    }

    It 'writes node-device XML and the guest hostdev element' {
        [xml] $nd = Export-VfioApMdev -Session $seed -Format NodeDeviceXml
        $nd.device.parent | Should -Be 'ap_matrix'
        $nd.device.capability.GetAttribute('type') | Should -Be 'mdev'
        $nd.device.capability.SelectSingleNode('type').GetAttribute('id') | Should -Be 'vfio_ap-passthrough'
        $nd.device.capability.uuid | Should -Be $SeedUuid
        @($nd.device.capability.attr | Where-Object name -EQ assign_domain | ForEach-Object { [Convert]::ToInt32($_.value, 16) }) | Should -Be $SeedDomains
        [xml] $hd = Export-VfioApMdev -Session $seed -Format HostdevXml
        $hd.hostdev.type | Should -Be 'mdev'
        $hd.hostdev.model | Should -Be 'vfio-ap'
        $hd.hostdev.managed | Should -Be 'no'
        $hd.hostdev.source.address.uuid | Should -Be $SeedUuid
    }

    It 'exports from the host each piped mdev came from, even with a default -Session' {
        $other = New-ApSession -Simulation kernel-doc -ComputerName kdoc
        $PSDefaultParameterValues['Export-VfioApMdev:Session'] = $seed
        try {
            $texts = Get-VfioApMdev -Session $other | Export-VfioApMdev -Format HostdevXml
        } finally { $PSDefaultParameterValues.Remove('Export-VfioApMdev:Session') }
        @($texts).Count | Should -Be 3
        @($texts.ComputerName | Sort-Object -Unique) | Should -Be 'kdoc'
    }

    It 'writes one mdevctl file per mdev into a directory, named by the UUID' {
        $dir = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'exportdir')
        $files = Export-VfioApMdev -Session $seed -Path $dir -PassThru
        $files.Name | Should -Be "$SeedUuid"
        (Get-Content -Raw $files.FullName | ConvertFrom-Json).mdev_type | Should -Be 'vfio_ap-passthrough'
    }

    It '-Persist -WhatIf lists the file operations and writes nothing' {
        $root = New-MdevctlRoot
        $script = "Import-Module ./ps-module/VfioAp/VfioAp.psd1; Get-VfioApMdev -Session (New-ApSession -Simulation seed) | Export-VfioApMdev -Persist -MdevctlRoot '$root' -WhatIf"
        $r = Invoke-ChildPwsh -Arguments '-Command', $script
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match ([regex]::Escape("What if: Performing the operation ""Create directory"" on target ""$root/etc/mdevctl.d/matrix on seed"""))
        $r.Output | Should -Match ([regex]::Escape("on target ""$root/etc/mdevctl.d/matrix/$SeedUuid on seed"""))
        $r.Output | Should -Match 'Create mdevctl definition \(start auto, adapters 0x04-0x05, domains 0x04,0x22,0x35'
        Test-Path "$root/etc/mdevctl.d/matrix" | Should -BeFalse
    }

    It '-Persist on a simulated host without -MdevctlRoot is refused: it has no mdevctl directory of its own' {
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevctlRootRequired,*'
    }

    It '-Persist into a root without mdevctl''s directory says to install mdevctl' {
        $bare = Join-Path $TestDrive 'bare'
        New-Item -ItemType Directory -Path $bare | Out-Null
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $bare -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevctlNotInstalled,*'
        $err[0].Exception.Message | Should -Match 'mdevctl'
        Get-ChildItem $bare | Should -BeNullOrEmpty
    }
}

Describe 'Persisted definitions and the real mdevctl' {
    BeforeAll { $script:seed = New-ApSession -Simulation seed }

    It 'mdevctl lists what Export-VfioApMdev -Persist wrote, with the same matrix and start auto' {
        if ($MdevctlSkip) { Set-ItResult -Skipped -Because $MdevctlSkip; return }
        $root = New-MdevctlRoot
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root
        $listed = Invoke-Mdevctl $root list --defined --dumpjson | ConvertFrom-Json
        $def = $listed[0].matrix[0].$SeedUuid
        $def.start | Should -Be 'auto'
        $m = Get-MatrixOfAttrs $def.attrs
        $m.assign_adapter | Should -Be $SeedAdapters
        $m.assign_domain | Should -Be $SeedDomains
    }

    It 'Import-VfioApMdev reads what mdevctl define and modify wrote back to objects equal to the live mdev' {
        if ($MdevctlSkip) { Set-ItResult -Skipped -Because $MdevctlSkip; return }
        $root = New-MdevctlRoot
        Invoke-Mdevctl $root define -u $SeedUuid -p matrix -t vfio_ap-passthrough | Out-Null
        # As an admin types them: decimal and hex mixed; the kernel (and the import) read 34 as 0x22.
        foreach ($a in @('assign_adapter=4', 'assign_adapter=0x5', 'assign_domain=4', 'assign_domain=34', 'assign_domain=0x35')) {
            $name, $value = $a -split '='
            Invoke-Mdevctl $root modify -u $SeedUuid "--addattr=$name" "--value=$value" | Out-Null
        }
        Invoke-Mdevctl $root modify -u $SeedUuid --auto | Out-Null
        $imported = @(Import-VfioApMdev -FromHost -MdevctlRoot $root -Session $seed -WarningAction SilentlyContinue)
        $imported.Count | Should -Be 1
        $imported[0].Uuid | Should -Be $SeedUuid
        @($imported[0].Adapters) | Should -Be $SeedAdapters
        @($imported[0].Domains) | Should -Be $SeedDomains
        $imported[0].Start | Should -Be 'Auto'
        $imported[0].ImportAction | Should -Be 'None'
        $imported[0].Source | Should -Be "$root/etc/mdevctl.d/matrix/$SeedUuid"
        $live = Get-VfioApMdev -Session $seed
        ($imported[0] | Select-Object Uuid, Matrix, Adapters, Domains, ControlDomains, ComputerName | ConvertTo-Json -Compress) |
            Should -Be ($live | Select-Object Uuid, Matrix, Adapters, Domains, ControlDomains, ComputerName | ConvertTo-Json -Compress)
    }

    It 'Import-VfioApMdev reads a definition mdevctl made for another mdev into that mdev''s matrix' {
        if ($MdevctlSkip) { Set-ItResult -Skipped -Because $MdevctlSkip; return }
        $root = New-MdevctlRoot
        $uuid = '783e6dbb-ea0e-411f-94e2-717eaad438bf'
        $json = Join-Path $TestDrive 'vfio_ap_device.json'
        Set-Content -Path $json -NoNewline -Value '{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "6"}, {"assign_domain": "0x22"}, {"assign_control_domain": "0x22"}]}'
        Invoke-Mdevctl $root define -u $uuid -p matrix --jsonfile $json | Out-Null
        $imported = @(Import-VfioApMdev -FromHost -MdevctlRoot $root -Session $seed -WarningAction SilentlyContinue)
        $imported.Uuid | Should -Be $uuid
        @($imported.Adapters) | Should -Be @(6)
        @($imported.Domains) | Should -Be @(0x22)
        @($imported.ControlDomains) | Should -Be @(0x22)
        $imported.ImportAction | Should -Be 'Create'
        $imported.Start | Should -Be 'Manual'
    }
}

Describe 'Round trip: export, remove, import -Apply' {
    It 'brings the seed mdev back exactly, with the guest APCB the kernel computes' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        $before = Get-VfioApMdev -Session $seed
        $before | Export-VfioApMdev -Persist -MdevctlRoot $root
        Remove-SeedMdev $seed
        Get-VfioApMdev -Session $seed | Should -BeNullOrEmpty
        (Compare-VfioApMdev -Session $seed -MdevctlRoot $root).Kind | Should -Be 'NotLive'

        $applied = Import-VfioApMdev -FromHost -MdevctlRoot $root -Session $seed -Apply -WarningAction SilentlyContinue
        $applied.ImportAction | Should -Be 'Create'
        $after = Get-VfioApMdev -Session $seed
        ($after | ConvertTo-Comparable) | Should -Be ($before | ConvertTo-Comparable)
        Test-VfioApApcb -Session $seed | Should -BeTrue
        Compare-VfioApMdev -Session $seed -MdevctlRoot $root | Should -BeNullOrEmpty
    }

    It 'imports from a copy of mdevctl''s directory given as a path' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        $before = Get-VfioApMdev -Session $seed
        $before | Export-VfioApMdev -Persist -MdevctlRoot $root
        Remove-SeedMdev $seed
        (Import-VfioApMdev -Path "$root/etc/mdevctl.d" -Session $seed -Apply -WarningAction SilentlyContinue).Uuid | Should -Be $SeedUuid
        (Get-VfioApMdev -Session $seed | ConvertTo-Comparable) | Should -Be ($before | ConvertTo-Comparable)
    }

    It 'goes through a node-device XML file as well' {
        $seed = New-ApSession -Simulation seed
        $file = Join-Path $TestDrive 'seed-nodedev.xml'
        $before = Get-VfioApMdev -Session $seed
        $before | Export-VfioApMdev -Format NodeDeviceXml -Path $file
        Remove-SeedMdev $seed
        Import-VfioApMdev -Path $file -Session $seed -Apply -WarningAction SilentlyContinue | Out-Null
        (Get-VfioApMdev -Session $seed | ConvertTo-Comparable) | Should -Be ($before | ConvertTo-Comparable)
        Test-VfioApApcb -Session $seed | Should -BeTrue
    }

    It '-Apply -WhatIf lists every sysfs write and changes nothing' {
        # What-if text goes to the host UI, so a child pwsh shows it as a user sees it.
        $file = Join-Path $TestDrive 'seed-whatif.json'
        $script = @"
Import-Module ./ps-module/VfioAp/VfioAp.psd1
`$s = New-ApSession -Simulation seed
Export-VfioApMdev -Session `$s -Path '$file'
Remove-VfioApMdev -Session `$s -Mdev $SeedUuid -Confirm:`$false
Import-VfioApMdev -Path '$file' -Session `$s -Apply -WhatIf -WarningAction SilentlyContinue
'mdevs after: ' + @(Get-VfioApMdev -Session `$s).Count
"@
        $r = Invoke-ChildPwsh -Arguments '-Command', $script
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Match "What if: Create mdev $SeedUuid"
        $r.Output | Should -Match ([regex]::Escape("echo $SeedUuid > devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"))
        foreach ($d in '0x4', '0x22', '0x35') { $r.Output | Should -Match ([regex]::Escape("echo $d > devices/vfio_ap/matrix/$SeedUuid/assign_domain")) }
        $r.Output | Should -Match 'mdevs after: 0'
    }

    It 'a write that fails midway is rolled back: the mdev ends as it started' {
        # The seed host on a kernel without ap_config, so the update is several single writes and step 2 can fail.
        $legacy = Write-ScenarioFile -Name 'seed-legacy' -Json @'
{
  "name": "seed-legacy",
  "kernel": { "apConfig": false },
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "queues": { "05.0035": { "driver": null } },
  "mdevs": [ { "uuid": "62177883-f1bb-47f0-914d-32a22e3a8804", "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": [], "guest": null } ]
}
'@
        $seed = New-ApSession -Simulation $legacy
        $file = Join-Path $TestDrive 'changed.json'
        # The same mdev with adapter 05 dropped and control domain 0x04 added: unassign_adapter, then assign_control_domain.
        $json = '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "0x4"}, {"assign_domain": "0x4"}, {"assign_domain": "0x22"}, {"assign_domain": "0x35"}, {"assign_control_domain": "0x4"}]}'
        Set-Content -Path $file -Value $json -NoNewline
        $before = Get-VfioApMdev -Session $seed | ConvertTo-Comparable
        $seed.Sysfs.FailNextPlanAt(1, [VfioAp.Core.Model.Errno]::EIO)
        Import-VfioApMdev -Path $file -Uuid $SeedUuid -Session $seed -Apply -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        # The write side's id and words for a failed write: the same as Set-VfioApMatrix would give.
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.WriteFailed,*'
        $err[0].Exception.Message | Should -Match "Importing mdev $SeedUuid from .*changed\.json.*step 2 of 2.*assign_control_domain.*EIO"
        $err[0].Exception.Message | Should -Match 'Rolled back'
        Get-VfioApMdev -Session $seed | ConvertTo-Comparable | Should -Be $before
        # Without the fault the same import applies.
        (Import-VfioApMdev -Path $file -Uuid $SeedUuid -Session $seed -Apply -WarningAction SilentlyContinue).ImportAction | Should -Be 'Update'
        @((Get-VfioApMdev -Session $seed).Adapters) | Should -Be @(4)
        @((Get-VfioApMdev -Session $seed).ControlDomains) | Should -Be @(4)
    }
}

Describe 'Import-VfioApMdev input forms' {
    BeforeAll {
        $script:seed = New-ApSession -Simulation seed
        $script:file = Join-Path $TestDrive 'forms.json'
        Export-VfioApMdev -Session $seed -Path $file
    }

    It 'reads <Name>' -ForEach @(
        @{ Name = 'lines from Get-Content'; Run = { Get-Content $file | Import-VfioApMdev -Session $seed } }
        @{ Name = 'the text from Get-Content -Raw'; Run = { Get-Content -Raw $file | Import-VfioApMdev -Session $seed } }
        @{ Name = 'a file from Get-Item'; Run = { Get-Item $file | Import-VfioApMdev -Session $seed } }
        @{ Name = 'a path by position'; Run = { Import-VfioApMdev $file -Session $seed } }
        @{ Name = '-Content'; Run = { Import-VfioApMdev -Content (Get-Content -Raw $file) -Session $seed } }
        @{ Name = 'node-device XML from Export-VfioApMdev'; Run = { Export-VfioApMdev -Session $seed -Format NodeDeviceXml | Import-VfioApMdev -Session $seed } }
    ) {
        $m = @(& $Run 3>$null)
        $m.Count | Should -Be 1
        $m[0].Uuid | Should -Be $SeedUuid
        @($m[0].Adapters) | Should -Be $SeedAdapters
        $m[0].ImportAction | Should -Be 'None'
    }

    It 'checks that the mdev a guest''s hostdev names exists' {
        $other = [guid]'783e6dbb-ea0e-411f-94e2-717eaad438bf'
        $domain = "<domain type='kvm'><name>guest1</name><devices>$(Export-VfioApMdev -Session $seed -Format HostdevXml)<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'><source><address uuid='$other'/></source></hostdev></devices></domain>"
        $found = Import-VfioApMdev -Content $domain -Session $seed -ErrorVariable err -ErrorAction SilentlyContinue
        $found.Uuid | Should -Be $SeedUuid
        $found.Guest | Should -Be 'guest1'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.MdevNotFound,*'
        $err[0].Exception.Message | Should -Match "guest1.*$other.*would not start"
    }

    It 'refuses to run without input' {
        { Import-VfioApMdev -Session $seed -ErrorAction Stop } | Should -Throw -ErrorId 'VfioAp.DefinitionInvalid,*'
    }
}

Describe 'Bad input names the file and the entry, and nothing is written' {
    BeforeAll {
        $script:seed = New-ApSession -Simulation seed
        $script:other = '783e6dbb-ea0e-411f-94e2-717eaad438bf'
    }

    It 'refuses <Name>' -ForEach @(
        @{ Name = 'malformed JSON'; Text = "{`n  ""mdev_type"": ""vfio_ap-passthrough"",`n  ""start"": ""auto"",`n  ""attrs"": [`n"; Match = 'line \d+.*malformed JSON' }
        @{ Name = 'wrong mdev type'; Text = '{"mdev_type": "vfio_ccw-io", "start": "auto", "attrs": []}'; Match = 'mdev_type.*vfio_ccw-io' }
        @{ Name = 'adapter out of range'; Text = '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "0x4"}, {"assign_adapter": "0x100"}]}'; Match = 'attrs\[1\] \(assign_adapter\).*0x100.*255' }
        @{ Name = 'octal trap 08'; Text = '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_domain": "08"}]}'; Match = 'attrs\[0\] \(assign_domain\).*''08''.*EINVAL' }
    ) {
        $file = Join-Path $TestDrive $other
        Set-Content -Path $file -Value $Text -NoNewline
        $before = Get-VfioApMdev -Session $seed | ConvertTo-Comparable
        $out = Import-VfioApMdev -Path $file -Session $seed -Apply -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Match '^VfioAp\.(DefinitionInvalid|ImportRefused),'
        $err[0].Exception.Message | Should -BeLike "*$file*"
        $err[0].Exception.Message | Should -Match $Match
        Get-VfioApMdev -Session $seed | ConvertTo-Comparable | Should -Be $before
    }

    It 'refuses a key that is not a UUID, naming it' {
        $bad = '{"62177883-f1bb-47f0-914d-32a22e3a88zz": {"mdev_type": "vfio_ap-passthrough", "start": "auto"}}'
        Import-VfioApMdev -Content $bad -Session $seed -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -Match '62177883-f1bb-47f0-914d-32a22e3a88zz.*not a UUID'
    }

    It 'refuses an APQN that another mdev holds, naming that mdev, and changes nothing' {
        $json = "{""$other"": {""mdev_type"": ""vfio_ap-passthrough"", ""start"": ""auto"", ""attrs"": [{""assign_adapter"": ""0x5""}, {""assign_domain"": ""0x22""}]}}"
        $before = Get-VfioApMdev -Session $seed | ConvertTo-Comparable
        Import-VfioApMdev -Content $json -Session $seed -Apply -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        # The id Set-VfioApMatrix and Test-VfioApMatrix give the same refusal.
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.ApqnInUse,*'
        $err[0].Exception.Message | Should -Match "05\.0022.*$SeedUuid.*EADDRINUSE"
        Get-VfioApMdev -Session $seed | ConvertTo-Comparable | Should -Be $before
    }
}

Describe 'Compare-VfioApMdev' {
    It 'reports nothing when in sync, and per-field drift after a live change' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root
        Compare-VfioApMdev -Session $seed -MdevctlRoot $root | Should -BeNullOrEmpty
        (Compare-VfioApMdev -Session $seed -MdevctlRoot $root -IncludeEqual).InSync | Should -BeTrue

        # A live change that was not persisted.
        Set-VfioApMatrix -Session $seed -Mdev $SeedUuid -Remove -Domain 0x35 -WarningAction SilentlyContinue
        $d = Compare-VfioApMdev -Session $seed -MdevctlRoot $root
        $d.Kind | Should -Be 'MatrixDiffers'
        @($d.DomainsOnlyPersisted) | Should -Be @(0x35)
        $d.DomainsOnlyLive.IsEmpty | Should -BeTrue
        $d.AdaptersOnlyLive.IsEmpty | Should -BeTrue
    }

    It 'flags a live mdev without a definition and a manual start where auto is expected' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        (Compare-VfioApMdev -Session $seed -MdevctlRoot $root).Kind | Should -Be 'NotPersisted'
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root -Start Manual
        (Compare-VfioApMdev -Session $seed -MdevctlRoot $root -ExpectedStart Auto).Kind | Should -Be 'StartDiffers'
    }
}

Describe 'Views of the persistence objects' {
    It 'shows drift as a table that fits 100 columns with the differences last' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root -Start Manual
        Set-VfioApMatrix -Session $seed -Mdev $SeedUuid -Remove -Domain 0x35 -WarningAction SilentlyContinue
        $lines = (Compare-VfioApMdev -Session $seed -MdevctlRoot $root -ExpectedStart Auto | Format-Table | Out-String -Width 100) -split "`r?`n" | Where-Object { $_.Trim() }
        ($lines | Measure-Object -Property Length -Maximum).Maximum | Should -BeLessOrEqual 100
        ($lines | Where-Object { $_ -match '^Uuid\s' }) -split '\s+' | Where-Object { $_ } | Should -Be 'Uuid', 'Kind', 'Live', 'Persisted', 'Start', 'Differences'
        ($lines -join ' ') | Should -Match "$SeedUuid MatrixDiffers, StartDiffers\s+True\s+True\s+Manual"
        $lines | Should -Contain '   ComputerName: seed'
    }

    It 'shows the file operations of -Persist -PassThru as Kind and Path' {
        $seed = New-ApSession -Simulation seed
        $root = New-MdevctlRoot
        $text = Get-VfioApMdev -Session $seed | Export-VfioApMdev -Persist -MdevctlRoot $root -PassThru | Format-Table | Out-String -Width 200
        $text | Should -Match "CreateDirectory\s+$([regex]::Escape("$root/etc/mdevctl.d/matrix"))"
        $text | Should -Match "CreateFile\s+$([regex]::Escape("$root/etc/mdevctl.d/matrix/$SeedUuid"))"
    }
}

Describe 'mdevctl start re-creates a persisted mdev on a FUSE-mounted simulated host' -Tag Fuse {
    # The whole boot path with real parts: the definition Export-VfioApMdev -Persist wrote, the real mdevctl start
    # (create, then each assign attribute in order), and a simulated kernel served by VfioAp.SimFs over FUSE. mdevctl
    # reads /sys/class/mdev_bus and /sys/bus/mdev/devices, which the simulated tree does not have, so in mdevctl's
    # private mount namespace a small /sys of symlinks points into the FUSE mount.
    BeforeAll {
        $script:SimFsSkip = $MdevctlSkip
        $script:SimFsDll = Join-Path $RepoRoot 'src/VfioAp.SimFs/bin/Release/net10.0/VfioAp.SimFs.dll'
        if (-not $SimFsSkip -and -not (Test-Path $SimFsDll)) { $script:SimFsSkip = "VfioAp.SimFs is not built ($SimFsDll)" }
        if (-not $SimFsSkip -and -not (Test-Path /dev/fuse)) { $script:SimFsSkip = '/dev/fuse is missing: FUSE cannot run here' }
        if (-not $SimFsSkip -and -not (Get-Command fusermount3 -ErrorAction SilentlyContinue)) { $script:SimFsSkip = 'fusermount3 (fuse3) is not installed' }
        $script:SimFs = $null
        if (-not $SimFsSkip) {
            # The seed host (about_VfioAp_Kernel: SCENARIO FILES) before its mdev was created.
            $scenario = Write-ScenarioFile -Name 'seed-without-mdev' -Json @'
{
  "name": "seed-without-mdev",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "queues": { "05.0035": { "driver": null } },
  "mdevs": []
}
'@
            $script:Mount = Join-Path $TestDrive 'simfs'
            New-Item -ItemType Directory -Path $Mount | Out-Null
            $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in $SimFsDll, '--scenario', $scenario, $Mount, '--until-stdin-closes') { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardInput = $true
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $script:SimFs = [System.Diagnostics.Process]::Start($psi)
            $ready = $SimFs.StandardOutput.ReadLineAsync()
            if (-not $ready.Wait(60000) -or $ready.Result -notlike 'mounted *') {
                $script:SimFsSkip = "VfioAp.SimFs did not mount: $($ready.Result) $($SimFs.StandardError.ReadToEnd())"
            }
        }
    }
    AfterAll {
        if ($SimFs) {
            $SimFs.StandardInput.Close()
            if (-not $SimFs.WaitForExit(20000)) { fusermount3 -u $Mount 2>$null; $null = $SimFs.WaitForExit(10000) }
        }
    }

    It 'ends with the seed mdev and the guest matrix of the seed example' {
        if ($SimFsSkip) { Set-ItResult -Skipped -Because $SimFsSkip; return }
        $root = New-MdevctlRoot
        Get-VfioApMdev -Session (New-ApSession -Simulation seed) | Export-VfioApMdev -Persist -MdevctlRoot $root

        $fakeSys = Join-Path $TestDrive 'fakesys'
        New-Item -ItemType Directory -Force -Path "$fakeSys/class/mdev_bus", "$fakeSys/bus/mdev/devices" | Out-Null
        New-Item -ItemType SymbolicLink -Path "$fakeSys/class/mdev_bus/matrix" -Target "$Mount/devices/vfio_ap/matrix" | Out-Null
        New-Item -ItemType SymbolicLink -Path "$fakeSys/bus/mdev/devices/$SeedUuid" -Target "$Mount/devices/vfio_ap/matrix/$SeedUuid" | Out-Null
        $out = unshare --mount --propagation private sh -c 'mount --bind "$0/etc/mdevctl.d" /etc/mdevctl.d && mount --bind "$1" /sys && exec mdevctl start -u "$2"' $root $fakeSys "$SeedUuid" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "mdevctl start said: $out"

        $tree = New-ApSession -SysfsRoot $Mount -ComputerName simfs
        $m = Get-VfioApMdev -Session $tree
        $m.Uuid | Should -Be $SeedUuid
        @($m.Adapters) | Should -Be $SeedAdapters
        @($m.Domains) | Should -Be $SeedDomains
        $m.GuestMatrixText | Should -BeExactly "04.0004`n04.0022`n04.0035`n"
        Test-VfioApApcb -Session $tree | Should -BeTrue
        Compare-VfioApMdev -Session $tree -MdevctlRoot $root | Should -BeNullOrEmpty
    }
}
