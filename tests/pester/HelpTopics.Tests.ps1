# The kernel reference that ships with the module (about_VfioAp_Kernel, about_VfioAp_Apcb): both topics load with
# Get-Help, carry the section headings the code's comments cite, and what they claim agrees with the module's code
# (error ids, errnos, the errno-to-id mapping, the worked examples' output). And nothing in the repository points at
# a reference outside it.

BeforeAll {
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:HelpDir = Join-Path $RepoRoot 'ps-module/VfioAp/en-US'
    Import-Module (Join-Path $RepoRoot 'ps-module/VfioAp/VfioAp.psd1') -Force -ErrorAction Stop
    $PSStyle.OutputRendering = 'PlainText'

    $script:Sections = @{
        about_VfioAp_Kernel = 'TERMS', 'SYSFS LAYOUT', 'READ FORMATS', 'WRITE SYNTAX', 'OWNERSHIP AND BINDING',
                              'REFUSALS AND ERRNOS', 'SCENARIO FILES'
        about_VfioAp_Apcb   = 'THE RULE', 'REASONS', 'OLDER KERNELS', 'WORKED EXAMPLES'
        about_VfioAp_Boot   = 'BOOT STEP BY STEP', 'WHERE THE MASKS COME FROM', 'THE UDEV RULE', 'MDEVCTL AND AP CHECK',
                              'THE PREDICTION', 'A RUNBOOK BEFORE A REBOOT', 'PRACTISING ON A SIMULATED HOST'
    }
    $script:ExampleHeadings = 'The seed host', 'An over-provisioned domain', 'Adapters only', 'The kernel documentation example'

    function script:Get-TopicLines([string] $Name) {
        Get-Content -LiteralPath (Join-Path $HelpDir "$Name.help.txt") -Encoding utf8
    }

    # The lines of one section: from its heading (a line holding only the heading) to the next heading in capitals.
    function script:Get-SectionLines([string[]] $Lines, [string] $Heading) {
        $start = [array]::FindIndex($Lines, [Predicate[string]] { param($l) $l -cmatch "^\s*$([regex]::Escape($Heading))\s*$" })
        if ($start -lt 0) { throw "no section '$Heading'" }
        $out = [System.Collections.Generic.List[string]]::new()
        for ($i = $start + 1; $i -lt $Lines.Count; $i++) {
            if ($Lines[$i] -cmatch '^\s{0,2}[A-Z][A-Z ]+$') { break }
            $out.Add($Lines[$i])
        }
        , $out.ToArray()
    }

    # Find types by name so the test follows the code wherever a refactor puts them.
    $script:CoreTypes = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'VfioAp.Core', 'VfioAp.PowerShell' } |
        ForEach-Object { $_.GetTypes() }
    $script:ErrnoType = $CoreTypes | Where-Object { $_.IsEnum -and $_.Name -eq 'Errno' } | Select-Object -First 1
    $script:RefusalType = $CoreTypes | Where-Object { $_.IsEnum -and $_.Name -eq 'RefusalCode' } | Select-Object -First 1
    $script:DropReasonType = $CoreTypes | Where-Object { $_.IsEnum -and $_.Name -eq 'ApcbDropReason' } | Select-Object -First 1

    # Every error id the module's code holds: string constants "VfioAp.<Name>" anywhere in its two assemblies, and
    # "VfioAp." + each refusal code (the ids of refused and failed changes).
    $script:ModuleIds = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($t in $CoreTypes) {
        foreach ($f in $t.GetFields([System.Reflection.BindingFlags]'Public,NonPublic,Static')) {
            if ($f.IsLiteral -and $f.FieldType -eq [string]) {
                $v = $f.GetRawConstantValue()
                if ($v -cmatch '^VfioAp\.[A-Z]\w+$') { $null = $ModuleIds.Add($v) }
            }
        }
    }
    foreach ($n in [enum]::GetNames($RefusalType)) { if ($n -ne 'None') { $null = $ModuleIds.Add("VfioAp.$n") } }

    # The code's errno-to-refusal mapping: a public static method (attribute name, Errno) -> RefusalCode.
    $script:Classify = $CoreTypes | ForEach-Object { $_.GetMethods([System.Reflection.BindingFlags]'Public,Static') } | Where-Object {
        $p = $_.GetParameters()
        $_.ReturnType -eq $RefusalType -and $p.Count -eq 2 -and $p[0].ParameterType -eq [string] -and $p[1].ParameterType -eq $ErrnoType
    } | Select-Object -First 1
}

