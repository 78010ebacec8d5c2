#Requires -Version 5.1
<#
.SYNOPSIS
    Gives a KVM guest its crypto: reserves the queues for vfio_ap, creates the guest's mdev with its matrix, and
    verifies that the guest will get what was asked for.
.DESCRIPTION
    A runbook built from the VfioAp cmdlets, in the order an admin would do it by hand:

      1. Check the request (Test-VfioApMatrix): ids within the host's maximum, no APQN in another mdev.
      2. Reserve: give the requested domains (or adapters, with -ReserveBy Adapter) to vfio_ap where apmask/aqmask
         still give them to the host's default drivers (Set-ApBusMask). Nothing is written when they are vfio_ap's already.
      3. Create the mdev with the whole matrix, all or nothing (New-VfioApMdev).
      4. Verify: the kernel's guest matrix equals the module's prediction (Test-VfioApApcb), and every requested APQN is
         in it. An APQN that the guest would not get (a queue missing, unbound, or an adapter outside the host
         configuration) is reported with the kernel's reason, and the runbook fails unless -AllowPartial is given.

    On failure after the reservation, the reservation is given back, so the host ends as it started. -WhatIf shows
    every sysfs write of every step and changes nothing.

    The result is the new mdev (Get-VfioApMdev's object) with a note property HostdevXml: the libvirt <hostdev> element
    to add to the guest's domain XML.
.EXAMPLE
    $lpar = New-ApSession -Simulation seed
    ./Grant-GuestCrypto.ps1 -Session $lpar -Adapter 4,5 -Domain 0x36 -WhatIf

    Shows the aqmask write that gives domain 0036 to vfio_ap, the create and the assignments; changes nothing.
.EXAMPLE
    ./Grant-GuestCrypto.ps1 -Session $lpar -Adapter 4,5 -Domain 0x36 -GuestName guest7 | Select-Object -ExpandProperty HostdevXml

    Creates the mdev and prints the <hostdev> element for guest7's domain XML.
#>
[CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
param(
    # The host: a session from New-ApSession.
    [Parameter(Mandatory)]
    $Session,
    # The guest's adapters (5, 0x05, '05', 4..7).
    [Parameter(Mandatory)]
    [object[]] $Adapter,
    # The guest's usage domains.
    [Parameter(Mandatory)]
    [object[]] $Domain,
    # The guest's control domains; default: the usage domains (what a guest managing its own domains needs).
    [object[]] $ControlDomain,
    # The mdev's UUID; default: a new one.
    [guid] $Uuid = [guid]::NewGuid(),
    # For messages and the hostdev XML comment only.
    [string] $GuestName = 'guest',
    # Reserve by domain (aqmask: the domains on every adapter go to vfio_ap; the usual choice on a shared LPAR) or by
    # adapter (apmask: whole cards go to vfio_ap).
    [ValidateSet('Domain', 'Adapter')]
    [string] $ReserveBy = 'Domain',
    # Accept a guest matrix smaller than requested (a queue missing or unbound); it is still reported as a warning.
    [switch] $AllowPartial
)

$ErrorActionPreference = 'Stop'
if (-not $PSBoundParameters.ContainsKey('ControlDomain')) { $ControlDomain = $Domain }

# 1. Check the request against the host before anything is written. Host-owned APQNs are expected at this point
#    (step 2 reserves them); every other error stops the runbook.
$findings = @(Test-VfioApMatrix -Session $Session -Adapter $Adapter -Domain $Domain -ControlDomain $ControlDomain -Detailed)
$blocking = @($findings | Where-Object { $_.Severity -eq 'Error' -and $_.Code -ne 'ApqnOwnedByHost' })
if ($blocking) {
    throw "Cannot give $GuestName adapters $Adapter x domains $Domain on $($Session.ComputerName): $(($blocking | ForEach-Object Message) -join ' ')"
}

# 2. Reserve what the default drivers still own.
$reserved = $null
if ($findings | Where-Object Code -eq 'ApqnOwnedByHost') {
    $before = Get-ApBusConfig -Session $Session
    $reserve = if ($ReserveBy -eq 'Domain') { @{ Domain = $Domain } } else { @{ Adapter = $Adapter } }
    Set-ApBusMask -Session $Session @reserve -Owner VfioAp
    if (-not $WhatIfPreference) { $reserved = $before }
}

if ($WhatIfPreference -and ($findings | Where-Object Code -eq 'ApqnOwnedByHost')) {
    # New-VfioApMdev -WhatIf checks against the host as it is, where the reservation above has not happened: say what
    # would follow instead of letting it refuse.
    $null = $PSCmdlet.ShouldProcess("mdev $Uuid on $($Session.ComputerName)",
        "after the reservation above, New-VfioApMdev -Adapter $($Adapter -join ',') -Domain $($Domain -join ',') -ControlDomain $($ControlDomain -join ',')")
    return
}

try {
    # 3. Create the mdev with its whole matrix: all or nothing.
    $mdev = New-VfioApMdev -Session $Session -Uuid $Uuid -Adapter $Adapter -Domain $Domain -ControlDomain $ControlDomain
    if ($WhatIfPreference) { return }

    # 4. Verify what the guest will get.
    if (-not (Test-VfioApApcb -Session $Session -Mdev $Uuid)) {
        throw "The kernel's guest matrix of $Uuid differs from the prediction: $((Test-VfioApApcb -Session $Session -Mdev $Uuid -Detailed | ForEach-Object Message) -join ' ')"
    }
    $apcb = Get-VfioApApcb -Session $Session -Mdev $Uuid
    $missing = @($mdev.Apqns | Where-Object { $_ -notin $apcb.Apqns })
    if ($missing) {
        $why = ($apcb.Dropped | ForEach-Object Message) -join ' '
        if (-not $AllowPartial) { throw "$GuestName would not get $($missing -join ', '): $why" }
        Write-Warning "$GuestName will not get $($missing -join ', '): $why"
    }
}
catch {
    # Leave the host as it was: remove the mdev if it was created, give the reservation back.
    if (-not $WhatIfPreference) {
        if (Get-VfioApMdev -Session $Session | Where-Object Uuid -eq $Uuid) { Remove-VfioApMdev -Session $Session -Mdev $Uuid -Confirm:$false }
        # Back to the masks as they were: only the bits the reservation changed are written.
        if ($reserved) { Set-ApBusMask -Session $Session -ApMask $reserved.ApMask.ToKernelString() -AqMask $reserved.AqMask.ToKernelString() -Confirm:$false }
    }
    throw
}

$hostdev = @"
<!-- ${GuestName}: vfio-ap mediated device on $($Session.ComputerName) -->
<hostdev mode='subsystem' type='mdev' model='vfio-ap' managed='no'>
  <source>
    <address uuid='$($Uuid.ToString('D'))'/>
  </source>
</hostdev>
"@
$mdev | Add-Member -NotePropertyName HostdevXml -NotePropertyValue $hostdev -PassThru
