using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Boot
{
    /// <summary>
    /// The queues after the next boot: the same queue devices as now (the machine's cards and AP configuration do not
    /// change with Linux's reboot), each bound by the boot masks alone: to the host's driver (<c>cex4queue</c>) when its
    /// adapter is in apmask and its domain in aqmask, else to vfio_ap (CEX4 and newer only; an older card's queue stays
    /// unbound). What was unbound or re-bound by hand, and vfio_ap's record of a failed reset, do not survive the reboot.
    /// </summary>
    public sealed class BootQueueStates : IQueueStates
    {
        private readonly HashSet<int> _exists = new HashSet<int>();
        private readonly HashSet<int> _passThroughCapable = new HashSet<int>();
        private readonly bool _cardsKnown;
        private readonly ApMask _apmask, _aqmask;
        private readonly ApMask[] _usable = new ApMask[256];

        public BootQueueStates(HostSnapshot now, ApMask apmask, ApMask aqmask)
        {
            _apmask = apmask;
            _aqmask = aqmask;
            // A snapshot read without cards says nothing against any adapter.
            _cardsKnown = now.Cards.Count > 0;
            foreach (var c in now.Cards)
                if (c.HwType == 0 || c.PassThroughCapable) _passThroughCapable.Add(c.Id.Value);
            foreach (var q in now.Queues)
            {
                _exists.Add(q.Apqn.QueueId);
                if (BindingOf(q.Apqn) == QueueBinding.VfioAp) _usable[q.Adapter.Value] = _usable[q.Adapter.Value].With(q.Domain.Value);
            }
        }

        public QueueBinding BindingOf(Apqn apqn)
        {
            if (!_exists.Contains(apqn.QueueId)) return QueueBinding.Missing;
            if (_apmask.Contains(apqn.Adapter) && _aqmask.Contains(apqn.Domain)) return QueueBinding.OtherDriver;
            return !_cardsKnown || _passThroughCapable.Contains(apqn.Adapter.Value) ? QueueBinding.VfioAp : QueueBinding.Unbound;
        }

        public string? DriverOf(Apqn apqn) => BindingOf(apqn) == QueueBinding.OtherDriver ? SysfsLayout.DefaultQueueDriver : null;

        public bool ResetFailed(Apqn apqn) => false;

        public ApMask UsableDomains(ApId adapter) => _usable[adapter.Value];
    }
}
