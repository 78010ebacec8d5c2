using System.Collections.Generic;
using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// Card and queue maintenance from a real shell on a SimFs mount of the seed host: bind, unbind, a queue's reset,
    /// card config and online, queue online, chkstop and the bus scan trigger. Each write's outcome (bash prints the
    /// strerror of a failed write) and each read in between is compared with an in-process kernel given the same
    /// writes, so the mount shows the kernel's answers errno for errno; the steps are chosen so that every errno the
    /// kernel gives these attributes (ENODEV, EBUSY, EINVAL, EACCES) and the scan's effect occur.
    /// </summary>
    [Trait("Category", "Fuse")]
    public sealed class SimFsMaintenanceTests
    {
        // Runs "w path value" and "r path" steps; prints one line per step.
        private const string Script =
            "root=$1; shift\n" +
            "while [ $# -gt 0 ]; do\n" +
            "  if [ \"$1\" = w ]; then\n" +
            "    err=$( { echo \"$3\" > \"$root/$2\"; } 2>&1 ) && echo ok || echo \"fail ${err##*: }\"; shift 3\n" +
            "  else\n" +
            "    printf 'read %s\\n' \"$(tr '\\n' ' ' < \"$root/$2\")\"; shift 2\n" +
            "  fi\n" +
            "done\n";

        [SimFsFact]
        public void Maintenance_writes_through_the_mount_answer_as_the_kernel_does()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var guest = SysfsLayout.MdevDir(Assert.Single(kernel.Mdevs)) + "/guest_matrix";
            const string q = "devices/ap/card05/05.0022";
            var steps = new List<string[]>
            {
                W("bus/ap/drivers/vfio_ap/bind", "05.0036"), W("bus/ap/drivers/vfio_ap/bind", "card05"),
                W("bus/ap/drivers/vfio_ap/bind", "05.0022"), W("bus/ap/drivers/cex4queue/bind", "05.0035"),
                W("bus/ap/drivers/vfio_ap/bind", "05.0035"), R(guest),
                W("bus/ap/drivers/vfio_ap/unbind", "05.0035"), W("bus/ap/drivers/vfio_ap/unbind", "05.0035"), R(guest),
                W("bus/ap/drivers/vfio_ap/bind", "05.0035"), R(guest),
                W(q + "/reset", "1"), R(q + "/reset"), W(q + "/online", "1"),
                W("devices/ap/card05/config", "2"), W("devices/ap/card05/config", "0"), R("devices/ap/card05/config"),
                R(q + "/config"), W("devices/ap/card05/online", "1"), R("bus/ap/scans"),
                W("bus/ap/scans", "1"), R("bus/ap/scans"), R(q + "/config"), R(guest),
                W("devices/ap/card05/chkstop", "1"), W("devices/ap/card04/online", "0"), R("devices/ap/card04/online"), R(guest),
            };
            var expected = steps.Select(s => Expect(kernel, s)).ToList();
            using var mount = SimFsMount.Start("seed");

            var r = SimFsShell.RunWith("/bin/bash", Script, new[] { mount.Root }.Concat(steps.SelectMany(s => s)).ToArray());

            Assert.True(r.ExitCode == 0, r.ToString());
            var lines = r.StandardOutput.TrimEnd('\n').Split('\n');
            for (int i = 0; i < steps.Count; i++)
                Assert.True(expected[i] == lines.ElementAtOrDefault(i), $"step {i} ({string.Join(" ", steps[i])}): expected '{expected[i]}', the mount gave '{lines.ElementAtOrDefault(i)}'\n{r}");
            // Not both sides empty: the errnos the attributes have and the scan's effect did occur.
            foreach (var e in new[] { Errno.ENODEV, Errno.EBUSY, Errno.EINVAL, Errno.EACCES })
                Assert.Contains("fail " + ErrnoText.Describe(e), expected);
            Assert.Contains("read 0 ", expected);
        }

        private static string[] W(string path, string value) => new[] { "w", path, value };
        private static string[] R(string path) => new[] { "r", path };

        private static string Expect(SimulatedKernel kernel, string[] step)
        {
            if (step[0] == "r") return "read " + kernel.Read(step[1]).Replace('\n', ' ');
            try
            {
                kernel.Write(step[1], step[2] + "\n");
                return "ok";
            }
            catch (SysfsException ex)
            {
                return "fail " + ErrnoText.Describe(ex.Error);
            }
        }
    }
}
