using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using VfioAp.Core.Persistence;
using VfioAp.PowerShell.Sessions;

namespace VfioAp.PowerShell.Arguments
{
    /// <summary>
    /// Tab completion of -Mdev (and -Uuid where it names an existing mdev): the UUIDs of the mdevs in the snapshots
    /// cmdlets already read from the sessions, those of -Session when it is given as session objects, else of every
    /// open session. Never a read of its own: a Tab press must not cost a round trip to every host.
    /// </summary>
    public sealed class MdevIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var word = (wordToComplete ?? "").Trim('\'', '"');
            var seen = new HashSet<Guid>();
            foreach (var session in SessionsIn(fakeBoundParameters))
                foreach (var uuid in session.KnownMdevs.OrderBy(u => u.ToString("D"), StringComparer.Ordinal))
                {
                    var text = MdevUuid.Format(uuid);
                    if (!text.StartsWith(word, StringComparison.OrdinalIgnoreCase) || !seen.Add(uuid)) continue;
                    yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, $"mdev {text} on {session.ComputerName}");
                }
        }

        /// <summary>-Session's sessions when they are already bound to objects (a variable is not evaluated here), else every open one.</summary>
        private static IEnumerable<ApSession> SessionsIn(IDictionary? bound)
        {
            var given = bound?["Session"];
            var sessions = LanguagePrimitives.GetEnumerable(given) is IEnumerable many
                ? many.Cast<object>().Select(o => (o as PSObject)?.BaseObject ?? o).OfType<ApSession>().ToList()
                : new[] { (given as PSObject)?.BaseObject ?? given }.OfType<ApSession>().ToList();
            return sessions.Count > 0 ? sessions : ApSessionRegistry.Open();
        }
    }
}
