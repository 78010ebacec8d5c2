using VfioAp.Core.Model;

namespace VfioAp.Core.Rules
{
    /// <summary>A refused or failed change, in words for an ErrorRecord: what failed, on which host, which attribute and value, the errno, what was undone and what to do.</summary>
    public sealed class PlanFailure
    {
        internal PlanFailure(RefusalCode code, Errno errno, string host, string? path, string? value, string message, string recommendedAction, MatrixFinding? finding = null)
        {
            Code = code;
            Category = KernelRefusal.CategoryOf(code);
            Errno = errno;
            Host = host;
            Path = path;
            Value = value;
            Message = message;
            RecommendedAction = recommendedAction;
            Finding = finding;
        }

        public RefusalCode Code { get; }
        /// <summary><c>VfioAp.</c> and the code: the stable part of the ErrorRecord's FullyQualifiedErrorId.</summary>
        public string ErrorId => "VfioAp." + Code;
        public FailureCategory Category { get; }
        public Errno Errno { get; }
        public string Host { get; }
        /// <summary>The full path of the attribute written (or that would have been), when there is one.</summary>
        public string? Path { get; }
        /// <summary>The value written (or that would have been).</summary>
        public string? Value { get; }
        public string Message { get; }
        public string RecommendedAction { get; }
        /// <summary>The validator's finding, when the module refused before writing.</summary>
        public MatrixFinding? Finding { get; }
        public override string ToString() => $"{ErrorId}: {Message}";
    }
}
