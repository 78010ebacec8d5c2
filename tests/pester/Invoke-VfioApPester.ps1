#Requires -Version 7.2
<#
.SYNOPSIS
    Runs the module's Pester tests (tests/pester and the runbooks in examples/) with Pester 6.2.0 from NuGet and
    writes the counts for tests/run.sh.
.DESCRIPTION
    Pester comes from the package restored by tests/pester/PesterPackage.csproj (dotnet restore); its tools/ folder is
    the module. The module under test is ps-module/VfioAp, laid out by the Release build.

    Tags (on Describe blocks): Ssh = starts the sshd test bed, Fuse = mounts a simulated host with VfioAp.SimFs (FUSE),
    Slow = takes tens of seconds or more (several processes, fleets, jump hosts, package builds, 256x256 hosts).
    -ExcludeTag Slow is the inner loop (tests/run.sh --fast); without -Tag/-ExcludeTag every test runs.
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/pester/Invoke-VfioApPester.ps1 -Path tests/pester/ApQueue.Tests.ps1
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/pester/Invoke-VfioApPester.ps1 -ExcludeTag Slow, Fuse
#>
[CmdletBinding()]
param(
    # Where to write {"passed":..,"failed":..,"skipped":..} for the runner's summary.
    [string] $CountsFile,
    # Test files or folders; default: tests/pester and examples/*.Tests.ps1.
    [string[]] $Path,
    # NUnit XML result file (CI artefact).
    [string] $ResultFile,
    # Run only the Describe blocks with one of these tags (Ssh, Fuse, Slow).
    [string[]] $Tag,
    # Leave out the Describe blocks with one of these tags; they are counted as excluded, not as skipped.
    [string[]] $ExcludeTag,
    # Where to write each test file's seconds, tests run and path (tab-separated, slowest first): what Slow is decided by.
    [string] $TimingFile
)

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path "$PSScriptRoot/../..").Path

$assets = Join-Path $PSScriptRoot 'obj/project.assets.json'
if (-not (Test-Path $assets)) {
    throw "Pester is not restored: run 'dotnet restore tests/pester/PesterPackage.csproj' (tests/run.sh does)."
}
$packageFolders = (Get-Content $assets -Raw | ConvertFrom-Json).packageFolders.PSObject.Properties.Name
$pester = $packageFolders | ForEach-Object { Join-Path $_ 'pester/6.2.0/tools/Pester.psd1' } | Where-Object { Test-Path $_ } | Select-Object -First 1
if (-not $pester) { throw "Pester 6.2.0 is not in the NuGet package folders ($($packageFolders -join ', ')): run tests/run.sh." }
Import-Module $pester -Force

# From a shell (pwsh -File) a list arrives as one string: a.Tests.ps1,b.Tests.ps1 or Ssh,Fuse.
$Path, $Tag, $ExcludeTag = foreach ($list in $Path, $Tag, $ExcludeTag) { , @($list -split ',' | Where-Object { $_ }) }

if (-not $Path) {
    $Path = @((Join-Path $repo 'tests/pester')) + @(Get-ChildItem (Join-Path $repo 'examples') -Filter '*.Tests.ps1' -ErrorAction SilentlyContinue | ForEach-Object FullName)
}

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
# Plain text in logs (CI, redirected output); colours at a terminal.
if ([Console]::IsOutputRedirected -or $env:CI) { $config.Output.RenderMode = 'Plaintext' }
if ($ResultFile) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'NUnitXml'
    $config.TestResult.OutputPath = $ResultFile
}

$result = Invoke-Pester -Configuration $config
if ($null -eq $result) { throw 'Invoke-Pester returned no result.' }

if ($TimingFile) {
    $result.Containers | Sort-Object Duration -Descending | ForEach-Object {
        $ran = $_.PassedCount + $_.FailedCount + $_.SkippedCount
        "{0:0.0}`t{1}`t{2}" -f $_.Duration.TotalSeconds, $ran, [System.IO.Path]::GetRelativePath($repo, "$($_.Item)")
    } | Set-Content -Path $TimingFile -Encoding utf8
}

# A file that fails to load, or a failing BeforeAll/AfterAll, is a failure of its own: count it. Tests a tag filter
# left out are "excluded", not "skipped": a skipped test is one that was meant to run and said why it could not.
$excluded = @($result.NotRun | Where-Object { -not $_.ShouldRun }).Count
$counts = [ordered]@{
    passed   = $result.PassedCount
    failed   = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    skipped  = $result.SkippedCount + $result.NotRunCount - $excluded
    excluded = $excluded
}
if ($CountsFile) { $counts | ConvertTo-Json | Set-Content -Path $CountsFile -Encoding utf8 }
"Pester: $($counts.passed) passed, $($counts.failed) failed, $($counts.skipped) skipped" + $(if ($excluded) { " ($excluded excluded by tag)" })
if ($counts.failed -gt 0) { exit 1 }
exit 0
