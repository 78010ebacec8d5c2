using System;
using System.Collections.Generic;
using System.Linq;
using VfioAp.Ssh.Jump;

namespace VfioAp.Ssh.Config
{
    /// <summary>What the caller gave explicitly; null (or false) means "not given", so the ssh configuration may fill it.</summary>
    public sealed class SshExplicitSettings
    {
        public int? Port { get; set; }
        public string? UserName { get; set; }
        public string? KeyFile { get; set; }
        public SshSecret? KeyPassphrase { get; set; }
        public SshSecret? Password { get; set; }
        public string? KnownHostsFile { get; set; }
        public bool AcceptNewHostKey { get; set; }
        public TimeSpan? ConnectTimeout { get; set; }
        public TimeSpan? KeepAliveInterval { get; set; }
        /// <summary>-JumpHost: hops as ssh -J takes them; "none" for a direct connection whatever the config says.</summary>
        public string? JumpHost { get; set; }
        /// <summary>The config files in the order ssh reads them; empty for none (ssh -F none).</summary>
        public IReadOnlyList<string> ConfigFiles { get; set; } = Array.Empty<string>();
        /// <summary>SSH_AUTH_SOCK as the caller's environment has it.</summary>
        public string? AgentSocketFromEnvironment { get; set; }
    }

    /// <summary>
    /// Builds the connection options for one host the way ssh would connect to it: the host's ssh_config settings
    /// (HostName, Port, User, IdentityFile, IdentitiesOnly, UserKnownHostsFile, StrictHostKeyChecking, ProxyJump,
    /// ConnectTimeout, ServerAliveInterval, IdentityAgent), with every explicitly given setting winning over them.
    /// Jump hosts are resolved through the same configuration (a hop may be an alias).
    /// </summary>
    public static class SshOptionsBuilder
    {
        public static SshConnectionOptions Build(string typed, SshExplicitSettings given, SshConfigContext context, ICollection<string> warnings)
        {
            var hostContext = new SshConfigContext(context.Home, context.LocalUser) { UserOverride = given.UserName, PortOverride = given.Port };
            var cfg = SshConfigFile.Resolve(typed, hostContext, given.ConfigFiles.ToArray());
            foreach (var w in cfg.Warnings) if (!warnings.Contains(w)) warnings.Add(w);
            var o = FromConfig(typed, cfg, given, given.UserName, given.Port);
            o.KeyFile = given.KeyFile;
            o.KeyPassphrase = given.KeyPassphrase;
            o.Password = given.Password;

            var jump = given.JumpHost ?? cfg.ProxyJump;
            if (!string.IsNullOrWhiteSpace(jump))
            {
                IReadOnlyList<SshJumpHost> hops;
                try
                {
                    hops = SshJumpHost.ParseList(jump!);
                }
                catch (FormatException e)
                {
                    throw new SshConfigException(given.JumpHost != null ? "-JumpHost" : "ProxyJump", 0, e.Message);
                }
                foreach (var hop in hops)
                {
                    var hopContext = new SshConfigContext(context.Home, context.LocalUser) { UserOverride = hop.User, PortOverride = hop.Port };
                    var hopCfg = SshConfigFile.Resolve(hop.Host, hopContext, given.ConfigFiles.ToArray());
                    foreach (var w in hopCfg.Warnings) if (!warnings.Contains(w)) warnings.Add(w);
                    var h = FromConfig(hop.Host, hopCfg, given, hop.User, hop.Port);
                    h.Alias = hop.ToString();
                    // A hop logs in with keys (agent, its IdentityFiles, the default ones, or -KeyFile); the target's
                    // password is never sent to a jump host.
                    h.KeyFile = given.KeyFile;
                    h.KeyPassphrase = given.KeyPassphrase;
                    o.JumpHosts.Add(h);
                }
            }
            return o;
        }

        private static SshConnectionOptions FromConfig(string typed, SshHostConfig cfg, SshExplicitSettings given, string? user, int? port)
        {
            if (cfg.StrictHostKeyChecking is "no" or "off")
                throw new SshConfigException("ssh_config", 0,
                    $"StrictHostKeyChecking {cfg.StrictHostKeyChecking} applies to '{typed}', but this module never connects without checking the host key.")
                { DisablesHostKeyCheck = true };
            var o = new SshConnectionOptions(cfg.EffectiveHostName)
            {
                Port = port ?? cfg.Port ?? 22,
                UserName = user ?? cfg.User,
                KnownHostsFile = given.KnownHostsFile,
                AcceptNewHostKey = given.AcceptNewHostKey || cfg.StrictHostKeyChecking == "accept-new",
                IdentitiesOnly = cfg.IdentitiesOnly ?? false,
                AgentSocket = AgentSocket(cfg.IdentityAgent, given.AgentSocketFromEnvironment),
            };
            if (given.ConnectTimeout is { } ct) o.ConnectTimeout = ct;
            else if (cfg.ConnectTimeout is { } cct && cct > TimeSpan.Zero) o.ConnectTimeout = cct;
            if (given.KeepAliveInterval is { } ka) o.KeepAliveInterval = ka;
            else if (cfg.ServerAliveInterval is { } sa) o.KeepAliveInterval = sa > TimeSpan.Zero ? sa : System.Threading.Timeout.InfiniteTimeSpan;
            foreach (var f in cfg.IdentityFiles) o.IdentityFiles.Add(f);
            if (cfg.UserKnownHostsFiles != null) foreach (var f in cfg.UserKnownHostsFiles) o.KnownHostsFiles.Add(f);
            // The alias the user typed names the host (ComputerName, messages) when the configuration describes it.
            if (cfg.MatchedHostBlock || cfg.HostName != null) o.Alias = typed;
            return o;
        }

        /// <summary>IdentityAgent: none, SSH_AUTH_SOCK, $VARIABLE or a socket path (~ allowed); the environment's SSH_AUTH_SOCK when not set.</summary>
        private static string? AgentSocket(string? identityAgent, string? fromEnvironment)
        {
            if (identityAgent is null || identityAgent == "SSH_AUTH_SOCK") return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
            if (string.Equals(identityAgent, "none", StringComparison.OrdinalIgnoreCase)) return null;
            if (identityAgent.StartsWith("$", StringComparison.Ordinal))
            {
                var v = Environment.GetEnvironmentVariable(identityAgent.Substring(1));
                return string.IsNullOrEmpty(v) ? null : v;
            }
            return identityAgent;
        }
    }
}
