@{
    RootModule           = 'lib/VfioAp.PowerShell.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = 'cda2a070-d996-49bf-b6b1-0ce99215c2e9'
    Author               = 'VfioAp.PowerShell contributors'
    CompanyName          = 'VfioAp.PowerShell'
    Copyright            = '(c) 2026 VfioAp.PowerShell contributors. MIT License.'
    Description          = 'Manage AP crypto pass-through to KVM guests on IBM Z and LinuxONE (Linux vfio_ap): cards, queues, apmask/aqmask, vfio_ap mediated devices and the guest APCB, on this host, a sysfs tree, a simulated host or remote hosts, with the kernel''s own rules and errors.'
    # PowerShell 7.4 and later on Windows, macOS and Linux (tested on 7.6.9). Windows PowerShell 5.1 is not
    # supported: it has no AssemblyLoadContext to keep SSH.NET and its dependencies apart from other modules'.
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('VfioAp.Format.ps1xml')
    CmdletsToExport      = @(
        'New-ApSession'
        'Get-ApSession'
        'Remove-ApSession'
        'Get-ApCard'
        'Get-ApQueue'
        'Get-ApBusConfig'
        'Get-VfioApMdev'
        'Get-VfioApApcb'
        'Get-VfioApGuest'
        'Test-VfioApApcb'
        'Export-VfioApMdev'
        'Import-VfioApMdev'
        'Compare-VfioApMdev'
        'Test-VfioApMatrix'
        'Set-VfioApMatrix'
        'New-VfioApMdev'
        'Remove-VfioApMdev'
        'Set-ApBusMask'
        'Test-VfioApBoot'
        'Restart-ApSimulation'
        'Set-ApQueue'
        'Set-ApCard'
        'Repair-VfioApApcb'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('IBMZ', 'LinuxONE', 's390x', 'vfio', 'vfio_ap', 'crypto', 'CryptoExpress', 'KVM', 'mdev', 'AP', 'SSH', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/vfioap/VfioAp.PowerShell/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/vfioap/VfioAp.PowerShell'
            ReleaseNotes = @'
0.2.0
- Sessions to this host, a sysfs tree, a simulated host (New-ApSession -Simulation) or remote hosts over SSH (-HostName; known_hosts verified, sudo, one SSH command per read-only cmdlet and host, hosts in parallel).
- Read: Get-ApCard, Get-ApQueue, Get-ApBusConfig, Get-VfioApMdev, Get-VfioApApcb and Test-VfioApApcb (the guest's APCB with the kernel's reason for every cut).
- Change: Set-ApBusMask, Set-VfioApMatrix, New-VfioApMdev, Remove-VfioApMdev and Test-VfioApMatrix; planned, -WhatIf, applied in order, verified and rolled back on failure.
- Persist: Export-VfioApMdev, Import-VfioApMdev and Compare-VfioApMdev (mdevctl and libvirt formats).
- SSH.NET, BouncyCastle and Microsoft.Extensions.* load in the module's own AssemblyLoadContext, so other modules with their own versions work beside it; Newtonsoft.Json is PowerShell's own.
- PowerShell 7.4 or later (Windows PowerShell 5.1 is no longer declared). See CHANGELOG.md in the module folder.
'@
        }
    }
}
