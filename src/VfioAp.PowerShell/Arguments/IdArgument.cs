using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Arguments
{
    /// <summary>
    /// A bad id argument. Parameter binding wraps it (PowerShell's id: ParameterArgumentTransformationError); this inner
    /// exception carries the module's stable id, <c>VfioAp.InvalidId</c>, and the Core's words for what is wrong.
    /// </summary>
    public sealed class InvalidIdException : ArgumentTransformationMetadataException
    {
        private ErrorRecord? _record;

        public InvalidIdException(string message, object? argument) : base(message)
        {
            Argument = argument;
        }

        /// <summary>The value that was refused.</summary>
        public object? Argument { get; }

        public override ErrorRecord ErrorRecord =>
            _record ??= new ErrorRecord(this, VfioApErrorId.InvalidId, ErrorCategory.InvalidArgument, Argument);
    }

    /// <summary>What the id transformations share: unwrapping PowerShell values and flattening arrays and ranges.</summary>
    internal static class IdArgument
    {
        /// <summary>Scalars, arrays (<c>5,6</c>), ranges (<c>4..7</c>) and nested lists, unwrapped from PSObject.</summary>
        public static IEnumerable<object?> Flatten(object? input)
        {
            var value = input is PSObject pso ? pso.BaseObject : input;
            if (value is null)
            {
                yield return null;
                yield break;
            }
            if (value is string || value is not IEnumerable list)
            {
                yield return value;
                yield break;
            }
            foreach (var item in list)
                foreach (var inner in Flatten(item))
                    yield return inner;
        }

        /// <summary>
        /// The text a number or string stands for. Integers become their decimal text, so 300 is refused with the same
        /// words as '300'. Strings are left as typed: the kernel's syntax applies ('035' is octal).
        /// </summary>
        public static string? AsKernelText(object? value) => value switch
        {
            null => null,
            string s => s,
            char c => c.ToString(),
            byte or sbyte or short or ushort or int or uint or long or ulong => Convert.ToString(value, CultureInfo.InvariantCulture),
            double d when d == Math.Floor(d) && !double.IsInfinity(d) => d.ToString("0", CultureInfo.InvariantCulture),
            decimal m when m == decimal.Floor(m) => m.ToString("0", CultureInfo.InvariantCulture),
            _ => null,
        };

        /// <summary>
        /// A range typed as one word, <c>4..7</c> or <c>'0x04..0x07'</c>: PowerShell passes an unparenthesized range
        /// in a command's arguments as that text, so the module reads it as the range the user meant. Each end is
        /// parsed like a single id.
        /// </summary>
        public static bool TryRange(object? item, string what, Func<object?, int> parse, out int from, out int to)
        {
            from = to = 0;
            if (item is not string s) return false;
            int dots = s.IndexOf("..", StringComparison.Ordinal);
            if (dots <= 0 || dots + 2 >= s.Length) return false;
            from = parse(s.Substring(0, dots).Trim());
            to = parse(s.Substring(dots + 2).Trim());
            if (from > to) throw new InvalidIdException($"'{s}' is not a range of {what} ids: it runs backwards ({from} > {to}).", item);
            return true;
        }

        public static string Describe(object? value) => value switch
        {
            null => "$null",
            string s => "'" + s + "'",
            _ => value.ToString() + " (" + value.GetType().Name + ")",
        };
    }
}
