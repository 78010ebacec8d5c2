using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Changes
{
    /// <summary>One undo step of a rollback and what the host answered.</summary>
    public sealed class RollbackStep
    {
        public RollbackStep(PlanStep step, Errno error, string? message = null)
        {
            Step = step;
            Error = error;
            Message = message;
        }

        public PlanStep Step { get; }
        /// <summary>None when the undo write was applied.</summary>
        public Errno Error { get; }
        /// <summary>Transport words (lost connection), when there are any.</summary>
        public string? Message { get; }
        public bool Applied => Error == Errno.None && Message is null;
        public override string ToString() => Applied ? Step.ToString() : $"{Step}: {(Error == Errno.None ? Message : Error.ToString())}";
    }
}
