BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.ps1')
    $script:CmdletTypeCases = [VfioAp.PowerShell.ApSession].Assembly.GetTypes() |
        Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
        ForEach-Object { @{ Type = $_; Name = $_.Name } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.ps1')
    $script:Manifest = Import-PowerShellDataFile $ModuleManifest
    $script:Module = Get-Module VfioAp
    $script:CmdletTypes = [VfioAp.PowerShell.ApSession].Assembly.GetTypes() |
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

    It 'exports no functions, variables or wildcard aliases and declares both editions, 5.1, formats, GUID and tags' {
        $Manifest.FunctionsToExport | Should -BeNullOrEmpty
        $Manifest.ContainsKey('FunctionsToExport') | Should -BeTrue
        $Manifest.ContainsKey('AliasesToExport') | Should -BeTrue
        $Manifest.AliasesToExport | Where-Object { $_ -match '[*?]' } | Should -BeNullOrEmpty
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $Manifest.FormatsToProcess | Should -Be @('VfioAp.Format.ps1xml')
        [guid]$Manifest.GUID | Should -Not -Be ([guid]::Empty)
        $Manifest.Description | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'vfio_ap'
    }

    It 'ships the cmdlet assembly with its dependencies but not System.Management.Automation.dll' {
        $lib = Join-Path $RepoRoot 'ps-module/VfioAp/lib'
        foreach ($dll in 'VfioAp.PowerShell.dll', 'VfioAp.Core.dll', 'VfioAp.Ssh.dll', 'Renci.SshNet.dll', 'Newtonsoft.Json.dll') {
            Join-Path $lib $dll | Should -Exist
        }
        Join-Path $lib 'System.Management.Automation.dll' | Should -Not -Exist
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
