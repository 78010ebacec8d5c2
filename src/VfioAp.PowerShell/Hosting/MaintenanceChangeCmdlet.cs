using System.Management.Automation;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// Base of the changes that take crypto from guests only as a side effect — a queue unbound, a card configured or
    /// set offline, a bus mask: the guest impact is shown with -WhatIf and -Confirm, and a running guest's loss is
    /// refused (<c>VfioAp.GuestWouldLoseCrypto</c>, nothing written) unless -Force says the admin accepts it.
    /// </summary>
    public abstract class MaintenanceChangeCmdlet : ApChangeCmdlet
    {
        /// <summary>Go ahead although a running guest loses APQNs or keeps them unusable.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        private protected override bool LossIsSideEffect => true;

        private protected override bool LossAccepted => Force.IsPresent;
    }
}
