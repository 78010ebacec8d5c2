using System;
using VfioAp.Core.Changes;
using VfioAp.Core.Persistence;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// What a session's transport can do beyond reading, decided once when the session opens
    /// (<see cref="ApSessionFactory"/>, the only place that knows the transport types): the host as the change engine
    /// takes it (with the AP configuration lock this process can hold, where it can), the directory standing for the
    /// host's <c>/</c>, and how to reach mdevctl's directory through the host's own shell (SSH). Cmdlets ask this, never
    /// the transport's type.
    /// </summary>
    internal sealed class HostReach
    {
        public HostReach(ChangeHost changes, string? hostRoot, Func<string, IMdevctlConfigFiles>? shellFiles)
        {
            Changes = changes;
            HostRoot = hostRoot;
            ShellFiles = shellFiles;
        }

        /// <summary>The host for the change engine.</summary>
        public ChangeHost Changes { get; }

        /// <summary>The directory that stands for the host's <c>/</c> (libvirt's and mdevctl's files), or null when none is read.</summary>
        public string? HostRoot { get; }

        /// <summary>mdevctl's directory under a root on the host, read through the host's shell; null when the transport has no shell (local, simulated).</summary>
        public Func<string, IMdevctlConfigFiles>? ShellFiles { get; }
    }
}
