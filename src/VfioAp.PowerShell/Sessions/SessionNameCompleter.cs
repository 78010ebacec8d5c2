using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VfioAp.PowerShell.Sessions
{
    /// <summary>
    /// Tab completion of -Session: the open sessions by name (or id). -Session takes session objects, so the completion
    /// is the expression that yields the session, <c>(Get-ApSession -Id 3)</c>, listed under the session's name.
    /// Only the registry of this process is consulted: no host is asked anything.
    /// </summary>
    public sealed class SessionNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var session in ApSessionRegistry.Open())
            {
                if (!session.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase) && word != session.Id.ToString()) continue;
                yield return new CompletionResult($"(Get-ApSession -Id {session.Id})", session.Name, CompletionResultType.ParameterValue,
                    $"Session {session.Id} '{session.Name}': {session.Kind} {session.ComputerName}");
            }
        }
    }
}
