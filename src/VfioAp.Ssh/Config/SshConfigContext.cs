using System;

namespace VfioAp.Ssh.Config
{
    /// <summary>Who is asking and which values the caller gives explicitly (they win, and the tokens %r and %p use them).</summary>
    public sealed class SshConfigContext
    {
        public SshConfigContext(string home, string localUser)
        {
            Home = home;
            LocalUser = localUser;
        }

        /// <summary>The local home directory: ~ and %d; relative Include paths of the user's file are under its .ssh.</summary>
        public string Home { get; }
        /// <summary>%u, and the remote user when neither the caller nor the config gives one.</summary>
        public string LocalUser { get; }
        public string? UserOverride { get; set; }
        public int? PortOverride { get; set; }

        /// <summary>The current user's context: HOME (or the profile folder) and the login name.</summary>
        public static SshConfigContext Current()
        {
            var home = Environment.GetEnvironmentVariable("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return new SshConfigContext(home!, Environment.UserName);
        }
    }
}
