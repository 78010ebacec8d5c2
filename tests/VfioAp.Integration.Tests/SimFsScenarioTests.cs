using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The VfioAp.SimFs executable serving simulated hosts, used the way an admin uses /sys: cat, ls, find, echo from a real
    /// shell. Expected text and errnos come from a second, in-process <see cref="SimulatedKernel"/> loaded from the same
    /// scenario and given the same writes, so the tests check that the mount passes the kernel's behaviour through unchanged.
    /// </summary>
    [Trait("Category", "Fuse")]
    public sealed class SimFsScenarioTests
    {
        private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(60); // liveness, not speed: a loaded CI machine can be slow to schedule the unmount

        /// <summary>
        /// Two adapters and two domains all given to vfio_ap; mdev A holds 05.0004, B holds 06.0004, C holds 05.0047.
        /// Assigning adapter 6 to A collides with B (EADDRINUSE); assigning it to C is valid.
        /// </summary>
        private const string SharingScenario = @"{
  ""name"": ""simfs-sharing"",
  ""cards"": [ { ""id"": ""0x05"", ""type"": ""CEX8C"" }, { ""id"": ""0x06"", ""type"": ""CEX8A"" } ],
  ""hostConfig"": { ""adapters"": [""0x05"", ""0x06""], ""domains"": [""0x04"", ""0x47""], ""controlDomains"": [""0x04""] },
  ""apmask"": ""-5,-6"",
  ""aqmask"": ""-4,-0x47"",
  ""mdevs"": [
    { ""uuid"": ""aaaaaaaa-0000-4000-8000-000000000001"", ""adapters"": [""0x05""], ""domains"": [""0x04""] },
    { ""uuid"": ""bbbbbbbb-0000-4000-8000-000000000002"", ""adapters"": [""0x06""], ""domains"": [""0x04""] },
    { ""uuid"": ""cccccccc-0000-4000-8000-000000000003"", ""adapters"": [""0x05""], ""domains"": [""0x47""] }
  ]
}";

        private const string MdevA = "devices/vfio_ap/matrix/aaaaaaaa-0000-4000-8000-000000000001";
        private const string MdevC = "devices/vfio_ap/matrix/cccccccc-0000-4000-8000-000000000003";

        [SimFsTheory]
        [InlineData("seed")]
        [InlineData("kernel-doc")]
        [InlineData("over-provisioned")]
        public void Every_readable_attribute_reads_as_the_kernel_prints_it(string scenario)
        {
            var kernel = ScenarioLibrary.Load(scenario);
            using var mount = SimFsMount.Start(scenario);

            var r = SimFsShell.Run("cd \"$1\" && find . -type f -perm -0400 | LC_ALL=C sort | while read -r f; do printf '== %s\\n' \"$f\"; cat \"$f\"; done", mount.Root);

            var expected = new StringBuilder();
            foreach (var (path, node) in Walk(kernel).Where(e => e.Node.Kind == SysfsNodeKind.File && (e.Node.Mode & 0x100) != 0).OrderBy(e => "./" + e.Path, StringComparer.Ordinal))
                expected.Append("== ./").Append(path).Append('\n').Append(kernel.Read(path));
            Assert.True(r.ExitCode == 0 && r.StandardError.Length == 0, r.ToString());
            Assert.Equal(expected.ToString(), r.StandardOutput);
        }

        [SimFsFact]
        public void Cat_of_matrix_guest_matrix_and_masks_gives_the_kernels_text()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var mdev = SysfsLayout.MdevDir(Assert.Single(kernel.Mdevs));
            using var mount = SimFsMount.Start("seed");

            foreach (var path in new[] { mdev + "/matrix", mdev + "/guest_matrix", mdev + "/control_domains", SysfsLayout.ApMask, SysfsLayout.AqMask })
            {
                var r = SimFsShell.Run("cat \"$1/$2\"", mount.Root, path);
                Assert.True(r.ExitCode == 0, path + ": " + r);
                Assert.Equal(kernel.Read(path), r.StandardOutput);
            }
            // The seed host of about_VfioAp_Apcb: WORKED EXAMPLES, so an empty tree on both sides could not pass: APID 05 is
            // filtered out.
            Assert.Equal("04.0004\n04.0022\n04.0035\n", SimFsShell.Run("cat \"$1/$2\"", mount.Root, mdev + "/guest_matrix").StandardOutput);
        }

        [SimFsTheory]
        [InlineData("seed")]
        [InlineData("kernel-doc")]
        [InlineData("over-provisioned")]
        public void Find_lists_every_entry_with_its_type_mode_and_link_target(string scenario)
        {
            var kernel = ScenarioLibrary.Load(scenario);
            using var mount = SimFsMount.Start(scenario);

            var r = SimFsShell.Run("cd \"$1\" && find . -mindepth 1 -printf '%y %m %p -> %l\\n' | LC_ALL=C sort", mount.Root);

            var expected = Walk(kernel)
                .Select(e => $"{TypeLetter(e.Node)} {Convert.ToString(e.Node.Kind == SysfsNodeKind.Symlink ? 0x1ff : e.Node.Mode & 0x1ff, 8)} ./{e.Path} -> {e.Node.LinkTarget}")
                .OrderBy(l => l, StringComparer.Ordinal);
            Assert.True(r.ExitCode == 0 && r.StandardError.Length == 0, r.ToString());
            Assert.Equal(string.Join("\n", expected) + "\n", r.StandardOutput);
        }

        [SimFsFact]
        public void Ls_of_an_mdev_directory_shows_its_attributes()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var mdev = SysfsLayout.MdevDir(Assert.Single(kernel.Mdevs));
            using var mount = SimFsMount.Start("seed");

            var r = SimFsShell.Run("LC_ALL=C ls -1 \"$1/$2\"", mount.Root, mdev);

            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal(string.Concat(kernel.List(mdev)!.OrderBy(n => n, StringComparer.Ordinal).Select(n => n + "\n")), r.StandardOutput);
            Assert.Contains("assign_adapter\n", r.StandardOutput);
        }

        [SimFsFact]
        public void Assigning_an_adapter_above_the_maximum_fails_with_ENODEV_and_changes_nothing()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var mdev = SysfsLayout.MdevDir(Assert.Single(kernel.Mdevs));
            var refusal = Assert.Throws<SysfsException>(() => kernel.Write(mdev + "/assign_adapter", "0x100\n"));
            using var mount = SimFsMount.Start("seed");

            // Debian's /bin/sh is dash, whose builtin echo reports every write error as "I/O error"; coreutils' echo and
            // bash's builtin print strerror, as an admin sees it.
            var sh = SimFsShell.Run("/bin/echo 0x100 > \"$1/$2/assign_adapter\"", mount.Root, mdev);
            var bash = SimFsShell.RunWith("/bin/bash", "echo 0x100 > \"$1/$2/assign_adapter\"", mount.Root, mdev);
            var matrix = SimFsShell.Run("cat \"$1/$2/matrix\"", mount.Root, mdev);

            Assert.Equal(Errno.ENODEV, refusal.Error);
            Assert.NotEqual(0, sh.ExitCode);
            Assert.Contains("/bin/echo: write error: No such device", sh.StandardError);
            Assert.NotEqual(0, bash.ExitCode);
            Assert.Contains("echo: write error: No such device", bash.StandardError);
            Assert.Equal(kernel.Read(mdev + "/matrix"), matrix.StandardOutput);
        }

        [SimFsFact]
        public void Assigning_an_APQN_another_mdev_holds_fails_with_EADDRINUSE_and_the_kernel_logs_it()
        {
            var scenario = ScenarioFile(SharingScenario);
            try
            {
                var kernel = ScenarioLibrary.Load(scenario);
                int logged = kernel.KernelLog.Count;
                var refusal = Assert.Throws<SysfsException>(() => kernel.Write(MdevA + "/assign_adapter", "6\n"));
                var dmesg = kernel.KernelLog.Skip(logged).ToList();
                using var mount = SimFsMount.Start(scenario);

                var r = SimFsShell.Run("/bin/echo 6 > \"$1/$2/assign_adapter\"", mount.Root, MdevA);
                var matrix = SimFsShell.Run("cat \"$1/$2/matrix\"", mount.Root, MdevA);

                Assert.Equal(Errno.EADDRINUSE, refusal.Error);
                Assert.NotEqual(0, r.ExitCode);
                Assert.Contains("write error: Address already in use", r.StandardError);
                Assert.Equal(kernel.Read(MdevA + "/matrix"), matrix.StandardOutput);
                Assert.Equal("05.0004\n", matrix.StandardOutput);
                Assert.Contains(dmesg, l => l.Contains("Userspace may not re-assign queue 06.0004", StringComparison.Ordinal));
                foreach (var line in dmesg)
                    Assert.True(mount.WaitForStandardError("kernel: " + line + "\n", TimeSpan.FromSeconds(5)),
                        $"SimFs did not echo the kernel's log line '{line}'; its stderr:\n{mount.StandardError}");
            }
            finally { File.Delete(scenario); }
        }

        [SimFsFact]
        public void A_valid_assign_changes_the_matrix_at_once()
        {
            var scenario = ScenarioFile(SharingScenario);
            try
            {
                var kernel = ScenarioLibrary.Load(scenario);
                var before = kernel.Read(MdevC + "/matrix");
                kernel.Write(MdevC + "/assign_adapter", "6\n");
                using var mount = SimFsMount.Start(scenario);

                var r = SimFsShell.Run("cat \"$1/$2/matrix\" && echo 6 > \"$1/$2/assign_adapter\" && echo -- && cat \"$1/$2/matrix\"", mount.Root, MdevC);

                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.Equal(before + "--\n" + kernel.Read(MdevC + "/matrix"), r.StandardOutput);
                Assert.Equal("05.0047\n--\n05.0047\n06.0047\n", r.StandardOutput);
            }
            finally { File.Delete(scenario); }
        }

        [SimFsFact]
        public void Creating_and_removing_an_mdev_shows_at_once_in_the_tree()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var links = 2 + kernel.List(SysfsLayout.Matrix)!.Count(n => kernel.Lookup(SysfsLayout.Matrix + "/" + n)!.Kind == SysfsNodeKind.Directory);
            using var mount = SimFsMount.Start("seed");
            const string uuid = "0d9c5a3e-6b1f-4a55-9a59-3f4c1c2b7e10";

            var r = SimFsShell.Run(
                "m=\"$1/devices/vfio_ap/matrix\"; test -e \"$m/$2\" && exit 7; stat -c %h \"$m\"; " +
                "echo $2 > \"$m/mdev_supported_types/vfio_ap-passthrough/create\" || exit 8; " +
                "test -d \"$m/$2\" || exit 9; test -L \"$1/bus/mdev/devices/$2\" || exit 10; stat -c %h \"$m\"; cat \"$m/$2/matrix\" | wc -l; " +
                "echo 1 > \"$m/$2/remove\" || exit 11; test -e \"$m/$2\" && exit 12; stat -c %h \"$m\"; echo gone",
                mount.Root, uuid);

            Assert.True(r.ExitCode == 0, r.ToString());
            // The matrix directory's link count follows its subdirectories, as kernfs keeps it.
            Assert.Equal($"{links}\n{links + 1}\n0\n{links}\ngone\n", r.StandardOutput);
        }

        [SimFsFact]
        public void Allow_other_lets_another_user_read_and_without_it_only_the_mounting_user_can()
        {
            using var shared = SimFsMount.Start("seed", allowOther: true);
            using var private_ = SimFsMount.Start("seed");

            const string asNobody = "runuser -u nobody -- cat \"$1/bus/ap/apmask\"";
            var other = SimFsShell.Run(asNobody, shared.Root);
            var refused = SimFsShell.Run(asNobody, private_.Root);
            var write = SimFsShell.Run("runuser -u nobody -- /bin/sh -c 'echo -5 > \"$1/bus/ap/apmask\"' sh \"$1\"", shared.Root);

            Assert.True(other.ExitCode == 0, other.ToString());
            Assert.Equal(ScenarioLibrary.Load("seed").Read(SysfsLayout.ApMask), other.StandardOutput);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Permission denied", refused.StandardError);
            // Attributes are root's, 0644 at most: another user may read but not write, as on /sys.
            Assert.NotEqual(0, write.ExitCode);
            Assert.Contains("Permission denied", write.StandardError);
        }

        [SimFsFact]
        public void Reading_a_write_only_attribute_is_permission_denied()
        {
            var kernel = ScenarioLibrary.Load("seed");
            var mdev = SysfsLayout.MdevDir(Assert.Single(kernel.Mdevs));
            using var mount = SimFsMount.Start("seed");

            foreach (var path in new[] { mdev + "/assign_adapter", mdev + "/remove", SysfsLayout.MdevCreate, SysfsLayout.DriverAttribute(SysfsLayout.VfioApDriver, "bind") })
            {
                Assert.Equal(0, kernel.Lookup(path)!.Mode & 0x124); // write-only in the kernel too
                var r = SimFsShell.Run("cat \"$1/$2\"", mount.Root, path);
                Assert.NotEqual(0, r.ExitCode);
                Assert.Equal($"cat: {mount.Root}/{path}: Permission denied\n", r.StandardError);
            }
        }

        [SimFsFact]
        public void Dispose_unmounts_cleanly_and_leaves_the_mountpoint_empty()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-dispose-").FullName;
            try
            {
                var mount = SimFsMount.Start("seed", dir);
                Assert.Equal($"mounted seed at {dir}", mount.ReadyLine);
                Assert.True(SimFsMount.IsMountPoint(dir));
                Assert.NotEmpty(Directory.EnumerateFileSystemEntries(dir));

                mount.Dispose();

                Assert.Equal(0, mount.ExitCode);
                Assert.False(SimFsMount.IsMountPoint(dir));
                Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsTheory]
        [InlineData("TERM")]
        [InlineData("INT")]
        [InlineData("HUP")]
        public void A_signal_unmounts_and_exits_with_success(string signal)
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-signal-").FullName;
            try
            {
                using var mount = SimFsMount.Start("seed", dir);

                var kill = SimFsShell.Run("kill -s \"$1\" \"$2\"", signal, mount.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

                Assert.True(kill.ExitCode == 0, kill.ToString());
                Assert.True(mount.WaitForExit(ExitWait), $"SimFs did not exit after SIG{signal}; stderr:\n{mount.StandardError}");
                Assert.Equal(0, mount.ExitCode);
                Assert.False(SimFsMount.IsMountPoint(dir));
                Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsFact]
        public void With_until_stdin_closes_the_mount_goes_when_its_starter_does()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-stdin-").FullName;
            try
            {
                // The starter (sleep) holds SimFs's stdin; when it ends, SimFs unmounts and exits by itself.
                var r = SimFsShell.Run(
                    "{ sleep 3; } | \"$1\" \"$2\" --scenario seed \"$3\" --until-stdin-closes; echo \"exit $?\"; grep -c \" $3 \" /proc/self/mountinfo",
                    SimFsMount.DotnetHost, SimFsMount.ExecutablePath, dir);

                Assert.Equal($"mounted seed at {dir}\nexit 0\n0\n", r.StandardOutput);
                Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsFact]
        public void A_signal_while_a_shell_sits_in_the_tree_detaches_at_once_and_exits_when_it_leaves()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-busy-").FullName;
            try
            {
                using var mount = SimFsMount.Start("seed", dir);
                var pid = mount.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

                // The shell keeps its working directory inside the mount while SimFs is told to stop.
                var r = SimFsShell.Run(
                    "cd \"$1/bus/ap\" && kill -s TERM \"$2\" && sleep 1 && grep -q \" $1 \" /proc/self/mountinfo && exit 7; cat apmask >/dev/null; echo still-served",
                    dir, pid);

                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.Equal("still-served\n", r.StandardOutput);
                Assert.True(mount.WaitForExit(ExitWait), $"SimFs did not exit once the shell left; stderr:\n{mount.StandardError}");
                Assert.Equal(0, mount.ExitCode);
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsFact]
        public void The_legacy_kernel_has_no_ap_config_and_no_guest_matrix()
        {
            var mdev = SysfsLayout.MdevDir(Assert.Single(ScenarioLibrary.Load("seed").Mdevs));
            var file = ScenarioFile(SharingScenario);
            try
            {
                using var current = SimFsMount.Start("seed");
                using var legacy = SimFsMount.Start("seed", legacyKernel: true);
                using var legacyFile = SimFsMount.Start(file, legacyKernel: true);

                const string probe = "for a in ap_config guest_matrix matrix; do test -e \"$1/$2/$a\" && echo \"$a\"; done; true";
                Assert.Equal("ap_config\nguest_matrix\nmatrix\n", SimFsShell.Run(probe, current.Root, mdev).StandardOutput);
                Assert.Equal("matrix\n", SimFsShell.Run(probe, legacy.Root, mdev).StandardOutput);
                Assert.Equal("matrix\n", SimFsShell.Run(probe, legacyFile.Root, MdevA).StandardOutput);
                Assert.Equal("mounted simfs-sharing at " + legacyFile.Root, legacyFile.ReadyLine);
            }
            finally { File.Delete(file); }
        }

        [SimFsFact]
        public void An_unknown_scenario_is_refused_with_the_list_of_built_in_ones()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-unknown-").FullName;
            try
            {
                var r = SimFsMount.RunToExit("--scenario", "no-such-scenario", dir);

                Assert.Equal(1, r.ExitCode);
                Assert.Contains("no-such-scenario", r.StandardError);
                foreach (var name in ScenarioLibrary.BuiltInNames) Assert.Contains(name, r.StandardError);
                Assert.False(SimFsMount.IsMountPoint(dir));
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsFact]
        public void A_missing_mountpoint_is_refused_with_what_to_do()
        {
            var dir = Path.Combine(Path.GetTempPath(), "vfioap-simfs-missing-" + Guid.NewGuid().ToString("N"));

            var r = SimFsMount.RunToExit("--scenario", "seed", dir);

            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"VfioAp.SimFs: Mountpoint {dir} does not exist: create it first (mkdir -p {dir}).\n", r.StandardError);
        }

        [SimFsFact]
        public void Without_dev_fuse_it_says_so_and_what_to_do()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-nofuse-").FullName;
            var hostDev = Directory.CreateTempSubdirectory("vfioap-simfs-hostdev-").FullName;
            try
            {
                // A private mount namespace whose /dev lacks the fuse device; the rest of the machine is untouched.
                const string hideFuse =
                    "set -e; mount --bind /dev \"$1\"; mount -t tmpfs -o mode=755 none /dev; " +
                    "for d in null zero urandom random full; do touch /dev/$d; mount --bind \"$1/$d\" /dev/$d; done; " +
                    "ln -s /proc/self/fd /dev/fd; mkdir /dev/shm; mount -t tmpfs none /dev/shm; test ! -e /dev/fuse; " +
                    "shift; set +e; \"$@\"; echo \"exit $?\"";
                var r = SimFsShell.Run("exec unshare --mount --propagation private /bin/sh -c \"$1\" sh \"$2\" \"$3\" \"$4\" --scenario seed \"$5\"",
                    hideFuse, hostDev, SimFsMount.DotnetHost, SimFsMount.ExecutablePath, dir);

                Assert.Equal("exit 1\n", r.StandardOutput);
                Assert.Equal("VfioAp.SimFs: cannot mount: /dev/fuse does not exist: load the fuse kernel module (modprobe fuse) or, " +
                    "in a container, pass the device (--device /dev/fuse) and CAP_SYS_ADMIN.\n", r.StandardError);
            }
            finally
            {
                Directory.Delete(dir);
                Directory.Delete(hostDev);
            }
        }

        [SimFsFact]
        public void A_mount_left_by_a_killed_SimFs_is_named_with_the_command_that_clears_it()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-simfs-stale-").FullName;
            try
            {
                using (var killed = SimFsMount.Start("seed", dir))
                {
                    SimFsShell.Run("kill -s KILL \"$1\"", killed.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Assert.True(killed.WaitForExit(ExitWait));
                    Assert.True(SimFsMount.IsMountPoint(dir)); // dead: "Transport endpoint is not connected"

                    var again = SimFsMount.RunToExit("--scenario", "seed", dir);

                    Assert.Equal(1, again.ExitCode);
                    Assert.Equal($"VfioAp.SimFs: Mountpoint {dir} cannot be examined (Transport endpoint is not connected : '{dir}'); " +
                        $"if a previous VfioAp.SimFs died there, run 'fusermount3 -u {dir}' and try again.\n", again.StandardError);
                }
                // The fixture's dispose detached the dead mount.
                Assert.False(SimFsMount.IsMountPoint(dir));
            }
            finally { Directory.Delete(dir); }
        }

        [SimFsFact]
        public void Help_and_usage_mistakes()
        {
            var help = SimFsMount.RunToExit("--help");
            var noScenario = SimFsMount.RunToExit("/tmp");
            var badKernel = SimFsMount.RunToExit("--scenario", "seed", "/tmp", "--kernel", "ancient");

            Assert.Equal(0, help.ExitCode);
            Assert.StartsWith("Usage: VfioAp.SimFs --scenario <name|file.json> <mountpoint>", help.StandardOutput);
            Assert.Contains("Built-in scenarios: " + string.Join(", ", ScenarioLibrary.BuiltInNames), help.StandardOutput);
            Assert.Equal(2, noScenario.ExitCode);
            Assert.StartsWith("VfioAp.SimFs: --scenario <name|file> is required.\nUsage:", noScenario.StandardError);
            Assert.Equal(2, badKernel.ExitCode);
            Assert.StartsWith("VfioAp.SimFs: --kernel 'ancient' is not known: use 'current' or 'legacy'.", badKernel.StandardError);
        }

        private static string ScenarioFile(string json)
        {
            var path = Path.Combine(Path.GetTempPath(), "vfioap-simfs-scenario-" + Guid.NewGuid().ToString("N") + ".json");
            File.WriteAllText(path, json);
            return path;
        }

        private static char TypeLetter(SysfsNode node) => node.Kind switch
        {
            SysfsNodeKind.Directory => 'd',
            SysfsNodeKind.File => 'f',
            _ => 'l',
        };

        /// <summary>Every entry under the root, depth first, without following symlinks (as find -P does).</summary>
        private static IEnumerable<(string Path, SysfsNode Node)> Walk(ISysfsTree tree, string dir = "")
        {
            foreach (var name in tree.List(dir) ?? Array.Empty<string>())
            {
                var path = dir.Length == 0 ? name : dir + "/" + name;
                var node = tree.Lookup(path);
                if (node is null) continue;
                yield return (path, node);
                if (node.Kind == SysfsNodeKind.Directory)
                    foreach (var child in Walk(tree, path)) yield return child;
            }
        }
    }
}