Describe '<Name>' -ForEach @(@{ Name = 'about_VfioAp_Kernel' }, @{ Name = 'about_VfioAp_Apcb' }, @{ Name = 'about_VfioAp_Boot' }) {
    It 'loads with Get-Help after Import-Module' {
        $text = Get-Help $Name | Out-String
        $text | Should -Match "TOPIC\s+$Name\b"
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Match 'SEE ALSO'
    }

    It 'has every section heading that comments and tests cite' {
        $lines = Get-TopicLines $Name
        foreach ($heading in $Sections[$Name]) {
            @($lines -cmatch "^\s*$([regex]::Escape($heading))\s*$").Count | Should -Be 1 -Because "$Name needs the section $heading"
        }
        foreach ($top in 'TOPIC', 'SHORT DESCRIPTION', 'LONG DESCRIPTION', 'SEE ALSO') {
            $lines | Should -Contain $top
        }
    }

    It 'is plain ASCII with lines of at most 120 characters' {
        $n = 0
        foreach ($line in Get-TopicLines $Name) {
            $n++
            $line.Length | Should -BeLessOrEqual 120 -Because "line $n of $Name"
            $line | Should -Not -Match '[^\x09\x20-\x7E]' -Because "line $n of $Name"
        }
    }

    It 'names only error ids the module has' {
        $named = [regex]::Matches((Get-TopicLines $Name) -join "`n", '\bVfioAp\.[A-Z]\w+') | ForEach-Object Value | Sort-Object -Unique
        foreach ($id in $named) { $ModuleIds | Should -Contain $id -Because "$Name names $id" }
    }

    It 'names only errnos the module knows' {
        # Section names in citations ("about_VfioAp_Apcb: WORKED EXAMPLES") and headings are not errnos.
        $text = ((Get-TopicLines $Name) | Where-Object { $_ -cnotmatch '^\s*[A-Z][A-Z ]+$' }) -join "`n"
        $text = $text -creplace 'about_VfioAp\w*:\s+[A-Z][A-Z ]*[A-Z]', ''
        $errnos = [regex]::Matches($text, '\bE[A-Z]{3,}\b') | ForEach-Object Value | Sort-Object -Unique
        $errnos | Should -Not -BeNullOrEmpty
        foreach ($e in $errnos) { [enum]::GetNames($ErrnoType) | Should -Contain $e -Because "$Name quotes $e" }
    }
}

