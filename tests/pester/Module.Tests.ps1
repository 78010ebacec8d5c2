BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:CmdletTypeCases = [VfioAp.PowerShell.Sessions.ApSession].Assembly.GetTypes() |
        Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
        ForEach-Object { @{ Type = $_; Name = $_.Name } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:Manifest = Import-PowerShellDataFile $ModuleManifest
    $script:Module = Get-Module VfioAp
    $script:CmdletTypes = [VfioAp.PowerShell.Sessions.ApSession].Assembly.GetTypes() |
        Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) }
}

Describe 'Module manifest and layout' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop } | Should -Not -Throw
    }

    It 'exports an explicit list of cmdlets, exactly the cmdlets the assembly defines' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        $Manifest.CmdletsToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        $defined = $CmdletTypes | ForEach-Object {
            $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
            "$($a.VerbName)-$($a.NounName)"
        }
        @($Manifest.CmdletsToExport | Sort-Object) | Should -Be @($defined | Sort-Object)
        @($Module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($defined | Sort-Object)
    }

    It 'exports no functions, variables or wildcard aliases and declares PowerShell 7.4 (Core only), formats, GUID and tags' {
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
        $Manifest.ContainsKey('FunctionsToExport') | Should -BeTrue
        $Manifest.ContainsKey('AliasesToExport') | Should -BeTrue
        $Manifest.AliasesToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        # Only what is tested: the dependency isolation needs AssemblyLoadContext, which Windows PowerShell 5.1 lacks.
        $Manifest.CompatiblePSEditions | Should -Be @('Core')
        $Manifest.PowerShellVersion | Should -Be '7.4'
        $Manifest.PrivateData.PSData.Tags | Should -Not -Contain 'PSEdition_Desktop'
        $Manifest.FormatsToProcess | Should -Be @('VfioAp.Format.ps1xml')
        [guid]$Manifest.GUID | Should -Not -Be ([guid]::Empty)
        $Manifest.Description | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'vfio_ap'
    }

    It 'carries release metadata: version 0.2.0, license and project URLs, release notes, LICENSE files and a changelog entry' {
        $Manifest.ModuleVersion | Should -Be '0.2.0'
        $psData = $Manifest.PrivateData.PSData
        $psData.ProjectUri | Should -Match '^https://'
        $psData.LicenseUri | Should -BeLike "$($psData.ProjectUri)/*LICENSE"
        # Release notes describe the current module: SSH sessions and the write and persistence cmdlets, not only reads.
        foreach ($word in 'HostName', 'Set-VfioApMatrix', 'Export-VfioApMdev', 'AssemblyLoadContext') { $psData.ReleaseNotes | Should -Match $word }
        $top = Get-Content (Join-Path $RepoRoot 'LICENSE') -Raw
        $top | Should -Match '^MIT License'
        Get-Content (Join-Path $RepoRoot 'ps-module/VfioAp/LICENSE') -Raw | Should -Be $top
        Get-Content (Join-Path $RepoRoot 'ps-module/CHANGELOG.md') -Raw | Should -Match "(?m)^## $([regex]::Escape($Manifest.ModuleVersion))$"
    }

    It 'lays out the cmdlet assembly and VfioAp.Core in lib, VfioAp.Ssh and its dependencies in lib/dependencies' {
        $lib = Join-Path $RepoRoot 'ps-module/VfioAp/lib'
        @(Get-ChildItem $lib -Filter *.dll | ForEach-Object Name | Sort-Object) | Should -Be @('VfioAp.Core.dll', 'VfioAp.PowerShell.dll')
        foreach ($dll in 'VfioAp.Ssh.dll', 'Renci.SshNet.dll', 'BouncyCastle.Cryptography.dll') {
            Join-Path $lib "dependencies/$dll" | Should -Exist
        }
        # pwsh brings both: System.Management.Automation, and Newtonsoft.Json 13 in its default context.
        Get-ChildItem $lib -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
        Get-ChildItem $lib -Recurse -Filter 'Newtonsoft.Json.dll' | Should -BeNullOrEmpty
    }

    It 'declares [OutputType] on <Name>' -TestCases $CmdletTypeCases {
        $Type.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $true) | Should -Not -BeNullOrEmpty
    }

    It 'imports in a fresh pwsh 7.6.9 without errors or warnings' {
        $r = Invoke-ChildPwsh @('-Command', "`$ErrorActionPreference = 'Stop'; Import-Module ./ps-module/VfioAp/VfioAp.psd1 -WarningVariable w; if (`$w) { throw `$w }; `$PSVersionTable.PSVersion.ToString(); (Get-Command -Module VfioAp).Count")
        $r.Error | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $lines = $r.Output.Trim() -split "`n" | ForEach-Object Trim
        $lines[0] | Should -Be '7.6.9'
        [int]$lines[1] | Should -Be $Manifest.CmdletsToExport.Count
    }
}
