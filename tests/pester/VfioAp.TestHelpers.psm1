# The helpers every Pester file shares, imported by each file's BeforeAll (and its BeforeDiscovery where the test cases
# come from the module, as in Help.Tests.ps1):
#     Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
# Importing it imports the module under test as built (ps-module/VfioAp) into the global scope, where the test files'
# scripts see its cmdlets. Values the tests check come from the worked examples (about_VfioAp_Apcb: WORKED EXAMPLES)
# and the scenario files (about_VfioAp_Kernel: SCENARIO FILES), never from the module's own output.
# A module's functions do not see the calling test file's variables: everything they need is a parameter, or Pester's
# global $TestDrive.

# A module's functions do not inherit the caller's preferences: the runner (Invoke-VfioApPester.ps1) stops on any
# error, and so do these helpers, as they did when the test files dot-sourced them.
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModuleManifest = Join-Path $RepoRoot 'ps-module/VfioAp/VfioAp.psd1'
Import-Module $ModuleManifest -Force -Global -ErrorAction Stop

# The mdev of the seed scenario (about_VfioAp_Kernel: SCENARIO FILES; about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host").
$script:SeedUuid = [guid]'62177883-f1bb-47f0-914d-32a22e3a8804'

function Write-ScenarioFile {
    <# Writes a scenario JSON file under the test's TestDrive (or -Directory) and returns its path. #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Json, [string] $Directory = $global:TestDrive)
    if (-not $Directory) { throw 'Write-ScenarioFile runs inside a Pester test (TestDrive) or needs -Directory.' }
    $path = Join-Path $Directory "$Name.json"
    Set-Content -Path $path -Value $Json -Encoding utf8NoBOM -NoNewline
    $path
}

function ConvertTo-Comparable {
    <# An object's data as JSON, without the Session note (which differs between sessions by design). #>
    param([Parameter(ValueFromPipeline)] $InputObject)
    process {
        # Without the libvirt and kernel-log parts (Guest*, Autostart, Evidence): the SimFs test bed and sysfs trees
        # serve sysfs only, while a simulated host also has its scenario's libvirt files and kernel log.
        # Guests.Tests.ps1 compares those parts across simulation, host-root trees and SSH.
        $json = $InputObject | Select-Object -Property * -ExcludeProperty Session, Guest, Guests, GuestState, Autostart | ConvertTo-Json -Depth 6 -Compress -WarningAction SilentlyContinue
        $json -replace '"Evidence":\[[^\]]*\],?', '' -replace '"Guest":(null|"[^"]*"),?', '' 
    }
}

function Invoke-ChildPwsh {
    <# Runs pwsh 7.6.9 (the repository's dotnet tool) as a separate process in the repository root; returns output and exit code. #>
    param([Parameter(Mandatory)] [string[]] $Arguments)
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.WorkingDirectory = $RepoRoot
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.ArgumentList.Add('pwsh')
    foreach ($a in '-NoProfile', '-NonInteractive') { $psi.ArgumentList.Add($a) }
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.Environment['NO_COLOR'] = '1'
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $stderr = $p.StandardError.ReadToEndAsync()
    $stdout = $p.StandardOutput.ReadToEnd()
    if (-not $p.WaitForExit(120000)) { $p.Kill($true); throw "pwsh $Arguments did not finish within 120 s." }
    [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $stdout; Error = $stderr.Result }
}

function New-SysfsTree {
    <#
        Writes a simulated kernel as a real sysfs-like tree (files, directories, symlinks) and returns its path.
        Not under $TestDrive: sysfs symlinks form cycles (card -> driver -> card), and Pester's TestDrive cleanup
        follows directory links. Remove it with Remove-SysfsTree, which does not.
    #>
    param([Parameter(Mandatory)] $Kernel, [string] $Name = 'sysfs')
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("vfioap-$Name-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    [VfioAp.Core.Simulation.SysfsTreeExporter]::Export($Kernel, $dir)
    $dir
}

function Remove-SysfsTree {
    param([string] $Path)
    # Directory.Delete removes symlinks as links and never follows them.
    if ($Path -and [System.IO.Directory]::Exists($Path)) { [System.IO.Directory]::Delete($Path, $true) }
}

Export-ModuleMember -Variable RepoRoot, ModuleManifest, SeedUuid -Function Write-ScenarioFile, ConvertTo-Comparable,
    Invoke-ChildPwsh, New-SysfsTree, Remove-SysfsTree
