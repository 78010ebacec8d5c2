using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Arguments;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>
    /// Import-VfioApMdev: reads mdevctl definitions and libvirt XML (files, strings, or the host's mdevctl directory)
    /// into mdev objects, checks each against the host as Test-VfioApMatrix does, and with -Apply creates or changes
    /// the mdevs through the planner: one plan per mdev, verified, rolled back on failure, so every mdev ends either
    /// as defined or as it was.
    /// </summary>
    [Cmdlet(VerbsData.Import, "VfioApMdev", SupportsShouldProcess = true, DefaultParameterSetName = InputSet, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VfioApMdev))]
    public sealed class ImportVfioApMdevCommand : MdevPersistenceCmdlet
    {
        // Files and text share one set, so a string and a file object can both arrive through the same pipeline
        // (as -InputObject, which every host cmdlet takes: text, files, or an object that carries a session).
        private const string InputSet = "Input";
        private const string HostSet = "FromHost";

        private readonly DefinitionInputs _inputs = new DefinitionInputs();

        /// <summary>Definition files, or directories of them (mdevctl's matrix directory, an export directory).</summary>
        [Parameter(Position = 0, ParameterSetName = InputSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The text of definitions (a here-string, or Get-Content -Raw).</summary>
        [Parameter(ParameterSetName = InputSet)]
        [AllowEmptyString]
        public string[]? Content { get; set; }

        /// <summary>The definitions in the host's own mdevctl directory (&lt;MdevctlRoot&gt;/etc/mdevctl.d/matrix).</summary>
        [Parameter(Mandatory = true, ParameterSetName = HostSet)]
        public SwitchParameter FromHost { get; set; }

        [Parameter]
        public MdevImportFormat Format { get; set; } = MdevImportFormat.Auto;

        /// <summary>The UUID of a bare mdevctl definition whose file is not named by it.</summary>
        [Parameter(ParameterSetName = InputSet)]
        [MdevIdTransformation]
        public Guid[]? Uuid { get; set; }

        /// <summary>Create missing mdevs and change existing ones to the imported matrices.</summary>
        [Parameter]
        public SwitchParameter Apply { get; set; }

        /// <summary>With -Apply: seconds to wait for the host's AP configuration lock while another process holds it.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public int LockTimeout { get; set; } = 30;

        private readonly System.Threading.CancellationTokenSource _stop = new System.Threading.CancellationTokenSource();

        /// <summary>Ctrl+C ends a wait for the lock at once, with nothing written.</summary>
        protected override void StopProcessing() => _stop.Cancel();

        protected override void ReleaseResources() => _stop.Dispose();

        protected override void ProcessRecord()
        {
            Collect();
            if (Path is not null)
                foreach (var p in Path) _inputs.AddPath(p);
            if (Content is not null)
                foreach (var c in Content) _inputs.AddContent(c);
            switch (InputObject?.BaseObject)
            {
                case null:
                    break;
                case string text when !FromHost.IsPresent:
                    // Lines from Get-Content carry their file's PSPath; the lines are the input, not the file again.
                    _inputs.AddContent(text);
                    break;
                case FileSystemInfo item when !FromHost.IsPresent:
                    _inputs.AddPath(item.FullName);
                    break;
                case var _ when SessionOf(InputObject) is not null:
                    break;  // an object that carries a session names the host (Collect took it)
                default:
                    WriteError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.InvalidArgument,
                        $"Cannot import a {InputObject.BaseObject.GetType().Name} from the pipeline{(FromHost.IsPresent ? " with -FromHost" : "")}: pipe definition text (strings) or files.",
                        "Get-Content def.json -Raw | Import-VfioApMdev, or Get-ChildItem ./mdevs | Import-VfioApMdev.").ToErrorRecord(InputObject));
                    break;
            }
        }

        protected override void EndProcessing()
        {
            if (!FromHost.IsPresent && _inputs.IsEmpty)
                ThrowTerminatingError(new VfioApException(PersistenceErrorId.DefinitionInvalid, ErrorCategory.InvalidArgument,
                    "Nothing to import: give definition files with -Path, their text with -Content (or from the pipeline), or -FromHost for the host's mdevctl directory.",
                    "Import-VfioApMdev -Path ./mdevs, Get-Content def.json -Raw | Import-VfioApMdev, or Import-VfioApMdev -FromHost.").ToErrorRecord(null));
            var definitions = new List<MdevctlDefinition>();
            var hostdevs = new List<HostdevReference>();
            if (!FromHost.IsPresent)
            {
                DefinitionFormat? format = Format == MdevImportFormat.Auto ? null : Format switch { MdevImportFormat.MdevctlJson => DefinitionFormat.MdevctlJson, MdevImportFormat.NodeDeviceXml => DefinitionFormat.NodeDeviceXml, _ => DefinitionFormat.HostdevXml };
                foreach (var (text, source, uuidHint) in _inputs.Read(this, Uuid))
                {
                    try
                    {
                        var contents = DefinitionDocument.Parse(text, source, uuidHint, format);
                        definitions.AddRange(contents.Definitions);
                        hostdevs.AddRange(contents.Hostdevs);
                    }
                    catch (PersistenceException ex)
                    {
                        WriteDefinitionError(ex, null);
                    }
                }
            }
            foreach (var session in AllSessions)
            {
                var hostDefinitions = FromHost.IsPresent ? ReadFromHost(session) : definitions;
                if (hostDefinitions is null) continue;
                var snapshot = ReadHost(session, Apply.IsPresent ? ImportParts | GuestImpactPreview.Parts : ImportParts);
                if (snapshot is null) continue;
                foreach (var item in MdevImportPlanner.Plan(snapshot, hostDefinitions)) Handle(session, snapshot, item);
                foreach (var r in hostdevs) HandleHostdev(session, snapshot, r);
            }
        }

        /// <summary>The definitions in the host's mdevctl directory, or null after writing why there are none.</summary>
        private List<MdevctlDefinition>? ReadFromHost(ApSession session)
        {
            var files = ConfigFilesFor(session);
            if (files is null) return null;
            MdevctlStoreContents contents;
            try { contents = new MdevctlStore(files).ReadAll(); }
            catch (PersistenceException ex) { WriteDefinitionError(ex, session, PersistenceErrorId.PersistFailed, ErrorCategory.ReadError); return null; }
            if (!contents.DirectoryExists)
            {
                WriteError(new VfioApException(PersistenceErrorId.MdevctlNotInstalled, ErrorCategory.ObjectNotFound,
                    $"Host '{session.ComputerName}': mdevctl's directory {files.ConfigDirectory} does not exist, so there are no persisted mdevs to import.",
                    "Install mdevctl on the host, or give -MdevctlRoot for a test root.", session.ComputerName, files.ConfigDirectory).ToErrorRecord(session));
                return null;
            }
            foreach (var p in contents.Problems) WriteDefinitionError(p, session);
            foreach (var f in contents.Ignored) WriteVerbose($"{session.ComputerName}: {f.Path} is not named by a UUID; mdevctl ignores it and so does the import.");
            return contents.Definitions.ToList();
        }

        private void Handle(ApSession session, HostSnapshot snapshot, MdevImportItem item)
        {
            var host = session.ComputerName;
            foreach (var w in item.Warnings) WriteWarning($"{host}: {w}");
            foreach (var f in item.Findings.Where(f => f.Severity == FindingSeverity.Warning))
                WriteWarning($"{host}, mdev {item.Uuid:D}: {f.Message}");
            if (item.Refused)
            {
                WriteRefused(session, item);
                return;
            }
            if (!Apply.IsPresent || item.Plan is null)
            {
                if (Apply.IsPresent) WriteVerbose($"{host}: mdev {item.Uuid:D} already has {item.Matrix}; nothing to write.");
                WriteObject(Output(session, snapshot.FindMdev(item.Uuid), item, item.Action));
                return;
            }
            var plan = item.Plan;
            var writes = string.Join("\n", plan.Writes.Select(w => "  " + w));
            // What the import does to the mdev's guest (and any other), after the writes, as every change shows it.
            var impact = GuestImpactPreview.Of(snapshot, plan, out var problem);
            if (problem != null) WriteWarning($"{host}: {problem}");
            if (!ShouldProcess($"{plan.Summary} on {host}:\n{writes}{GuestImpactPreview.Describe(impact)}", $"{plan.Summary} on {host}?", "Import-VfioApMdev"))
                return;
            ApplyItem(session, snapshot, item, impact);
        }

        /// <summary>A definition the host cannot take: why, with the id Set-VfioApMatrix and Test-VfioApMatrix give the same refusal.</summary>
        private void WriteRefused(ApSession session, MdevImportItem item)
        {
            var host = session.ComputerName;
            if (item.Problem is not null)
            {
                WriteDefinitionError(item.Problem, session, PersistenceErrorId.ImportRefused);
                return;
            }
            if (item.HostProblem is not null)
            {
                WriteError(new VfioApException(PersistenceErrorId.ImportRefused, ErrorCategory.ResourceUnavailable,
                    $"Host '{host}': the definition of mdev {item.Uuid:D} from {item.Definition.Source} cannot be applied: {item.HostProblem}",
                    "Nothing was written for this mdev.", host, SysfsLayout.MdevCreate).ToErrorRecord(item.Uuid));
                return;
            }
            foreach (var finding in item.Errors)
                WriteError(PlanErrors.ToException(KernelRefusal.FromFinding(finding, host,
                    $"importing mdev {item.Uuid:D} from {item.Definition.Source}", SysfsLayout.MdevDir(item.Uuid))).ToErrorRecord(item.Uuid));
        }

        private static readonly SnapshotParts ImportParts = SnapshotParts.Bus | SnapshotParts.QueueBindings | SnapshotParts.Mdevs;

        /// <summary>
        /// Applies one approved definition through the change engine, as every change: under the host's AP configuration
        /// lock what the plan was made from is re-checked, and when another writer changed it (or an earlier definition of
        /// this import did), the definition is planned again from the read made under the lock, up to 5 times.
        /// </summary>
        private void ApplyItem(ApSession session, HostSnapshot snapshot, MdevImportItem item, GuestImpactReport? impact)
        {
            var host = session.ComputerName;
            var definition = item.Definition;
            MdevImportItem? again = null;
            var change = new PlannedChange(item.Plan!, snapshot, LastRead(session), fresh =>
            {
                again = MdevImportPlanner.Plan(fresh, new[] { definition }).FirstOrDefault(i => i.Uuid == definition.Uuid);
                if (again is null) return Replanned.Gone($"the definition of mdev {definition.Uuid:D} no longer applies to {fresh.ComputerName}");
                var errors = again.Errors.ToList();
                if (errors.Count > 0) return new Replanned(WritePlan.Nothing(again.Action.ToString()), errors, $"importing mdev {definition.Uuid:D}");
                if (again.Refused) return Replanned.Gone($"importing mdev {definition.Uuid:D} is refused now");
                return new Replanned(again.Plan ?? WritePlan.Nothing($"mdev {definition.Uuid:D} already has {again.Matrix}"), Array.Empty<MatrixFinding>(), $"importing mdev {definition.Uuid:D}");
            });
            var result = RunChange(session, change, ImportParts, LockTimeout, _stop.Token);
            if (result.Outcome is { Succeeded: true } outcome)
            {
                WriteVerbose($"{host}: {result.Change.Plan.Summary}: {result.Change.Plan.Steps.Count} write(s) applied and verified in {outcome.RoundTrips} round trip(s).");
                WriteObject(GuestImpactPreview.Attach(Output(session, outcome.After?.FindMdev(item.Uuid) ?? outcome.AfterRun?.FindMdev(item.Uuid), again ?? item, (again ?? item).Action), impact));
                return;
            }
            // Planned again, it is refused now or nothing is left: said as the first plan would have said it.
            if ((result.NothingLeft || result.Refused is not null) && again is not null)
            {
                Handle(session, result.RefusedSnapshot ?? result.Change.Before, again);
                return;
            }
            var failures = ChangeFailure.Of(result, host, session.Sysfs.Root, result.Change.Plan.Summary, item.Uuid, out bool stopped);
            foreach (var e in failures)
                WriteError(new VfioApException(e.ErrorId, e.Category, $"Importing mdev {item.Uuid:D} from {item.Definition.Source}: {e.Message}",
                    e.RecommendedAction, e.Host, e.Path, e.Errno).ToErrorRecord(item.Uuid));
            if (stopped) throw new PipelineStoppedException();
        }

        private PSObject Output(ApSession session, VfioApMdev? live, MdevImportItem item, MdevImportAction action)
        {
            var mdev = live is not null && (Apply.IsPresent || live.Matrix == item.Matrix)
                ? live
                : new VfioApMdev { ComputerName = session.ComputerName, Uuid = item.Uuid, Matrix = item.Matrix ?? ApMatrix.Empty, HasApConfig = live?.HasApConfig ?? false };
            var pso = Tag(mdev, session);
            pso.Properties.Add(new PSNoteProperty("Start", item.Definition.Start));
            pso.Properties.Add(new PSNoteProperty("Source", item.Definition.Source));
            pso.Properties.Add(new PSNoteProperty("ImportAction", action));
            pso.Properties.Add(new PSNoteProperty("Findings", item.Findings.ToArray()));
            return pso;
        }

        private void HandleHostdev(ApSession session, HostSnapshot snapshot, HostdevReference r)
        {
            var live = snapshot.FindMdev(r.Uuid);
            var guest = r.Guest is null ? "" : $" (guest {r.Guest})";
            if (Apply.IsPresent)
            {
                WriteError(new VfioApException(PersistenceErrorId.ImportRefused, ErrorCategory.InvalidData,
                    $"{r.Source}{guest}: a <hostdev> names mdev {r.Uuid:D} but not its matrix, so it cannot be applied.",
                    "Import the mdev's mdevctl definition or node-device XML instead (Export-VfioApMdev writes both).", session.ComputerName, r.Source).ToErrorRecord(r.Uuid));
                return;
            }
            if (live is null)
            {
                WriteError(new VfioApException(VfioApErrorId.MdevNotFound, ErrorCategory.ObjectNotFound,
                    $"Host '{session.ComputerName}': {r.Source}{guest} uses mdev {r.Uuid:D}, which does not exist there; the guest would not start.",
                    "Create it (Import-VfioApMdev -Apply with its definition, or New-VfioApMdev), or correct the UUID in the domain XML.",
                    session.ComputerName, SysfsLayout.MdevDir(r.Uuid), Errno.ENOENT).ToErrorRecord(r.Uuid));
                return;
            }
            var pso = Tag(live, session);
            pso.Properties.Add(new PSNoteProperty("Source", r.Source));
            pso.Properties.Add(new PSNoteProperty("Guest", r.Guest));
            WriteObject(pso);
        }
    }
}
