using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using VfioAp.Core.Simulation;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// Tab completion of -Simulation: the built-in scenario names, then file names, since a scenario file is the
    /// other thing the parameter takes (a custom completer replaces PowerShell's own file completion).
    /// </summary>
    public sealed class ScenarioNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var name in ScenarioLibrary.BuiltInNames)
            {
                if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, "Built-in simulated host '" + name + "'");
            }
            foreach (var file in CompletionCompleters.CompleteFilename(wordToComplete ?? ""))
                yield return file;
        }
    }
}
