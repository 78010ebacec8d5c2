using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The kernel's queue states as the APCB rule asks for them: binding, driver, and vfio_ap's record of a failed
    /// reset (which sysfs does not show). The caller holds the state's lock.
    /// </summary>
    internal sealed class KernelQueueStates : IQueueStates
    {
        private readonly KernelState _s;
        public KernelQueueStates(KernelState state) { _s = state; }

        public QueueBinding BindingOf(Apqn apqn)
        {
            var q = _s.Queues[apqn.QueueId];
            if (q is null) return QueueBinding.Missing;
            if (q.Driver is null) return QueueBinding.Unbound;
            return q.Driver == KernelState.VfioDriverName ? QueueBinding.VfioAp : QueueBinding.OtherDriver;
        }

        public string? DriverOf(Apqn apqn)
        {
            var q = _s.Queues[apqn.QueueId];
            return q?.Driver is string d && d != KernelState.VfioDriverName ? d : null;
        }

        public bool ResetFailed(Apqn apqn) => _s.Queues[apqn.QueueId]?.ResetFailed == true;

        public ApMask UsableDomains(ApId adapter)
        {
            var usable = ApMask.Empty;
            int baseId = adapter.Value << 8;
            for (int d = 0; d <= DomainId.Max; d++)
                if (_s.Queues[baseId | d] is SimQueue q && q.Driver == KernelState.VfioDriverName && !q.ResetFailed) usable = usable.With(d);
            return usable;
        }
    }

    /// <summary>The same states for callers outside the kernel: each question takes the lock.</summary>
    internal sealed class LockedQueueStates : IQueueStates
    {
        private readonly object _gate;
        private readonly KernelQueueStates _states;

        public LockedQueueStates(object gate, KernelQueueStates states)
        {
            _gate = gate;
            _states = states;
        }

        public QueueBinding BindingOf(Apqn apqn) { lock (_gate) return _states.BindingOf(apqn); }
        public string? DriverOf(Apqn apqn) { lock (_gate) return _states.DriverOf(apqn); }
        public bool ResetFailed(Apqn apqn) { lock (_gate) return _states.ResetFailed(apqn); }
        public ApMask UsableDomains(ApId adapter) { lock (_gate) return _states.UsableDomains(adapter); }
    }
}
