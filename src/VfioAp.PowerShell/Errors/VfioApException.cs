using System;
using System.Management.Automation;
using VfioAp.Core.Model;

namespace VfioAp.PowerShell.Errors
{
    /// <summary>
    /// The exception inside every ErrorRecord the module writes: it carries the stable id, the category, the host,
    /// the sysfs path and the errno, so a script can act on <c>$_.Exception.Host</c> or <c>.Errno</c> without parsing text.
    /// The Core's own exception (HostReadException, ScenarioException …) is kept as the inner exception.
    /// </summary>
    public sealed class VfioApException : Exception
    {
        public VfioApException(string errorId, ErrorCategory category, string message, string? recommendedAction = null,
                               string? host = null, string? path = null, Errno errno = Errno.None, Exception? inner = null)
            : base(message, inner)
        {
            ErrorId = errorId;
            Category = category;
            RecommendedAction = recommendedAction;
            Host = host;
            Path = path;
            Errno = errno;
        }

        public string ErrorId { get; }
        public ErrorCategory Category { get; }
        /// <summary>What to do about it, in words.</summary>
        public string? RecommendedAction { get; }
        /// <summary>The host the error is about (its ComputerName), when there is one.</summary>
        public string? Host { get; }
        /// <summary>The sysfs attribute or file the error is about, when there is one.</summary>
        public string? Path { get; }
        public Errno Errno { get; }
        /// <summary>The errno as the C library words it, or null without one.</summary>
        public string? ErrnoText => Errno == Errno.None ? null : Core.Model.ErrnoText.Describe(Errno);

        /// <summary>The ErrorRecord for this failure, with the recommended action in its details.</summary>
        public ErrorRecord ToErrorRecord(object? target)
        {
            var record = new ErrorRecord(this, ErrorId, Category, target);
            if (RecommendedAction is not null)
                record.ErrorDetails = new ErrorDetails(Message) { RecommendedAction = RecommendedAction };
            return record;
        }
    }
}
