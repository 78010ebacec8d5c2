using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Boots a simulated host again from its hardware and its persistent state, step by step as Linux on Z does, each
    /// step through the new kernel's own write paths: the kernel starts with the command line's masks (zero, then the
    /// value written into it; all ones without one); the machine's cards and AP configuration appear and the queues
    /// bind by those masks; udev writes the rule's mask assignments; mdevctl starts the auto definitions in its order
    /// after ap-check's checks, writing create and each attribute (an mdev whose write fails is removed again); libvirt
    /// starts the autostart domains whose mdevs are all there. What does not survive a reboot (queues unbound by hand,
    /// cards set offline, failed resets, transient domains, the kernel log) is gone.
    /// </summary>
    public static class SimulatedBoot
    {
        /// <summary>A new kernel booted from <paramref name="before"/>'s hardware and its host files (<see cref="SimulatedHostFiles"/>).</summary>
        public static SimulatedKernel Boot(SimulatedKernel before, BootFiles? files = null)
        {
            files ??= BootStateFiles.Read(new SimulatedSysfs(before), SnapshotParts.Bus).Files;
            var hardware = HostReader.Read(new SimulatedSysfs(before), SnapshotParts.Bus | SnapshotParts.Cards | SnapshotParts.QueueBindings);
            var k = new SimulatedKernel(before.Features, before.MaxAdapterId, before.MaxDomainId)
            {
                ScenarioName = before.ScenarioName,
                Description = before.Description,
            };
            var (cmdline, _, _) = files.NextCommandLine();
            CommandLineMasks(k, cmdline);
            Hardware(k, before, hardware);
            UdevRule(k, files);
            AutoStart(k, files);
            Domains(k, before);
            foreach (var kv in before.HostFiles.PersistentFiles) k.HostFiles.SetFile(kv.Key, kv.Value);
            if (cmdline is not null) k.HostFiles.SetFile(BootFiles.CurrentCommandLineFile, cmdline.TrimEnd('\n') + "\n");
            return k;
        }

        /// <summary><c>ap_perms_init</c>: a mask named on the command line starts at zero and the value is parsed into it; an error is ignored.</summary>
        private static void CommandLineMasks(SimulatedKernel k, string? cmdline)
        {
            if (cmdline is null) return;
            var parsed = KernelCommandLine.Parse(cmdline);
            foreach (var (kind, path) in new[] { (BusMaskKind.ApMask, SysfsLayout.ApMask), (BusMaskKind.AqMask, SysfsLayout.AqMask) })
            {
                if (parsed.ValueOf(kind) is not string value) continue;
                k.Write(path, "0x0");
                TryWrite(k, path, value);
            }
        }

        private static void Hardware(SimulatedKernel k, SimulatedKernel before, HostSnapshot hardware)
        {
            foreach (var c in hardware.Cards)
                k.AddCard(c.Id, c.Type ?? "CEX" + (c.Generation ?? 8) + "C", c.Config ?? true, c.Checkstop ?? false);
            k.SetHostConfig(before.HostConfig);
            foreach (var c in hardware.Cards)
                foreach (var d in before.HostConfig.Domains)
                {
                    var q = new Apqn(c.Id, new DomainId(d));
                    if (hardware.FindQueue(q) is null && k.QueueExists(q)) k.SetQueueExists(q, false);
                }
        }

        private static void UdevRule(SimulatedKernel k, BootFiles files)
        {
            var rule = files.ReadUdevRule();
            if (rule is null) return;
            foreach (var a in rule.Assignments.Where(a => a.Assigns))
                TryWrite(k, a.Kind == BusMaskKind.ApMask ? SysfsLayout.ApMask : SysfsLayout.AqMask, a.Value);
        }

        private static void AutoStart(SimulatedKernel k, BootFiles files)
        {
            var (definitions, fatal) = MdevctlAutoStart.ReadDefinitions(files);
            if (fatal is not null) return;
            foreach (var (def, _) in definitions)
            {
                if (!def.IsVfioAp || def.Start != MdevStartMode.Auto) continue;
                ApMatrix asRead;
                try { asRead = def.ToMatrix(); }
                catch (PersistenceException) { continue; }
                var active = k.Mdevs.Select(u => (u, k.MatrixOf(u))).ToList();
                if (ApCheckCallout.RefuseStart(asRead, active, k.ApMask, k.AqMask) is not null) continue;
                if (!TryWrite(k, SysfsLayout.MdevCreate, SysfsLayout.FormatUuid(def.Uuid))) continue;
                foreach (var attr in def.Attributes)
                {
                    if (TryWrite(k, SysfsLayout.MdevAttribute(def.Uuid, attr.Name), attr.Value)) continue;
                    TryWrite(k, SysfsLayout.MdevAttribute(def.Uuid, "remove"), "1");
                    break;
                }
            }
        }

        private static void Domains(SimulatedKernel k, SimulatedKernel before)
        {
            var present = new HashSet<Guid>(k.Mdevs);
            foreach (var d in before.HostFiles.Domains.Where(d => d.Persistent))
            {
                bool starts = d.Autostart && d.Mdevs.Count > 0 && d.Mdevs.All(present.Contains);
                k.HostFiles.Add(new SimulatedDomain(d.Name, starts ? "running" : "shutoff", d.Autostart, d.Mdevs));
                if (!starts) continue;
                foreach (var m in d.Mdevs)
                {
                    try { k.StartGuest(m, d.Name); }
                    catch (InvalidOperationException) { }
                }
            }
        }

        private static bool TryWrite(SimulatedKernel k, string path, string value)
        {
            try
            {
                k.Write(path, value + "\n");
                return true;
            }
            catch (SysfsException)
            {
                return false;
            }
        }
    }
}
