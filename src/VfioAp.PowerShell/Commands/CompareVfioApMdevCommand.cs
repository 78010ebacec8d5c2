using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Compare-VfioApMdev: per mdev, how the live matrix and its persisted mdevctl definition differ (adapters,
    /// domains, control domains on one side only; missing on one side; a definition that cannot be used; the start
    /// mode with -ExpectedStart). Like Compare-Object it returns only differences unless -IncludeEqual, so
    /// <c>Compare-VfioApMdev | Should -BeNullOrEmpty</c> is a runbook's drift check. With -BusMask the AP bus masks'
    /// drift too: a BusMaskDrift per mask whose live value is not what the next boot starts with (read in the same batch).
    /// </summary>
    [Cmdlet(VerbsData.Compare, "VfioApMdev")]
    [OutputType(typeof(MdevDrift), typeof(BusMaskDrift))]
    public sealed class CompareVfioApMdevCommand : MdevSelectingCmdlet
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>Compare with definitions in these files or directories (e.g. a repository of host configuration) instead of the host's mdevctl directory.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DefinitionPath { get; set; }

        /// <summary>A definition with another start mode is drift (auto: the mdev must come back at boot).</summary>
        [Parameter]
        public MdevStartMode? ExpectedStart { get; set; }

        /// <summary>Also compare apmask and aqmask with the masks the next boot starts with (udev rule, kernel command line, kernel default).</summary>
        [Parameter]
        public SwitchParameter BusMask { get; set; }

        /// <summary>Also return the mdevs whose live matrix and definition agree.</summary>
        [Parameter]
        public SwitchParameter IncludeEqual { get; set; }

        protected override void EndProcessing()
        {
            MdevctlStoreContents? fromFiles = DefinitionPath is null ? null : ReadDefinitionFiles();
            foreach (var session in AllSessions)
            {
                var (snapshot, boot) = ReadWithBoot(session, SnapshotParts.Bus | SnapshotParts.Mdevs);
                if (snapshot is null || boot is null) continue;
                var contents = fromFiles;
                if (contents is null)
                {
                    var files = ConfigFilesFor(session);
                    if (files is null) continue;
                    try { contents = new MdevctlStore(files).ReadAll(); }
                    catch (PersistenceException ex) { WriteDefinitionError(ex, session, PersistenceErrorId.PersistFailed, ErrorCategory.ReadError); continue; }
                    if (!contents.DirectoryExists)
                        WriteWarning($"{session.ComputerName}: mdevctl's directory {files.ConfigDirectory} does not exist (mdevctl not installed): no mdev is persisted.");
                }
                var wanted = Wanted.Of(session);
                var drift = MdevDriftComparer.Compare(session.ComputerName, snapshot.Mdevs, contents, ExpectedStart, snapshot.Bus.MaxAdapterId, snapshot.Bus.MaxDomainId);
                foreach (var d in drift)
                {
                    if (wanted is not null && !wanted.Contains(d.Uuid)) continue;
                    if (d.InSync && !IncludeEqual.IsPresent) continue;
                    WriteObject(Tag(d, session));
                }
                if (!BusMask.IsPresent) continue;
                foreach (var m in BusMaskDrift.Compare(session.ComputerName, snapshot.Bus, BootMasks.Resolve(boot)))
                    if (!m.InSync || IncludeEqual.IsPresent) WriteObject(Tag(m, session));
            }
        }

        /// <summary>The host and its persistent boot state in one batch, or nulls after writing the host's error record.</summary>
        private (HostSnapshot?, BootFiles?) ReadWithBoot(ApSession session, SnapshotParts parts)
        {
            if (!IsOpen(session)) return (null, null);
            try
            {
                var (snapshot, files) = BootStateFiles.Read(session.Sysfs, parts);
                return (Remember(session, snapshot, parts), files);
            }
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                WriteError(session.FailureOf(ex).ToErrorRecord(session));
                return (null, null);
            }
        }

        /// <summary>Definitions from -DefinitionPath, shaped like a host's directory so the comparer treats them alike.</summary>
        private MdevctlStoreContents ReadDefinitionFiles()
        {
            var defs = new List<MdevctlDefinition>();
            var problems = new List<PersistenceException>();
            foreach (var p in DefinitionPath!)
            {
                var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                var files = Directory.Exists(full) ? Directory.GetFiles(full).OrderBy(f => f, StringComparer.Ordinal).ToArray() : new[] { full };
                foreach (var f in files)
                {
                    try
                    {
                        var text = File.ReadAllText(f, Utf8);
                        Guid? hint = MdevUuid.TryParse(System.IO.Path.GetFileName(f), out var u) ? u : (Guid?)null;
                        defs.AddRange(DefinitionDocument.ParseDefinitions(text, f, hint));
                    }
                    catch (PersistenceException ex) { problems.Add(ex); WriteDefinitionError(ex, null); }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        WriteError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.ReadError, $"Reading '{f}' failed: {ex.Message}", null, null, f, Errno.None, ex).ToErrorRecord(f));
                    }
                }
            }
            return new MdevctlStoreContents(defs, problems, Array.Empty<MdevctlConfigFile>());
        }
    }
}
