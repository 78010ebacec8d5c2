using System;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;

namespace VfioAp.Core.Boot
{
    /// <summary>One vfio_ap definition in mdevctl's directory and what becomes of it at boot.</summary>
    public sealed class AutoStartEntry
    {
        public AutoStartEntry(Guid uuid, string file, MdevStartMode start, ApMatrix? matrix, bool started, string? refusal)
        {
            Uuid = uuid;
            File = file;
            Start = start;
            Matrix = matrix;
            Started = started;
            Refusal = refusal;
        }

        public Guid Uuid { get; }
        /// <summary>The definition's file, host-root relative.</summary>
        public string File { get; }
        public MdevStartMode Start { get; }
        /// <summary>The matrix mdevctl would assign, or null when the definition's ids are not ones the kernel takes.</summary>
        public ApMatrix? Matrix { get; }
        /// <summary>True when mdevctl creates the mdev at boot.</summary>
        public bool Started { get; }
        /// <summary>Why an auto definition is not started, in words; null when it is, or when it is manual.</summary>
        public string? Refusal { get; }
    }
}
