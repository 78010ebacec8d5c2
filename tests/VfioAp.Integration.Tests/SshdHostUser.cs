using System;
using System.IO;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// A throw-away non-root login for an <see cref="SshdHost"/>: a system user with a random name and password, allowed
    /// to log in with the host's client key and to run anything through sudo, with its password. Removed on dispose.
    /// </summary>
    public sealed class SshdHostUser : IDisposable
    {
        private readonly string _sudoers;

        public SshdHostUser()
        {
            SshdHost.EnsurePackage("sudo", "/usr/bin/sudo");
            Name = "vfap" + Guid.NewGuid().ToString("N").Substring(0, 8);
            Password = "pw-" + Guid.NewGuid().ToString("N");
            SshdHost.Run("useradd", "--no-create-home", "--shell", "/bin/sh", Name);
            _sudoers = Path.Combine("/etc/sudoers.d", Name);
            try
            {
                RunWithInput("chpasswd", $"{Name}:{Password}\n");
                // sudoers.d files must be 0440 and must not contain a '.' in their name.
                File.WriteAllText(_sudoers, $"{Name} ALL=(ALL:ALL) ALL\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_sudoers, UnixFileMode.UserRead | UnixFileMode.GroupRead);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Name { get; }
        public string Password { get; }

        private static void RunWithInput(string file, string input)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true };
            using var p = System.Diagnostics.Process.Start(psi)!;
            p.StandardInput.Write(input);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {err}");
        }

        public void Dispose()
        {
            try { if (File.Exists(_sudoers)) File.Delete(_sudoers); } catch (IOException) { }
            try { SshdHost.Run("userdel", Name); } catch (InvalidOperationException) { }
        }
    }
}
