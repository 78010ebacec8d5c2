using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Arguments;
using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>Get-ApQueue: the AP queues (APQNs) of each host and how each stands for pass-through.</summary>
    [Cmdlet(VerbsCommon.Get, "ApQueue")]
    [OutputType(typeof(ApQueue))]
    public sealed class GetApQueueCommand : GuestFilteringCmdlet
    {
        /// <summary>Only queues of these adapters.</summary>
        [Parameter(Position = 0)]
        [ApIdTransformation]
        [ValidateNotNullOrEmpty]
        public ApId[]? Adapter { get; set; }

        /// <summary>Only queues of these usage domains.</summary>
        [Parameter(Position = 1)]
        [DomainIdTransformation]
        [ValidateNotNullOrEmpty]
        public DomainId[]? Domain { get; set; }

        /// <summary>Only these APQNs ('05.0035').</summary>
        [Parameter]
        [ApqnTransformation]
        [ValidateNotNullOrEmpty]
        public Apqn[]? Apqn { get; set; }

        /// <summary>-Bound: only queues bound to vfio_ap; -Bound:$false: only queues that are not.</summary>
        [Parameter]
        public SwitchParameter Bound { get; set; }

        /// <summary>Only queues in the matrix of these mdevs (UUID in any standard form).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Uuid")]
        [MdevIdTransformation]
        [ArgumentCompleter(typeof(MdevIdCompleter))]
        [ValidateNotNullOrEmpty]
        public Guid[]? Mdev { get; set; }

        protected override SnapshotParts Parts => SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.QueueDetails | SnapshotParts.Mdevs | SnapshotParts.Guests;

        protected override string QueryKey => MdevKey(Mdev) + "|" + GuestKey;

        protected override HostQuery CreateQuery()
        {
            var adapters = Adapter is null ? (ApMask?)null : ApMask.Of(Adapter.Select(a => (int)a));
            var domains = Domain is null ? (ApMask?)null : ApMask.Of(Domain.Select(d => (int)d));
            var apqns = Apqn is null ? null : new HashSet<Apqn>(Apqn);
            bool? bound = MyInvocation.BoundParameters.ContainsKey(nameof(Bound)) ? Bound.IsPresent : (bool?)null;
            var mdevs = Mdev is null ? null : new HashSet<Guid>(Mdev);
            var guests = GuestFilterOrNull;
            return (snapshot, _) => snapshot.Queues.Where(q =>
                (guests is null || guests.Matches(q.Guest)) &&
                (adapters is null || adapters.Value.Contains(q.Adapter))
                && (domains is null || domains.Value.Contains(q.Domain))
                && (apqns is null || apqns.Contains(q.Apqn))
                && (bound is null || q.Bound == bound.Value)
                && (mdevs is null || (q.AssignedTo.HasValue && mdevs.Contains(q.AssignedTo.Value))));
        }
    }
}
