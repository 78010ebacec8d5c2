@{
    RootModule           = 'lib/VfioAp.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'cda2a070-d996-49bf-b6b1-0ce99215c2e9'
    Author               = 'VfioAp.PowerShell contributors'
    CompanyName          = 'VfioAp.PowerShell'
    Copyright            = '(c) VfioAp.PowerShell contributors. All rights reserved.'
    Description          = 'Manage AP crypto pass-through to KVM guests on IBM Z and LinuxONE (Linux vfio_ap): cards, queues, apmask/aqmask, vfio_ap mediated devices and the guest APCB, on this host, a sysfs tree, a simulated host or remote hosts, with the kernel''s own rules and errors.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    # netstandard2.0 assemblies; Windows PowerShell 5.1 needs .NET Framework 4.7.2 or later to load them.
    DotNetFrameworkVersion = '4.7.2'
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
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('IBMZ', 'LinuxONE', 's390x', 'vfio', 'vfio_ap', 'crypto', 'CryptoExpress', 'KVM', 'mdev', 'AP', 'Linux', 'PSEdition_Core', 'PSEdition_Desktop')
            ReleaseNotes = 'Sessions (local /sys, sysfs trees, simulated hosts) and the read-only cmdlets: cards, queues, bus configuration, mdevs and the guest APCB with the reason for every cut.'
        }
    }
}
