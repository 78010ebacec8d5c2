using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>The queue states the filter needs while the snapshot is still being built.</summary>
    internal sealed class BindingTable : IQueueStates
    {
        private readonly QueueBinding[] _binding = new QueueBinding[65536];
        private readonly ApMask[] _usable = new ApMask[256];
        private readonly QueueFileTable _files;

        public BindingTable(List<Apqn> queues, QueueFileTable files)
        {
            _files = files;
            foreach (var q in queues)
            {
                var d = files.DriverOf(q);
                var b = d is null ? QueueBinding.Unbound
                    : d == SysfsLayout.VfioApDriver ? QueueBinding.VfioAp : QueueBinding.OtherDriver;
                _binding[q.QueueId] = b;
                if (b == QueueBinding.VfioAp) _usable[q.Adapter.Value] = _usable[q.Adapter.Value].With(q.Domain.Value);
            }
        }

        public ApMask UsableDomains(ApId adapter) => _usable[adapter.Value];

        public QueueBinding BindingOf(Apqn apqn) => _binding[apqn.QueueId];
        public string? DriverOf(Apqn apqn) => _files.DriverOf(apqn);
        public bool ResetFailed(Apqn apqn) => false;
    }
}
