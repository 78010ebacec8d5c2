namespace VfioAp.Core.Rules
{
    /// <summary>
    /// The module's stable names for why a change was refused, whether the module saw it coming (a validator finding)
    /// or the kernel answered a write with an errno: a script catches <c>VfioAp.ApqnInUse</c> either way.
    /// </summary>
    public enum RefusalCode
    {
        None,
        /// <summary>EADDRINUSE: an APQN of the new matrix is in another mdev's matrix.</summary>
        ApqnInUse,
        /// <summary>EADDRNOTAVAIL: an APQN of the new matrix belongs to the default drivers (apmask and aqmask).</summary>
        ApqnOwnedByHost,
        /// <summary>ENODEV on a matrix attribute: an id above ap_max_adapter_id / ap_max_domain_id.</summary>
        IdAboveMaximum,
        /// <summary>EBUSY on apmask/aqmask: the change would give the host an APQN an mdev holds.</summary>
        ApqnHeldByMdev,
        /// <summary>EBUSY on remove: a guest uses the mdev.</summary>
        MdevInUse,
        /// <summary>EEXIST on create.</summary>
        MdevExists,
        /// <summary>EUSERS/ENOSPC on create: available_instances is 0.</summary>
        NoInstancesLeft,
        /// <summary>No /sys/devices/vfio_ap/matrix: the vfio_ap module is not loaded.</summary>
        VfioApNotLoaded,
        /// <summary>EACCES/EPERM: not root.</summary>
        PermissionDenied,
        /// <summary>ENOENT: the attribute does not exist (the mdev went away, or the kernel lacks it).</summary>
        AttributeNotFound,
        /// <summary>EINVAL/ERANGE: the kernel could not parse the value.</summary>
        InvalidValue,
        /// <summary>EBUSY on bind: the queue already has a driver.</summary>
        QueueAlreadyBound,
        /// <summary>ENODEV on bind: apmask/aqmask give the queue to the other kind of driver, or no such device.</summary>
        QueueDriverMismatch,
        /// <summary>ENODEV on unbind: the queue is not bound to that driver.</summary>
        QueueNotBound,
        /// <summary>Any other errno, or a transport failure.</summary>
        WriteFailed,
        /// <summary>Every write was accepted but the host read back is not as planned.</summary>
        VerificationFailed,
        /// <summary>The rollback after a failure could not bring the host back.</summary>
        RollbackFailed,
    }

    /// <summary>The error categories the module uses, named as PowerShell's <c>ErrorCategory</c> members (the Core has no PowerShell).</summary>
    public enum FailureCategory
    {
        NotSpecified,
        InvalidArgument,
        InvalidOperation,
        InvalidResult,
        LimitsExceeded,
        NotInstalled,
        ObjectNotFound,
        PermissionDenied,
        ResourceBusy,
        ResourceExists,
        ResourceUnavailable,
        WriteError,
    }
}
