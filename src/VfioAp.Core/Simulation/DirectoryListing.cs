using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// What <c>ls</c> shows in a directory of the simulated tree: the same names <see cref="TreePaths"/> resolves,
    /// in ordinal order. The caller holds the state's lock.
    /// </summary>
    internal sealed class DirectoryListing
    {
        private readonly KernelState _s;

        public DirectoryListing(KernelState state) { _s = state; }

        public IReadOnlyList<string> Names(TreeLocation dir)
        {
            var names = new List<string>();
            switch (dir.Dir)
            {
                case TreeDir.Root: names.Add("bus"); names.Add("devices"); break;
                case TreeDir.Bus: names.Add("ap"); names.Add("mdev"); break;
                case TreeDir.BusAp: Add(names, AttributeTable.BusAp); names.Add("devices"); names.Add("drivers"); break;
                case TreeDir.BusApDevices:
                    foreach (var c in _s.Cards.Values)
                    {
                        if (!c.Present) continue;
                        names.Add(c.Name);
                        foreach (var q in _s.QueuesOf(c)) names.Add(q.Name);
                    }
                    break;
                case TreeDir.BusApDrivers: names.AddRange(AttributeTable.BusDrivers); break;
                case TreeDir.BusApDriver: AddDriverDevices(names, dir.Driver!); break;
                case TreeDir.BusMdev: names.Add("devices"); break;
                case TreeDir.BusMdevDevices:
                case TreeDir.TypeDevices:
                    foreach (var m in _s.Mdevs) names.Add(m.Name);
                    break;
                case TreeDir.Devices: names.Add("ap"); names.Add("vfio_ap"); break;
                case TreeDir.DevicesAp:
                    foreach (var c in _s.Cards.Values) if (c.Present) names.Add(c.Name);
                    break;
                case TreeDir.Card: AddCard(names, dir.Card!); break;
                case TreeDir.Queue: AddQueue(names, dir.Queue!); break;
                case TreeDir.VfioAp: names.Add("matrix"); break;
                case TreeDir.Matrix:
                    names.Add("mdev_supported_types");
                    foreach (var m in _s.Mdevs) names.Add(m.Name);
                    break;
                case TreeDir.Types: names.Add(SysfsLayout.MdevType); break;
                case TreeDir.Type: Add(names, AttributeTable.MdevType); names.Add("devices"); break;
                case TreeDir.Mdev:
                    Add(names, AttributeTable.Mdev);
                    names.Add("mdev_type");
                    if (_s.Features.ApConfig) names.Add("ap_config");
                    if (_s.Features.GuestMatrix) names.Add("guest_matrix");
                    break;
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }

        private static void Add(List<string> names, (string Name, int Mode)[] table)
        {
            foreach (var (n, _) in table) names.Add(n);
        }

        private void AddDriverDevices(List<string> names, string driver)
        {
            Add(names, AttributeTable.Driver);
            foreach (var c in _s.Cards.Values)
            {
                if (!c.Present) continue;
                if (driver == KernelState.CardDriverName) { if (c.Driver == KernelState.CardDriverName) names.Add(c.Name); continue; }
                foreach (var q in _s.QueuesOf(c)) if (q.Driver == driver) names.Add(q.Name);
            }
        }

        private void AddCard(List<string> names, SimCard card)
        {
            Add(names, AttributeTable.Card);
            if (card.Driver == KernelState.CardDriverName) Add(names, AttributeTable.CardZcrypt);
            if (card.Driver != null) names.Add("driver");
            foreach (var q in _s.QueuesOf(card)) names.Add(q.Name);
        }

        private static void AddQueue(List<string> names, SimQueue queue)
        {
            Add(names, AttributeTable.Queue);
            if (queue.Driver == KernelState.QueueDriverName) Add(names, AttributeTable.QueueZcrypt);
            if (queue.Driver == KernelState.VfioDriverName) Add(names, AttributeTable.QueueVfio);
            if (queue.Driver != null) names.Add("driver");
        }
    }
}
