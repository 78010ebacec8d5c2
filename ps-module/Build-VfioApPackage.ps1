#Requires -Version 7.4
<#
.SYNOPSIS
    Builds VfioAp.<version>.nupkg, the package Install-PSResource and Save-PSResource install, with PSResourceGet.
.DESCRIPTION
    Builds the module (Release; the cmdlet project lays out ps-module/VfioAp/lib and lib/dependencies), stages the
    files a user needs — the manifest, formats, help, LICENSE, CHANGELOG.md and the assemblies, no .pdb and nothing
    from tests — and publishes them with Publish-PSResource to a local file repository: the folder -OutputPath,
    registered under a temporary name for the publish and unregistered afterwards. Prints the package's path.
.EXAMPLE
    dotnet pwsh -NoProfile -File ps-module/Build-VfioApPackage.ps1
    # artifacts/packages/VfioAp.0.2.0.nupkg; then:
    # Register-PSResourceRepository -Name VfioApLocal -Uri ./artifacts/packages -Trusted
    # Install-PSResource VfioAp -Repository VfioApLocal
#>
[CmdletBinding()]
param(
    # The local file repository the package is published to (created when missing). Default: artifacts/packages.
    [string] $OutputPath,
    # Package the module as it is laid out now, without running dotnet build first.
    [switch] $NoBuild
)

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path "$PSScriptRoot/..").Path
$module = Join-Path $PSScriptRoot 'VfioAp'
if (-not $OutputPath) { $OutputPath = Join-Path $repo 'artifacts/packages' }
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, (Get-Location).Path)

if (-not $NoBuild) {
    & dotnet build (Join-Path $repo 'src/VfioAp.PowerShell/VfioAp.PowerShell.csproj') -c Release -nologo -clp:ErrorsOnly
    if ($LASTEXITCODE -ne 0) { throw "dotnet build failed ($LASTEXITCODE)." }
}
foreach ($required in 'lib/VfioAp.PowerShell.dll', 'lib/dependencies/VfioAp.Ssh.dll', 'LICENSE') {
    if (-not (Test-Path (Join-Path $module $required))) { throw "$required is missing in $module; build the module first (without -NoBuild)." }
}
$version = (Import-PowerShellDataFile (Join-Path $module 'VfioAp.psd1')).ModuleVersion

# Stage exactly what ships; the module folder's name must be the module's for Publish-PSResource.
$stage = Join-Path ([System.IO.Path]::GetTempPath()) ('vfioap-package-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$staged = Join-Path $stage 'VfioAp'
$name = 'VfioApBuild-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
try {
    $null = New-Item -ItemType Directory -Force $staged, (Join-Path $staged 'en-US'), (Join-Path $staged 'lib/dependencies'), $OutputPath
    Copy-Item (Join-Path $module 'VfioAp.psd1'), (Join-Path $module 'VfioAp.Format.ps1xml'), (Join-Path $module 'LICENSE'), (Join-Path $PSScriptRoot 'CHANGELOG.md') $staged
    Copy-Item (Join-Path $module 'en-US/*') (Join-Path $staged 'en-US')
    Copy-Item (Join-Path $module 'lib/*.dll') (Join-Path $staged 'lib')
    Copy-Item (Join-Path $module 'lib/dependencies/*.dll') (Join-Path $staged 'lib/dependencies')

    $target = Join-Path $OutputPath "VfioAp.$version.nupkg"
    if (Test-Path $target) { Remove-Item $target }
    Register-PSResourceRepository -Name $name -Uri $OutputPath -Trusted
    Publish-PSResource -Path $staged -Repository $name
    if (-not (Test-Path $target)) { throw "Publish-PSResource did not write $target." }
    $target
}
finally {
    if (Get-PSResourceRepository -Name $name -ErrorAction SilentlyContinue) { Unregister-PSResourceRepository -Name $name }
    if (Test-Path $stage) { Remove-Item -Recurse -Force $stage }
}
