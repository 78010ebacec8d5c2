using System;
using System.Collections.Generic;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.SimFs
{
    /// <summary>
    /// The simulated kernel as the mount serves it, printing each new line of its log (what <c>dmesg</c> would show, such as
    /// <c>Userspace may not re-assign queue 06.0004 …</c>) as <c>kernel: …</c> once the write that caused it returns.
    /// </summary>
    internal sealed class KernelLogEcho : ISysfsTree
    {
        private readonly SimulatedKernel _kernel;
        private readonly Action<string> _log;
        private readonly object _gate = new object();
        private int _echoed;

        public KernelLogEcho(SimulatedKernel kernel, Action<string> log)
        {
            _kernel = kernel;
            _log = log;
            // What the scenario's own setup logged is not news to whoever mounts it.
            _echoed = kernel.KernelLog.Count;
        }

        public SysfsNode? Lookup(string path) => _kernel.Lookup(path);

        public IReadOnlyList<string>? List(string path) => _kernel.List(path);

        public string Read(string path) => _kernel.Read(path);

        public void Write(string path, string value)
        {
            try
            {
                _kernel.Write(path, value);
            }
            finally
            {
                Echo();
            }
        }

        private void Echo()
        {
            lock (_gate)
            {
                var log = _kernel.KernelLog;
                for (int i = _echoed; i < log.Count; i++) _log("kernel: " + log[i]);
                _echoed = log.Count;
            }
        }
    }
}