Describe 'about_VfioAp_Kernel: REFUSALS AND ERRNOS' {
    BeforeAll {
        # Parse the section into (attributes, errnos, id): an attribute block starts at a line of four spaces and
        # attribute names ("    apmask, aqmask") or "    Any attribute"; an entry at eight spaces and errno names; the
        # entry's text continues on deeper lines, and its first VfioAp.<Name> is the id it says the errno becomes.
        $lines = Get-SectionLines (Get-TopicLines 'about_VfioAp_Kernel') 'REFUSALS AND ERRNOS'
        $all = [System.Collections.Generic.List[string]]::new()
        $script:Entries = [System.Collections.Generic.List[object]]::new()
        $attributes = $null; $entry = $null
        foreach ($line in $lines) {
            if ($line -cmatch '^    ([a-z_]+(?:, [a-z_]+)*)\s*$') {
                $attributes = $Matches[1] -split ', '; $all.AddRange([string[]]$attributes); $entry = $null
            } elseif ($line -cmatch '^    Any attribute\s*$') {
                $attributes = 'ANY'; $entry = $null
            } elseif ($line -cmatch '^ {4}\S') {
                $attributes = $null; $entry = $null
            } elseif ($attributes -and $line -cmatch '^ {8}(E[A-Z]+(?:, E[A-Z]+)*)\s{2,}(.*)$') {
                $entry = [pscustomobject]@{ Attributes = $attributes; Errnos = $Matches[1] -split ', '; Text = $Matches[2] }
                $Entries.Add($entry)
            } elseif ($entry -and $line -match '^ {16,}\S') {
                $entry.Text += ' ' + $line.Trim()
            } else {
                $entry = $null
            }
        }
        $script:AllAttributes = $all | Sort-Object -Unique
    }

    It 'finds the errno-to-id mapping in the code' {
        $Classify | Should -Not -BeNullOrEmpty -Because 'the module maps (attribute, errno) to a refusal code somewhere in its Core'
    }

    It 'covers every errno the module maps a write refusal to, and every write attribute' {
        $Entries.Count | Should -BeGreaterOrEqual 20
        $errnos = $Entries.Errnos | Sort-Object -Unique
        foreach ($e in 'EINVAL', 'ERANGE', 'ENODEV', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EBUSY', 'EEXIST', 'EUSERS', 'EACCES', 'EPERM', 'ENOENT') {
            $errnos | Should -Contain $e
        }
        foreach ($a in 'assign_adapter', 'assign_domain', 'unassign_adapter', 'unassign_domain', 'assign_control_domain',
            'unassign_control_domain', 'ap_config', 'apmask', 'aqmask', 'create', 'remove', 'bind', 'unbind') {
            $AllAttributes | Should -Contain $a
        }
    }

    It 'gives, for each attribute and errno, the error id the module''s code gives' {
        foreach ($e in $Entries) {
            $e.Text | Should -Match '\bVfioAp\.[A-Z]\w+' -Because "the entry for $($e.Errnos -join '/') on $($e.Attributes -join ', ') names an id"
            $said = [regex]::Match($e.Text, '\bVfioAp\.([A-Z]\w+)').Groups[1].Value
            $attributes = if ($e.Attributes -eq 'ANY') { $AllAttributes } else { $e.Attributes }
            foreach ($attribute in $attributes) {
                foreach ($errno in $e.Errnos) {
                    $code = $Classify.Invoke($null, [object[]]@([string]$attribute, [enum]::Parse($ErrnoType, [string]$errno)))
                    "$code" | Should -Be $said -Because "the topic says $errno on $attribute becomes VfioAp.$said"
                }
            }
        }
    }
}

Describe 'about_VfioAp_Apcb' {
    It 'lists exactly the reasons the module gives for a cut' {
        $lines = Get-SectionLines (Get-TopicLines 'about_VfioAp_Apcb') 'REASONS'
        $listed = $lines | Where-Object { $_ -cmatch '^ {8}([A-Z][A-Za-z]+)\s{2,}' } | ForEach-Object { ($_.Trim() -split '\s+')[0] }
        ($listed | Sort-Object) -join ',' | Should -Be (([enum]::GetNames($DropReasonType) | Sort-Object) -join ',')
    }

    It 'has the worked examples under their headings' {
        $lines = Get-SectionLines (Get-TopicLines 'about_VfioAp_Apcb') 'WORKED EXAMPLES'
        foreach ($h in $ExampleHeadings) { @($lines -cmatch "^ {4}$([regex]::Escape($h))\s*$").Count | Should -Be 1 -Because $h }
    }
}

