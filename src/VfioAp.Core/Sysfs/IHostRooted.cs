using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// A transport that also reads files under a host root (<see cref="SysfsArea.Host"/>): the directory standing for the
    /// host's <c>/</c>, or null when it has none (then host queries answer nothing).
    /// </summary>
    public interface IHostRooted
    {
        string? HostRoot { get; }
    }
}
