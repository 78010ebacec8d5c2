using System;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// A scenario that cannot be loaded: malformed JSON, an unknown field, a value of the wrong kind, or a state the
    /// kernel would refuse. The message reads like a compiler's: <c>file(line,column): entry: problem</c>.
    /// </summary>
    public sealed class ScenarioException : Exception
    {
        private string _source;

        public ScenarioException(string source, int line, int column, string? entry, string problem, Exception? inner = null)
            : base(Format(source, line, column, entry, problem), inner)
        {
            _source = source;
            Line = line;
            Column = column;
            Entry = entry;
            Problem = problem;
        }

        /// <summary>The scenario file (or built-in name) the problem is in.</summary>
        public override string Source
        {
            get => _source;
            set => _source = value ?? "";
        }

        /// <summary>1-based line of the offending entry; 0 when the problem is not tied to a line.</summary>
        public int Line { get; }
        public int Column { get; }
        /// <summary>The JSON path of the entry (<c>mdevs[1].adapters[0]</c>), or null.</summary>
        public string? Entry { get; }
        /// <summary>What is wrong, without the location.</summary>
        public string Problem { get; }

        private static string Format(string source, int line, int column, string? entry, string problem)
        {
            var where = line > 0 ? $"{source}({line},{column})" : source;
            return string.IsNullOrEmpty(entry) ? $"{where}: {problem}" : $"{where}: {entry}: {problem}";
        }
    }
}
