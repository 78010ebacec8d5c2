using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.PowerShell.Errors;

namespace VfioAp.PowerShell.Hosting
{
    /// <summary>
    /// What Import-VfioApMdev was given to read: text (pieces from -Content and the pipeline, joined into one text as
    /// ConvertFrom-Json joins lines) and paths (files, or directories of them: mdevctl's matrix directory, a root
    /// holding it, an export directory), each path once.
    /// </summary>
    internal sealed class DefinitionInputs
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);
        private readonly List<string> _paths = new List<string>();
        private readonly StringBuilder _content = new StringBuilder();
        private int _contentPieces;

        public bool IsEmpty => _paths.Count == 0 && _contentPieces == 0;

        public void AddPath(string path)
        {
            if (!_paths.Contains(path)) _paths.Add(path);
        }

        public void AddContent(string text)
        {
            if (_contentPieces++ > 0) _content.Append('\n');
            _content.Append(text);
        }

        /// <summary>
        /// Each document with where it came from and the UUID of a bare mdevctl definition in it (from the file's name,
        /// else the next of <paramref name="uuids"/>). Paths that cannot be read become the cmdlet's error records.
        /// </summary>
        public IEnumerable<(string Text, string Source, Guid? Uuid)> Read(PSCmdlet cmdlet, Guid[]? uuids)
        {
            int uuidIndex = 0;
            Guid? NextUuid() => uuids is { Length: > 0 } ? uuids[Math.Min(uuidIndex++, uuids.Length - 1)] : (Guid?)null;
            if (_contentPieces > 0)
                yield return (_content.ToString(), "the input text", NextUuid());
            foreach (var p in _paths)
            {
                string full;
                try { full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p); }
                catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException)
                {
                    cmdlet.WriteError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.ObjectNotFound,
                        $"'{p}' is not a file-system path PowerShell can resolve: {ex.Message}", "Give a file or directory path (or pipe Get-ChildItem).",
                        null, p, Errno.None, ex).ToErrorRecord(p));
                    continue;
                }
                var files = new List<string>();
                // mdevctl's own directory, or a root holding it, means its vfio_ap parent directory.
                foreach (var inner in new[] { "matrix", "etc/mdevctl.d/matrix" })
                    if (Directory.Exists(full) && Directory.Exists(Path.Combine(full, inner)) && !Directory.GetFiles(full).Any())
                    {
                        full = Path.Combine(full, inner);
                        break;
                    }
                if (Directory.Exists(full))
                    files.AddRange(Directory.GetFiles(full).Where(f => MdevUuid.TryParse(Path.GetFileName(f), out _) || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
                                                            .OrderBy(f => f, StringComparer.Ordinal));
                else if (File.Exists(full))
                    files.Add(full);
                else
                {
                    cmdlet.WriteError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.ObjectNotFound,
                        $"'{full}' does not exist.", "Give a definition file or a directory of them.", null, full, Errno.ENOENT).ToErrorRecord(p));
                    continue;
                }
                if (files.Count == 0) cmdlet.WriteWarning($"'{full}' holds no definition files (files named by a UUID, or ending in .json or .xml).");
                foreach (var f in files)
                {
                    string text;
                    try { text = File.ReadAllText(f, Utf8); }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        cmdlet.WriteError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.ReadError, $"Reading '{f}' failed: {ex.Message}", null, null, f, Errno.None, ex).ToErrorRecord(f));
                        continue;
                    }
                    // mdevctl names its files by the UUID: that is the UUID of a bare definition.
                    Guid? hint = MdevUuid.TryParse(Path.GetFileName(f), out var fromName) ? fromName : NextUuid();
                    yield return (text, f, hint);
                }
            }
        }
    }
}
