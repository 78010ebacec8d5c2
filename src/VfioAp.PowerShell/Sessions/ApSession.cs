using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>How a session reaches its host's sysfs.</summary>
    public enum ApSessionKind
    {
        /// <summary>This machine's <c>/sys</c>.</summary>
        Local,
        /// <summary>A directory on this machine laid out as sysfs (a copy, an export, a FUSE mount).</summary>
        SysfsRoot,
        /// <summary>An in-memory simulated kernel loaded from a scenario.</summary>
        Simulation,
        /// <summary>A remote host's sysfs over SSH.</summary>
        Ssh,
    }

    public enum ApSessionState
    {
        Opened,
        /// <summary>Removed with Remove-ApSession; its transport is disposed.</summary>
        Closed,
    }

    /// <summary>
    /// One host the module talks to, and the door to it (<see cref="ISysfs"/>). Cmdlets take sessions with -Session;
    /// every object they write carries the session back (a <c>Session</c> note property), so results pipe on to the
    /// next cmdlet against the same host.
    /// </summary>
    public sealed class ApSession : IDisposable
    {
        private Func<long>? _roundTrips;
        private int _closed;

        internal ApSession(int id, string name, ApSessionKind kind, ISysfs sysfs, string? scenario, string? sysfsRoot,
                           Func<long>? roundTrips, SimulatedKernel? kernel, HostReach reach, bool isImplicit = false)
        {
            Reach = reach;
            Id = id;
            Name = name;
            Kind = kind;
            Sysfs = sysfs;
            Scenario = scenario;
            SysfsRoot = sysfsRoot;
            _roundTrips = roundTrips;
            Kernel = kernel;
            IsImplicit = isImplicit;
            CreatedAt = DateTimeOffset.Now;
        }

        /// <summary>The number Get-ApSession and Remove-ApSession take; 0 for the implicit local session.</summary>
        public int Id { get; }
        public string Name { get; }
        /// <summary>The host's name, as every output object's ComputerName shows it.</summary>
        public string ComputerName => Sysfs.HostName;
        public ApSessionKind Kind { get; }
        /// <summary>For a simulation: the built-in scenario name or the scenario file's full path.</summary>
        public string? Scenario { get; }
        /// <summary>Where sysfs is on the host: <c>/sys</c>, or the directory given with -SysfsRoot.</summary>
        public string? SysfsRoot { get; }
        /// <summary>The transport. Everything the module reads or writes goes through it.</summary>
        public ISysfs Sysfs { get; private set; }
        /// <summary>What the transport can do beyond reading, chosen when the session opened: the change engine's host, files outside sysfs.</summary>
        internal HostReach Reach { get; private set; }
        /// <summary>How many round trips (batched reads, writes, plans) the transport has made; null where it does not count them.</summary>
        public long? RoundTrips => _roundTrips?.Invoke();
        /// <summary>For a simulation: the simulated kernel itself (its KernelLog is what dmesg would show).</summary>
        public SimulatedKernel? Kernel { get; private set; }
        /// <summary>True for the local /sys session cmdlets use when -Session is not given; it is not in Get-ApSession.</summary>
        public bool IsImplicit { get; }
        public DateTimeOffset CreatedAt { get; }
        public ApSessionState State => _closed != 0 ? ApSessionState.Closed : ApSessionState.Opened;

        private Guid[] _knownMdevs = Array.Empty<Guid>();

        /// <summary>
        /// The mdev UUIDs of the last snapshot a cmdlet read from this host, for completing -Mdev without a round trip
        /// of its own (so possibly out of date, which is fine for a suggestion).
        /// </summary>
        internal IReadOnlyList<Guid> KnownMdevs => System.Threading.Volatile.Read(ref _knownMdevs);

        internal void RememberMdevs(IEnumerable<Guid> uuids) => System.Threading.Volatile.Write(ref _knownMdevs, uuids.ToArray());

        public override string ToString() => $"{Name} ({Kind} {ComputerName})";

        /// <summary>
        /// A simulated host after its reboot (<see cref="ApSessionFactory.Reboot"/>): the session goes on with the newly
        /// booted kernel's transport under the same name, its round trips counted on from where they were.
        /// </summary>
        internal void Replace(ISysfs sysfs, SimulatedKernel booted, Func<long> roundTrips, HostReach reach)
        {
            long before = RoundTrips ?? 0;
            var old = Sysfs;
            Sysfs = sysfs;
            Kernel = booted;
            Reach = reach;
            _roundTrips = () => before + roundTrips();
            old.Dispose();
        }

        /// <summary>Closes the transport. Remove-ApSession does this; a closed session refuses further use.</summary>
        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _closed, 1) != 0) return;
            Sysfs.Dispose();
        }

        /// <summary>What went wrong on this host, as the module's exception with a stable id.</summary>
        internal VfioApException FailureOf(Exception error) =>
            HostFailure.From(error, ComputerName, SysfsRoot, Kind == ApSessionKind.SysfsRoot);
    }
}
