using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// Writes a computed sysfs tree to disk as real directories, files and symlinks (relative targets, as sysfs has
    /// them), so that <see cref="LocalSysfs"/> and <c>-SysfsRoot</c> can be tested against a simulated host.
    /// Files carry the text a read returns and sysfs's permission bits; write-only attributes are empty, mode 0200.
    /// </summary>
    public static class SysfsTreeExporter
    {
        public static void Export(ISysfsTree tree, string directory)
        {
            if (tree is null) throw new ArgumentNullException(nameof(tree));
            if (string.IsNullOrEmpty(directory)) throw new ArgumentException("Give the directory to export into.", nameof(directory));
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                throw new PlatformNotSupportedException("Exporting a sysfs tree needs POSIX symlinks and permission bits (Linux or macOS).");
            if (Directory.Exists(directory) && Directory.GetFileSystemEntries(directory).Length > 0)
                throw new IOException($"Cannot export the sysfs tree into '{directory}': the directory is not empty.");
            Directory.CreateDirectory(directory);
            // One consistent state: hold the simulated kernel's lock for the whole walk.
            if (tree is SimulatedKernel kernel)
                lock (kernel.Gate) ExportDirectory(tree, "", directory);
            else
                ExportDirectory(tree, "", directory);
        }

        /// <summary>
        /// Writes a whole simulated host under <paramref name="directory"/>, standing for its <c>/</c>: sysfs at
        /// <c>sys</c>, libvirt's domain files at <c>etc/libvirt/qemu</c> (with <c>autostart/</c>) and <c>run/libvirt/qemu</c>,
        /// the kernel log at <c>var/log/kern.log</c>; what <c>New-ApSession -HostRoot</c> reads, locally or over SSH.
        /// With <paramref name="withSysfs"/> false only the files outside sysfs are written (for a FUSE mount at <c>sys</c>).
        /// </summary>
        public static void ExportHostRoot(SimulatedKernel kernel, string directory, bool withSysfs = true)
        {
            if (kernel is null) throw new ArgumentNullException(nameof(kernel));
            Directory.CreateDirectory(directory);
            if (withSysfs) Export(kernel, Path.Combine(directory, "sys"));
            else Directory.CreateDirectory(Path.Combine(directory, "sys"));
            WriteHostFiles(kernel.HostFiles, directory);
        }

        /// <summary>The files outside sysfs, as libvirt writes them (definitions and status 0600, autostart links to the definition's absolute path).</summary>
        public static void WriteHostFiles(SimulatedHostFiles files, string directory)
        {
            foreach (var dir in new[] { LibvirtDomainFiles.DefinitionDir, LibvirtDomainFiles.AutostartDir, LibvirtDomainFiles.StatusDir, "var/log" })
                Directory.CreateDirectory(Path.Combine(directory, dir));
            foreach (var kv in files.Files())
            {
                var full = Path.Combine(directory, kv.Key);
                // The persistent files (udev rule, mdevctl definitions, proc/cmdline) live in directories of their own.
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, kv.Value, new UTF8Encoding(false));
                Posix.Chmod(full, kv.Key.StartsWith("var/", StringComparison.Ordinal) ? 0x1a4 : 0x180);
            }
            foreach (var kv in files.Links())
                Posix.Symlink(kv.Value, Path.Combine(directory, kv.Key));
        }

        private static void ExportDirectory(ISysfsTree tree, string relative, string full)
        {
            var names = tree.List(relative) ?? throw new IOException($"'{relative}' is not a directory of the tree.");
            foreach (var name in names)
            {
                var childRel = relative.Length == 0 ? name : relative + "/" + name;
                var childFull = Path.Combine(full, name);
                var node = tree.Lookup(childRel);
                if (node is null) continue;
                switch (node.Kind)
                {
                    case SysfsNodeKind.Directory:
                        Directory.CreateDirectory(childFull);
                        Posix.Chmod(childFull, node.Mode);
                        ExportDirectory(tree, childRel, childFull);
                        break;
                    case SysfsNodeKind.Symlink:
                        Posix.Symlink(node.LinkTarget!, childFull);
                        break;
                    default:
                        string content = "";
                        if ((node.Mode & 0x124) != 0)
                        {
                            try { content = tree.Read(childRel); }
                            catch (SysfsException) { content = ""; }
                        }
                        File.WriteAllText(childFull, content, new UTF8Encoding(false));
                        Posix.Chmod(childFull, node.Mode);
                        break;
                }
            }
        }

        private static class Posix
        {
            public static void Symlink(string target, string link)
            {
                if (symlink(Z(target), Z(link)) != 0)
                    throw new IOException($"symlink('{target}', '{link}') failed: errno {Marshal.GetLastWin32Error()}.");
            }

            public static void Chmod(string path, int mode)
            {
                if (chmod(Z(path), (uint)mode) != 0)
                    throw new IOException($"chmod('{path}', {Convert.ToString(mode, 8)}) failed: errno {Marshal.GetLastWin32Error()}.");
            }

            private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

            [DllImport("libc", SetLastError = true)] private static extern int symlink(byte[] target, byte[] linkpath);
            [DllImport("libc", SetLastError = true)] private static extern int chmod(byte[] path, uint mode);
        }
    }
}
