# The package a user installs: ps-module/Build-VfioApPackage.ps1 builds VfioAp.<version>.nupkg with PSResourceGet,
# a temporary file repository serves it, Save-PSResource installs it into an empty folder, and a fresh pwsh that
# knows only that folder (and $PSHOME/Modules for PowerShell's own modules) imports and uses it.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    $script:Version = (Import-PowerShellDataFile $ModuleManifest).ModuleVersion
    $script:Feed = Join-Path $TestDrive 'feed'
    $script:Installed = Join-Path $TestDrive 'modules'
    $null = New-Item -ItemType Directory $Installed
    # The module as the Release build laid it out (the test run builds once; -NoBuild does not build again).
    $script:Package = & (Join-Path $RepoRoot 'ps-module/Build-VfioApPackage.ps1') -OutputPath $Feed -NoBuild
    $script:RepositoryName = 'VfioApTest-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-PSResourceRepository -Name $RepositoryName -Uri $Feed -Trusted
    Save-PSResource -Name VfioAp -Repository $RepositoryName -Path $Installed -TrustRepository -Quiet
    $script:Entries = & {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
        try { $zip.Entries.FullName } finally { $zip.Dispose() }
    }
}

AfterAll {
    if (Get-PSResourceRepository -Name $RepositoryName -ErrorAction SilentlyContinue) { Unregister-PSResourceRepository -Name $RepositoryName }
}

Describe 'The package' -Tag Slow {
    It 'is VfioAp.<version>.nupkg in the file repository' {
        Split-Path $Package -Leaf | Should -Be "VfioAp.$Version.nupkg"
        $Package | Should -Exist
    }

    It 'holds the module, its help, formats, dependencies, LICENSE and CHANGELOG' {
        foreach ($entry in 'VfioAp.psd1', 'VfioAp.Format.ps1xml', 'LICENSE', 'CHANGELOG.md',
            'en-US/about_VfioAp.help.txt', 'en-US/about_VfioAp_Kernel.help.txt', 'en-US/about_VfioAp_Apcb.help.txt',
            'en-US/VfioAp.PowerShell.dll-Help.xml',
            'lib/VfioAp.PowerShell.dll', 'lib/VfioAp.Core.dll',
            'lib/dependencies/VfioAp.Ssh.dll', 'lib/dependencies/Renci.SshNet.dll', 'lib/dependencies/BouncyCastle.Cryptography.dll') {
            $Entries | Should -Contain $entry
        }
    }

    It 'holds nothing from tests, no debug symbols, no Newtonsoft.Json and no System.Management.Automation' {
        $Entries | Where-Object { $_ -match '(^|/)tests?/|\.Tests\.ps1$|Pester|TestHelpers|SshTestBed|\.pdb$' } | Should -BeNullOrEmpty
        $Entries | Where-Object { $_ -match '(Newtonsoft\.Json|System\.Management\.Automation)\.dll$' } | Should -BeNullOrEmpty
    }

    It 'carries the manifest''s license, project, tags and version in its nuspec' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
        try {
            $reader = [System.IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'VfioAp.nuspec').Open())
            [xml]$nuspec = $reader.ReadToEnd()
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $manifest = Import-PowerShellDataFile $ModuleManifest
        $meta = $nuspec.package.metadata
        $meta.id | Should -Be 'VfioAp'
        $meta.version | Should -Be $Version
        $meta.projectUrl | Should -Be $manifest.PrivateData.PSData.ProjectUri
        $meta.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $meta.tags | Should -Match 'vfio_ap'
    }
}

Describe 'Installed with Save-PSResource' -Tag Slow {
    It 'lands in <folder>/VfioAp/<version> and passes Test-ModuleManifest' {
        $manifest = Join-Path $Installed "VfioAp/$Version/VfioAp.psd1"
        $manifest | Should -Exist
        $m = Test-ModuleManifest -Path $manifest -ErrorAction Stop
        $m.Version.ToString() | Should -Be $Version
        $m.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'imports and works in a fresh pwsh whose PSModulePath holds only that folder and $PSHOME/Modules' {
        $sep = [System.IO.Path]::PathSeparator
        $r = Invoke-ChildPwsh @('-Command', @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$Installed' + '$sep' + (Join-Path `$PSHOME 'Modules')
Import-Module VfioAp
`$q = @(Get-ApQueue -Session (New-ApSession -Simulation seed))
`$examples = Get-Help Get-VfioApApcb -Examples | Out-String
[pscustomobject]@{
    Base = (Get-Module VfioAp).ModuleBase; Version = (Get-Module VfioAp).Version.ToString()
    Queues = `$q.Count; Type = `$q[0].GetType().FullName; Examples = `$examples
} | ConvertTo-Json -Compress
"@)
        $r.Error | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $o = ($r.Output.Trim() -split "`n")[-1] | ConvertFrom-Json
        $o.Base | Should -Be (Join-Path $Installed "VfioAp/$Version")
        $o.Version | Should -Be $Version
        # The same seed host read by the module in the source tree, in this process.
        $here = New-ApSession -Simulation seed
        try { $o.Queues | Should -Be @(Get-ApQueue -Session $here).Count } finally { Remove-ApSession $here }
        $o.Type | Should -Be 'VfioAp.Core.Model.ApQueue'
        $o.Examples | Should -Match 'EXAMPLE 1|Example 1'
        $o.Examples | Should -Match 'Get-VfioApApcb'
    }
}
