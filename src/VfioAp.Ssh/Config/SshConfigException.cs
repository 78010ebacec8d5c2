using System;

namespace VfioAp.Ssh.Config
{
    /// <summary>A line of an ssh_config file this reader cannot accept (ssh refuses the same files).</summary>
    public sealed class SshConfigException : Exception
    {
        public SshConfigException(string file, int line, string message)
            : base(line > 0 ? $"{file}:{line}: {message}" : $"{file}: {message}")
        {
            File = file;
            Line = line;
        }

        public string File { get; }
        public int Line { get; }
        /// <summary>The configuration asks to skip the host-key check (StrictHostKeyChecking no/off), which this module refuses.</summary>
        public bool DisablesHostKeyCheck { get; internal set; }
    }
}
