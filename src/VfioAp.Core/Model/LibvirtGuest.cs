using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    /// <summary>
    /// A libvirt domain as its files on the host describe it: the persistent definition
    /// (<c>/etc/libvirt/qemu/&lt;name&gt;.xml</c>), the live status of a running domain
    /// (<c>/run/libvirt/qemu/&lt;name&gt;.xml</c>) and the autostart link (<c>/etc/libvirt/qemu/autostart/&lt;name&gt;.xml</c>).
    /// The kernel knows no VM names; libvirt's files are where "which VM holds this mdev" is answered.
    /// </summary>
    public sealed class LibvirtGuest
    {
        public string ComputerName { get; init; } = "";
        /// <summary>The domain's <c>&lt;name&gt;</c>.</summary>
        public string Name { get; init; } = "";
        /// <summary>The name again, under the parameter name of the other cmdlets: piped on, it binds their -Guest (Name would also match a session's Name).</summary>
        public string Guest => Name;
        /// <summary>The domain's own <c>&lt;uuid&gt;</c> (not an mdev's; named so it never binds to an mdev parameter), null when the file has none.</summary>
        public Guid? DomainUuid { get; init; }
        /// <summary>As virsh words it: running, idle, paused, in shutdown, shut off, crashed, pmsuspended.</summary>
        public string State { get; init; } = GuestStates.ShutOff;
        /// <summary>True when the domain has a persistent definition (false: a transient domain, only a live status).</summary>
        public bool Persistent { get; init; }
        public bool Autostart { get; init; }
        /// <summary>The vfio-ap mdevs the domain references (live status first where running, else the definition).</summary>
        public IReadOnlyList<Guid> Mdevs { get; init; } = Array.Empty<Guid>();
        /// <summary>The crypto the guest gets: the union of its mdevs' guest APCBs (the kernel's guest_matrix, or the prediction).</summary>
        public AdapterMask Adapters { get; init; }
        public DomainMask Domains { get; init; }
        public int ApqnCount { get; init; }
        /// <summary>The files read, host-root relative (<c>etc/libvirt/qemu/vm1.xml</c>).</summary>
        public string? DefinitionFile { get; init; }
        public string? StatusFile { get; init; }
        /// <summary>True while the domain runs (or is paused): then its mdevs are held by QEMU.</summary>
        public bool IsActive => GuestStates.IsActive(State);
        public override string ToString() => Name;
    }

    /// <summary>The state words, as <c>virsh domstate</c> prints them, for libvirt's status-file names (virDomainState).</summary>
    public static class GuestStates
    {
        public const string Running = "running";
        public const string Paused = "paused";
        public const string ShutOff = "shut off";
        /// <summary>An mdev no libvirt domain references.</summary>
        public const string NotDefined = "not defined";

        /// <summary>libvirt's status-file word (<c>&lt;domstatus state='…'&gt;</c>) in virsh's words.</summary>
        public static string FromStatusFile(string? state) => state switch
        {
            "running" => Running,
            "blocked" => "idle",
            "paused" => Paused,
            "shutdown" => "in shutdown",
            "shutoff" => ShutOff,
            "crashed" => "crashed",
            "pmsuspended" => "pmsuspended",
            "nostate" => "no state",
            null => Running,
            _ => state,
        };

        /// <summary>A domain whose QEMU process exists holds its mdevs open (running, idle, paused, in shutdown, pmsuspended).</summary>
        public static bool IsActive(string state) => state != ShutOff && state != NotDefined && state != "crashed";
    }
}
