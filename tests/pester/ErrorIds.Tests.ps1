# Every error id the module can emit is listed in about_VfioAp (scripts match on them; the list is their contract).
# The ids are gathered three ways, so a new one cannot slip past: the id constants of the PowerShell layer (by
# reflection), the Core's refusal codes (each becomes "VfioAp.<code>" through PlanFailure.ErrorId), and a scan of the
# sources for any other "VfioAp.<Name>" string literal that is not an assembly or namespace name.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $assembly = [VfioAp.PowerShell.Errors.VfioApErrorId].Assembly
    $fromConstants = foreach ($type in $assembly.GetTypes() | Where-Object { $_.Namespace -eq 'VfioAp.PowerShell.Errors' -and $_.Name -like '*ErrorId' }) {
        foreach ($field in $type.GetFields([System.Reflection.BindingFlags]'Public,Static') | Where-Object IsLiteral) {
            @{ Id = [string]$field.GetRawConstantValue(); From = "$($type.Name).$($field.Name)" }
        }
    }
    $fromRefusals = [enum]::GetNames([VfioAp.Core.Rules.RefusalCode]) | Where-Object { $_ -ne 'None' } |
        ForEach-Object { @{ Id = "VfioAp.$_"; From = "RefusalCode.$_" } }
    # Names that are assemblies, namespaces or a load context, not error ids.
    $notIds = @(Get-ChildItem (Join-Path $RepoRoot 'src'), (Join-Path $RepoRoot 'tests') -Directory | ForEach-Object Name) + 'VfioAp.Dependencies'
    $fromSources = foreach ($file in Get-ChildItem (Join-Path $RepoRoot 'src') -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]') {
        foreach ($m in [regex]::Matches((Get-Content $file.FullName -Raw), '"(VfioAp\.[A-Z][A-Za-z]+)"')) {
            $id = $m.Groups[1].Value
            if ($id -notin $notIds) { @{ Id = $id; From = $file.Name } }
        }
    }
    # One test per id: the first place it was found names it.
    $seen = @{}
    $script:Ids = @(@($fromConstants) + @($fromRefusals) + @($fromSources) | Where-Object { -not $seen.ContainsKey($_.Id) -and ($seen[$_.Id] = $true) })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:About = Get-Content (Join-Path $RepoRoot 'ps-module/VfioAp/en-US/about_VfioAp.help.txt') -Raw
}

Describe 'Error ids' {
    It 'finds the ids to check (constants, refusal codes, sources)' {
        # A sanity floor, so a broken gathering cannot pass by finding nothing.
        $Ids.Count | Should -BeGreaterThan 40
        $Ids.Id | Should -Contain 'VfioAp.SessionClosed'
        $Ids.Id | Should -Contain 'VfioAp.ApqnInUse'
        $Ids.Id | Should -Contain 'VfioAp.DefinitionInvalid'
    }

    It '<Id> (<From>) is listed in about_VfioAp' -ForEach $Ids {
        $About | Should -Match ('(?m)^\s+' + [regex]::Escape($Id) + '\b')
    }

    It 'no id is built on the fly in the PowerShell layer ("VfioAp." + ...)' {
        $built = Get-ChildItem (Join-Path $RepoRoot 'src/VfioAp.PowerShell') -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]' |
            Select-String -Pattern '"VfioAp\."\s*\+' | ForEach-Object { "$($_.Filename):$($_.LineNumber)" }
        $built | Should -BeNullOrEmpty
    }
}
