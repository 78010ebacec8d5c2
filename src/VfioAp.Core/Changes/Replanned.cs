using System;
using System.Collections.Generic;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Changes
{
    /// <summary>A change checked and planned (again) from a read of the host: the plan, or why the host refuses it now.</summary>
    public sealed class Replanned
    {
        public Replanned(WritePlan plan, IReadOnlyList<MatrixFinding> refusals, string what)
        {
            Plan = plan ?? throw new ArgumentNullException(nameof(plan));
            Refusals = refusals ?? Array.Empty<MatrixFinding>();
            What = what;
        }

        /// <summary>The target is gone (the mdev was removed meanwhile): why, in words.</summary>
        public static Replanned Gone(string problem) =>
            new Replanned(WritePlan.Nothing(problem), Array.Empty<MatrixFinding>(), problem) { Problem = problem };

        public WritePlan Plan { get; }
        /// <summary>What the host (or the kernel, as the validator knows it) would refuse; nothing is written then.</summary>
        public IReadOnlyList<MatrixFinding> Refusals { get; }
        /// <summary>The change in words, for the refusal's message.</summary>
        public string What { get; }
        /// <summary>Set when the target itself is gone.</summary>
        public string? Problem { get; private set; }
        public bool IsRefused => Problem != null || Refusals.Count > 0;
    }
}
