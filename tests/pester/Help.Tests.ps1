BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:Cmdlets = (Get-Module VfioAp).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters |
        Where-Object { $_ -notin 'WhatIf', 'Confirm' }
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a written synopsis and description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the synopsis from the syntax.
        $Help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\s+\["
        ($Help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code and a title' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 1
        foreach ($e in $Help.examples.example) {
            $e.code | Should -Not -BeNullOrEmpty
            $e.title | Should -Match 'Example \d+: \S'
        }
    }

    It 'describes every parameter' {
        $documented = @{}
        foreach ($p in $Help.parameters.parameter) { $documented[$p.name] = ($p.description.Text -join ' ') }
        foreach ($p in $Command.Parameters.Keys | Where-Object { $_ -notin $Common }) {
            $documented[$p] | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }

    It 'shows a syntax line for every parameter set' {
        @($Help.syntax.syntaxItem).Count | Should -Be @($Command.ParameterSets).Count
    }
}

Describe 'Help files' {
    It 'en-US/VfioAp.PowerShell.dll-Help.xml is what Build-VfioApHelp.ps1 makes from the cmdlets and VfioAp.Help.psd1' {
        $fresh = Join-Path $TestDrive 'help.xml'
        & (Join-Path $RepoRoot 'ps-module/help/Build-VfioApHelp.ps1') -OutputPath $fresh
        $committed = Join-Path $RepoRoot 'ps-module/VfioAp/en-US/VfioAp.PowerShell.dll-Help.xml'
        (Get-Content -Raw $fresh) | Should -BeExactly (Get-Content -Raw $committed) -Because 'run ps-module/help/Build-VfioApHelp.ps1 after changing a cmdlet or its help text'
    }

    It 'has about_VfioAp with the APCB rule, the id syntax and the error ids' {
        $about = Get-Help about_VfioAp | Out-String
        $about | Should -Match 'THE GUEST APCB RULE'
        $about | Should -Match "'035'\s+octal"
        foreach ($id in 'VfioAp.NoApBus', 'VfioAp.InvalidId', 'VfioAp.ScenarioInvalid', 'VfioAp.SysfsRootNotFound', 'VfioAp.UnknownScenario') {
            $about | Should -Match ([regex]::Escape($id))
        }
    }
}
