using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using VfioAp.Core.Simulation;

namespace VfioAp.PowerShell
{
    /// <summary>
    /// Tab completion of -Simulation with the built-in scenario names. When no name matches (the user is typing a
    /// path), it offers nothing and PowerShell falls back to its file completion.
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
        }
    }
}
