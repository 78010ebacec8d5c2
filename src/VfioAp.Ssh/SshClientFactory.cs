using System;
using System.IO;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using VfioAp.Ssh.Agent;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Opens one verified, logged-in SSH.NET client for one set of options: to the host itself, or to a local endpoint
    /// (a jump host's forwarded port) while the host key is still checked under the host's own name and port.
    /// Every failure becomes an <see cref="SshHostException"/> naming <c>display</c>.
    /// </summary>
    internal static class SshClientFactory
    {
        public static SshClient Connect(SshConnectionOptions o, string display, string endpointHost, int endpointPort)
        {
            var user = o.EffectiveUserName;
            var (methods, auth) = SshAuthentication.Build(o, user, display);
            var info = new ConnectionInfo(endpointHost, endpointPort, user, methods.ToArray()) { Timeout = o.ConnectTimeout };
            var verifier = new HostKeyVerifier(o.EffectiveKnownHostsFiles, o.HostName, o.Port, o.AcceptNewHostKey);
            verifier.PreferKnownHostKeyTypes(info);
            var client = new SshClient(info);
            verifier.Attach(client);
            try
            {
                client.Connect();
                client.KeepAliveInterval = o.KeepAliveInterval;
                return client;
            }
            catch (Exception ex) when (verifier.Rejected != null)
            {
                client.Dispose();
                throw verifier.Failure(display, ex);
            }
            catch (Exception ex) when (ex is SshAuthenticationException || ex is SshAgentException || ex.InnerException is SshAgentException)
            {
                client.Dispose();
                var agentError = ex as SshAgentException ?? ex.InnerException as SshAgentException;
                throw new SshHostException(display, SshFailure.AuthenticationFailed,
                    $"Host {display}: the server refused to log in user '{user}' ({(agentError ?? ex).Message}). " + auth.RefusedAdvice(user), ex);
            }
            catch (SocketException ex)
            {
                client.Dispose();
                throw new SshHostException(display, SshFailure.ConnectFailed,
                    $"Cannot connect to {display}: {ex.Message} ({ex.SocketErrorCode}). Is the host name right, is sshd running and listening on port {o.Port}, does a firewall let it through?", ex);
            }
            catch (SshOperationTimeoutException ex)
            {
                client.Dispose();
                throw new SshHostException(display, SshFailure.Timeout,
                    $"Cannot connect to {display}: no answer within {o.ConnectTimeout.TotalSeconds:0.#} s ({ex.Message}). Is the host up and the port ({o.Port}) right? Raise -ConnectTimeout for slow links.", ex);
            }
            catch (SshConnectionException ex)
            {
                client.Dispose();
                throw new SshHostException(display, SshFailure.ConnectFailed,
                    $"Cannot open an SSH session to {display}: {ex.Message}. Check that an SSH server listens on port {o.Port} and that it offers key exchange and host key algorithms this client knows.", ex);
            }
            catch (Exception ex) when (ex is ProxyException || ex is IOException)
            {
                client.Dispose();
                throw new SshHostException(display, SshFailure.ConnectFailed, $"Cannot connect to {display}: {ex.Message}.", ex);
            }
        }
    }
}
