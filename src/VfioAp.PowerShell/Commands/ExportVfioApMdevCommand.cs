using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.PowerShell.Sessions;

using VfioAp.PowerShell.Hosting;

namespace VfioAp.PowerShell.Commands
{
    /// <summary>The formats Export-VfioApMdev writes and Import-VfioApMdev reads.</summary>
    public enum MdevExportFormat
    {
        /// <summary>mdevctl's JSON: the list form of <c>mdevctl list -d --dumpjson</c>, or one definition file per mdev in a directory.</summary>
        MdevctlJson,
        /// <summary>libvirt's node-device XML (<c>virsh nodedev-define</c>).</summary>
        NodeDeviceXml,
        /// <summary>The guest's <c>&lt;hostdev type='mdev' model='vfio-ap'&gt;</c> element for its domain XML.</summary>
        HostdevXml,
    }

    /// <summary>
    /// Export-VfioApMdev: the live matrix of mdevs as mdevctl definitions (to the pipeline, a file, one file per mdev
    /// in a directory, or straight into the host's mdevctl directory with -Persist), as libvirt node-device XML, or as
    /// the guest's hostdev element. Reads each host once; pipe Get-VfioApMdev into it.
    /// </summary>
    [Cmdlet(VerbsData.Export, "VfioApMdev", SupportsShouldProcess = true, DefaultParameterSetName = OutputSet)]
    [OutputType(typeof(string), ParameterSetName = new[] { OutputSet })]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { OutputSet })]
    [OutputType(typeof(PersistOperation), ParameterSetName = new[] { PersistSet })]
    public sealed class ExportVfioApMdevCommand : MdevSelectingCmdlet
    {
        private const string OutputSet = "Output";
        private const string PersistSet = "Persist";
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>MdevctlJson (default), NodeDeviceXml or HostdevXml.</summary>
        [Parameter(ParameterSetName = OutputSet)]
        public MdevExportFormat Format { get; set; } = MdevExportFormat.MdevctlJson;

        /// <summary>A file (all mdevs of one host in it), or an existing directory (one file per mdev, mdevctl's naming for JSON).</summary>
        [Parameter(ParameterSetName = OutputSet)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>With -Path: do not overwrite an existing file.</summary>
        [Parameter(ParameterSetName = OutputSet)]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Write the definitions into the host's mdevctl directory, so mdevctl re-creates the mdevs at boot.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PersistSet)]
        public SwitchParameter Persist { get; set; }

        /// <summary>mdevctl's start mode. Default: an existing definition keeps its own; a new one is auto with -Persist (it should survive a reboot), manual otherwise (mdevctl's default).</summary>
        [Parameter]
        public MdevStartMode? Start { get; set; }

        /// <summary>With -Path: the files written; with -Persist: the file operations done.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            var perHost = new List<(ApSession Session, IReadOnlyList<VfioApMdev> Mdevs)>();
            var snapshots = new Dictionary<ApSession, HostSnapshot>();
            var missing = new HashSet<Guid>(Wanted.Named);
            foreach (var session in AllSessions)
            {
                var snapshot = ReadHost(session, SnapshotParts.Bus | SnapshotParts.Mdevs);
                if (snapshot is null) continue;
                snapshots[session] = snapshot;
                var wanted = Wanted.Of(session);
                var mdevs = snapshot.Mdevs.Where(m => wanted is null || wanted.Contains(m.Uuid)).ToList();
                foreach (var m in mdevs) missing.Remove(m.Uuid);
                perHost.Add((session, mdevs));
            }
            foreach (var uuid in missing.OrderBy(u => u.ToString("D"), StringComparer.Ordinal))
                WriteError(new VfioApException(VfioApErrorId.MdevNotFound, ErrorCategory.ObjectNotFound,
                    $"There is no vfio_ap mdev {uuid:D} on {string.Join(", ", perHost.Select(h => h.Session.ComputerName))}: nothing to export for it.",
                    "Get-VfioApMdev lists the mdevs of a host; check the UUID and the -Session.", null, SysfsLayout.MdevDir(uuid), Errno.ENOENT).ToErrorRecord(uuid));

            if (Persist.IsPresent)
            {
                foreach (var (session, mdevs) in perHost) PersistHost(session, snapshots[session], mdevs);
                return;
            }
            if (Path is null)
            {
                foreach (var (session, mdevs) in perHost)
                    foreach (var text in Render(session, mdevs))
                        WriteObject(Tag(text.Text, session));
                return;
            }
            WriteFiles(perHost);
        }

        /// <summary>The documents for one host: one list-form JSON for all its mdevs, or one XML document per mdev.</summary>
        private IEnumerable<(Guid? Uuid, string Text)> Render(ApSession session, IReadOnlyList<VfioApMdev> mdevs)
        {
            var start = Start ?? MdevStartMode.Manual;
            switch (Format)
            {
                case MdevExportFormat.MdevctlJson:
                    if (mdevs.Count > 0) yield return (null, MdevctlJson.FormatList(mdevs.Select(m => MdevctlDefinition.FromMatrix(m.Uuid, m.Matrix, start))));
                    break;
                case MdevExportFormat.NodeDeviceXml:
                    foreach (var m in mdevs) yield return (m.Uuid, LibvirtNodeDevice.Format(MdevctlDefinition.FromMatrix(m.Uuid, m.Matrix, start)));
                    break;
                case MdevExportFormat.HostdevXml:
                    foreach (var m in mdevs) yield return (m.Uuid, LibvirtHostdev.Format(m.Uuid));
                    break;
            }
        }

        private void WriteFiles(List<(ApSession Session, IReadOnlyList<VfioApMdev> Mdevs)> perHost)
        {
            var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path!);
            var files = new List<(string File, string Text, ApSession Session)>();
            if (Directory.Exists(target))
            {
                foreach (var (session, mdevs) in perHost)
                    foreach (var m in mdevs)
                    {
                        var def = MdevctlDefinition.FromMatrix(m.Uuid, m.Matrix, Start ?? MdevStartMode.Manual);
                        var (name, text) = Format switch
                        {
                            // mdevctl's own layout: a file named by the UUID holding one definition (mdevctl define --jsonfile takes it).
                            MdevExportFormat.MdevctlJson => (MdevUuid.Format(m.Uuid), def.ToConfigJson()),
                            MdevExportFormat.NodeDeviceXml => (LibvirtNodeDevice.NodeDeviceName(m.Uuid) + ".xml", LibvirtNodeDevice.Format(def) + "\n"),
                            _ => ("hostdev-" + MdevUuid.Format(m.Uuid) + ".xml", LibvirtHostdev.Format(m.Uuid) + "\n"),
                        };
                        files.Add((System.IO.Path.Combine(target, name), text, session));
                    }
            }
            else
            {
                var hosts = perHost.Where(h => h.Mdevs.Count > 0).ToList();
                if (hosts.Select(h => h.Session.ComputerName).Distinct().Count() > 1)
                {
                    WriteError(new VfioApException(PersistenceErrorId.ExportFailed, ErrorCategory.InvalidArgument,
                        $"The mdevs come from {hosts.Count} hosts ({string.Join(", ", hosts.Select(h => h.Session.ComputerName))}); one file cannot say which host each belongs to.",
                        "Give -Path an existing directory (one file per mdev), or export each host to its own file.", null, target).ToErrorRecord(target));
                    return;
                }
                if (hosts.Count == 0) return;
                var texts = Render(hosts[0].Session, hosts[0].Mdevs).Select(t => t.Text).ToList();
                files.Add((target, string.Join("\n", texts) + "\n", hosts[0].Session));
            }

            foreach (var (file, text, session) in files)
            {
                if (NoClobber.IsPresent && File.Exists(file))
                {
                    WriteError(new VfioApException(PersistenceErrorId.ExportFailed, ErrorCategory.ResourceExists,
                        $"'{file}' exists and -NoClobber was given.", "Remove -NoClobber to overwrite it, or choose another -Path.", session.ComputerName, file).ToErrorRecord(file));
                    continue;
                }
                if (!ShouldProcess(file, $"Write {Format} of {session.ComputerName}")) continue;
                try
                {
                    File.WriteAllText(file, text, Utf8);
                    if (PassThru.IsPresent) WriteObject(InvokeProvider.Item.Get(file), true);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(new VfioApException(PersistenceErrorId.ExportFailed, ErrorCategory.WriteError,
                        $"Writing '{file}' failed: {ex.Message}", "Check the directory exists and is writable.", session.ComputerName, file, Errno.None, ex).ToErrorRecord(file));
                }
            }
        }

        /// <summary>With -Persist: seconds to wait for the host's AP configuration lock, which the definitions are written under.</summary>
        [Parameter(ParameterSetName = PersistSet)]
        [ValidateRange(0, 86400)]
        public int LockTimeout { get; set; } = 30;

        private readonly System.Threading.CancellationTokenSource _stop = new System.Threading.CancellationTokenSource();

        /// <summary>Ctrl+C ends a wait for the lock at once, with nothing written.</summary>
        protected override void StopProcessing() => _stop.Cancel();

        private void PersistHost(ApSession session, HostSnapshot snapshot, IReadOnlyList<VfioApMdev> mdevs)
        {
            if (mdevs.Count == 0) return;
            var files = ConfigFilesFor(session);
            if (files is null) return;
            var store = new MdevctlStore(files);
            PersistPlan plan;
            try
            {
                var existing = store.ReadAll();
                foreach (var p in existing.Problems.Where(p => mdevs.Any(m => p.Source.EndsWith(MdevUuid.Format(m.Uuid), StringComparison.OrdinalIgnoreCase))))
                    WriteWarning($"{session.ComputerName}: the existing definition cannot be read and will be replaced: {p.Message}");
                var defs = MdevctlStore.Merge(existing, mdevs.Select(m => (m.Uuid, m.Matrix)), Start, MdevStartMode.Auto);
                plan = store.PlanPersist(defs);
            }
            catch (PersistenceException ex)
            {
                var notInstalled = ex.MdevctlMissing;
                WriteDefinitionError(ex, session, notInstalled ? PersistenceErrorId.MdevctlNotInstalled : PersistenceErrorId.PersistFailed,
                    notInstalled ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError,
                    notInstalled ? "Install mdevctl on the host, or give -MdevctlRoot for a test root." : "Check mdevctl's directory on the host.");
                return;
            }
            foreach (var d in plan.Unchanged)
                WriteVerbose($"{session.ComputerName}: {store.PathOf(d.Uuid)} already holds this definition; nothing to write.");

            var approved = new List<PersistOperation>();
            var declinedDirs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var op in plan.Operations)
            {
                var dir = op.Kind == PersistOperationKind.CreateDirectory ? op.Path : op.Path.Substring(0, op.Path.LastIndexOf('/'));
                // Every operation is asked about (so -WhatIf lists them all); a file whose directory was declined cannot be written.
                if (ShouldProcess($"{op.Path} on {session.ComputerName}", op.Description.Split(' ')[0] + " " + op.Kind switch
                {
                    PersistOperationKind.CreateDirectory => "directory",
                    PersistOperationKind.DeleteFile => "duplicate definition (" + op.Detail + ")",
                    _ => "mdevctl definition (" + op.Detail + ")",
                }) && !declinedDirs.Contains(dir))
                    approved.Add(op);
                else if (op.Kind == PersistOperationKind.CreateDirectory)
                    declinedDirs.Add(op.Path);
            }
            if (approved.Count == 0) return;
            // mdevctl's ap-check callout reads the definitions under the host's lock: the engine writes them under it too,
            // each file compared with what this plan was made from, and planned again from a fresh listing when another
            // writer changed one meanwhile (only the files approved above are ever written).
            var approvedPaths = new HashSet<string>(approved.Select(o => o.Path), StringComparer.Ordinal);
            var change = new PlannedChange(plan.ToChangePlan(approved), snapshot, null,
                _ => Replan(store, mdevs, approvedPaths));
            var result = RunChange(session, change, SnapshotParts.Bus, LockTimeout, _stop.Token);
            var errors = ChangeFailure.Of(result, session.ComputerName, session.Sysfs.Root, change.Plan.Summary, null, out bool stopped);
            if (stopped) throw new PipelineStoppedException();
            foreach (var e in errors)
            {
                // A file the host would not take is the persistence's own failure (id PersistFailed), with the file system's errno.
                var error = e.ErrorId == VfioApErrorId.WriteFailed && result.Outcome?.Failed is not null
                    ? new VfioApException(PersistenceErrorId.PersistFailed, ErrorCategory.WriteError, e.Message, e.RecommendedAction, e.Host, e.Path, e.Errno)
                    : e;
                WriteError(error.ToErrorRecord(session));
            }
            if (errors.Count == 0 && PassThru.IsPresent)
                foreach (var op in approved) WriteObject(Tag(op, session));
        }

        /// <summary>The same persist, planned again from a fresh listing of mdevctl's directory after another writer changed it.</summary>
        private Replanned Replan(MdevctlStore store, IReadOnlyList<VfioApMdev> mdevs, HashSet<string> approvedPaths)
        {
            var defs = MdevctlStore.Merge(store.ReadAll(), mdevs.Select(m => (m.Uuid, m.Matrix)), Start, MdevStartMode.Auto);
            var fresh = store.PlanPersist(defs);
            return new Replanned(fresh.ToChangePlan(fresh.Operations.Where(o => approvedPaths.Contains(o.Path))), Array.Empty<MatrixFinding>(), $"persisting mdevctl definitions on {store.Files.HostName}");
        }
    }
}