Describe 'about_VfioAp_Apcb: WORKED EXAMPLES, "<Heading>"' -ForEach @(
    @{ Heading = 'The seed host' }, @{ Heading = 'An over-provisioned domain' }, @{ Heading = 'Adapters only' },
    @{ Heading = 'The kernel documentation example' }) {
    BeforeAll {
        # The example's PS> commands and the lines printed after each, as the topic shows them.
        $lines = Get-SectionLines (Get-TopicLines 'about_VfioAp_Apcb') 'WORKED EXAMPLES'
        $start = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -ceq "    $Heading" })
        $script:Steps = [System.Collections.Generic.List[object]]::new()
        for ($i = $start + 1; $i -lt $lines.Count -and $lines[$i] -notmatch '^ {4}\S'; $i++) {
            if ($lines[$i] -match '^\s+PS> (.*)$') {
                $Steps.Add([pscustomobject]@{ Command = $Matches[1]; Expected = [System.Collections.Generic.List[string]]::new() })
            } elseif ($Steps.Count -gt 0 -and $lines[$i].Trim()) {
                $Steps[-1].Expected.Add($lines[$i].Trim())
            }
        }
    }

    AfterAll { Get-ApSession | Remove-ApSession }

    It 'prints what the topic says it prints' {
        $Steps.Count | Should -BeGreaterThan 1
        foreach ($step in $Steps) {
            $output = . ([scriptblock]::Create($step.Command)) | Out-String -Width 250
            $printed = @($output -split '\r?\n' | ForEach-Object TrimEnd | Where-Object { $_ })
            ($printed -join "`n") | Should -Be ($step.Expected -join "`n") -Because "PS> $($step.Command)"
        }
    }
}

Describe 'about_VfioAp_Apcb: WORKED EXAMPLES, the seed host''s matrix and guest_matrix' {
    AfterAll { Get-ApSession | Remove-ApSession }

    It 'are quoted as the module reads them from the simulated seed host' {
        $lines = Get-SectionLines (Get-TopicLines 'about_VfioAp_Apcb') 'WORKED EXAMPLES'
        $matrix = @(($lines | Where-Object { $_ -match '^\s+matrix:\s' }) -replace '^\s+matrix:\s+' -split '\s+')
        $guest = @(($lines | Where-Object { $_ -match '^\s+guest_matrix:\s' }) -replace '^\s+guest_matrix:\s+' -split '\s+')
        $matrix.Count | Should -Be 6
        $s = New-ApSession -Simulation seed
        $mdev = Get-VfioApMdev -Session $s
        $apcb = Get-VfioApApcb -Session $s
        @($mdev.Apqns | ForEach-Object ToString) | Should -Be $matrix
        @($apcb.KernelGuestMatrix -split "`n" | Where-Object { $_ }) | Should -Be $guest
        @($apcb.Apqns | ForEach-Object ToString) | Should -Be $guest
    }
}

Describe 'Nothing in the repository points outside it' {
    It 'no file under src, tests, examples, ps-module, .ci or README.md cites the external spec or design notes' {
        # Built from pieces so that this file does not match itself.
        $patterns = @(
            [string][char]0xA7                # the section sign of "spec <sign>N"
            'shared' + '/spec'
            'vfio-ap' + '.md'
            'DESIGN' + '.md'
            '..' + '/shared'
        )
        $roots = 'src', 'tests', 'examples', 'ps-module', 'README.md', '.ci'
        Push-Location $RepoRoot
        try {
            $files = @(git ls-files -- $roots 2>$null)
            if ($LASTEXITCODE -ne 0 -or $files.Count -eq 0) {
                $files = foreach ($r in $roots) {
                    if (Test-Path $r -PathType Leaf) { $r }
                    elseif (Test-Path $r) {
                        Get-ChildItem $r -Recurse -File | Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]' |
                            ForEach-Object { [System.IO.Path]::GetRelativePath($RepoRoot, $_.FullName) }
                    }
                }
            }
        } finally { Pop-Location }
        $files.Count | Should -BeGreaterThan 100

        $offenders = foreach ($f in $files) {
            $path = Join-Path $RepoRoot $f
            if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { continue }
            $bytes = [System.IO.File]::ReadAllBytes($path)
            if ([array]::IndexOf($bytes, [byte]0, 0, [Math]::Min($bytes.Length, 8000)) -ge 0) { continue }   # binary
            $text = [System.Text.Encoding]::UTF8.GetString($bytes)
            $hits = $patterns | Where-Object { $text.Contains($_) }
            if ($hits) { "$f ($($hits -join ', '))" }
        }
        $offenders | Should -BeNullOrEmpty -Because "these files point outside the repository:`n$($offenders -join "`n")"
    }
}
