using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace VfioAp.Ssh
{
    /// <summary>
    /// One SSH connection to one host, verified against known_hosts, reused for every remote command of a session and
    /// re-established (and re-verified) when it was lost between commands.
    /// </summary>
    /// <summary>Receives one line of a remote command's stdout, as a segment of a reused buffer.</summary>
    internal delegate void LineHandler(char[] buffer, int start, int length);

    /// <remarks>
    /// Threads. Every blocking call here (connect, login, reading a command's output, waiting for its exit) runs on the
    /// caller's thread, and callers use their own threads for that: New-ApSession's <c>SessionOpener</c> and the
    /// cmdlets' <c>HostFanOut</c> start dedicated threads up to -ThrottleLimit; a single session runs on the pipeline
    /// thread. Never on the thread pool, because SSH.NET 2026 itself needs the pool while we wait: its synchronous
    /// Connect starts <c>Socket.ConnectAsync(SocketAsyncEventArgs)</c> and waits on an event that the completion sets,
    /// and on Linux .NET runs socket completions as thread-pool work items. Its receive loop (key exchange, channel
    /// data, exit status) is a LongRunning task, i.e. a thread of its own; its keepalive is a System.Threading.Timer
    /// whose callback only sends a packet. So the pool only ever runs short callbacks for us, and the tests pass with
    /// it pinned to two worker threads (tests/pester/SshFleet.Tests.ps1).
    /// </remarks>
    internal sealed class SshConnection : IDisposable
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private readonly SshConnectionOptions _options;
        private readonly object _gate = new object();
        private SshClient? _client;
        private bool _disposed;

        public SshConnection(SshConnectionOptions options)
        {
            _options = options;
        }

        public string Host => _options.Display;

        /// <summary>Connects now (if not connected): so a bad host key, login or address is reported by New-ApSession, not by the first cmdlet.</summary>
        public void EnsureConnected()
        {
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(SshSysfs), $"The SSH session to {Host} was closed.");
                if (_client is { IsConnected: true }) return;
                _client?.Dispose();
                _client = null;
                _client = Connect();
            }
        }

        private SshClient Connect()
        {
            var o = _options;
            var user = o.EffectiveUserName;
            var methods = AuthenticationMethods(user);
            var info = new ConnectionInfo(o.HostName, o.Port, user, methods.ToArray()) { Timeout = o.ConnectTimeout };
            var knownHosts = new KnownHosts(o.EffectiveKnownHostsFile);
            PreferKnownHostKeyTypes(info, knownHosts.KnownKeyTypes(o.HostName, o.Port));

            var client = new SshClient(info);
            HostKeyVerdict? rejected = null;
            client.HostKeyReceived += (_, e) =>
            {
                var verdict = knownHosts.Check(o.HostName, o.Port, e.HostKey);
                if (verdict.Status == HostKeyStatus.Known)
                {
                    e.CanTrust = true;
                }
                else if (verdict.Status == HostKeyStatus.Unknown && o.AcceptNewHostKey)
                {
                    knownHosts.Append(o.HostName, o.Port, e.HostKey);
                    e.CanTrust = true;
                }
                else
                {
                    rejected = verdict;
                    e.CanTrust = false;
                }
            };
            try
            {
                client.Connect();
                client.KeepAliveInterval = o.KeepAliveInterval;
                return client;
            }
            catch (Exception ex) when (rejected != null)
            {
                client.Dispose();
                throw HostKeyFailure(rejected, knownHosts.Path, ex);
            }
            catch (SshAuthenticationException ex)
            {
                client.Dispose();
                throw new SshHostException(Host, SshFailure.AuthenticationFailed,
                    $"Host {Host}: the server refused to log in user '{user}' ({ex.Message}). " +
                    (o.Password is null
                        ? $"Check -UserName and -KeyFile: is the public key of {(o.KeyFile ?? "your default key")} in ~{user}/.ssh/authorized_keys on the host?"
                        : "Check -UserName and the password in -Credential, and whether the host allows password logins (PasswordAuthentication)."), ex);
            }
            catch (SocketException ex)
            {
                client.Dispose();
                throw new SshHostException(Host, SshFailure.ConnectFailed,
                    $"Cannot connect to {Host}: {ex.Message} ({ex.SocketErrorCode}). Is the host name right, is sshd running and listening on port {o.Port}, does a firewall let it through?", ex);
            }
            catch (SshOperationTimeoutException ex)
            {
                client.Dispose();
                throw new SshHostException(Host, SshFailure.Timeout,
                    $"Cannot connect to {Host}: no answer within {o.ConnectTimeout.TotalSeconds:0.#} s ({ex.Message}). Is the host up and the port ({o.Port}) right? Raise -ConnectTimeout for slow links.", ex);
            }
            catch (SshConnectionException ex)
            {
                client.Dispose();
                throw new SshHostException(Host, SshFailure.ConnectFailed,
                    $"Cannot open an SSH session to {Host}: {ex.Message}. Check that an SSH server listens on port {o.Port} and that it offers key exchange and host key algorithms this client knows.", ex);
            }
            catch (Exception ex) when (ex is ProxyException || ex is IOException)
            {
                client.Dispose();
                throw new SshHostException(Host, SshFailure.ConnectFailed, $"Cannot connect to {Host}: {ex.Message}.", ex);
            }
        }

        private List<AuthenticationMethod> AuthenticationMethods(string user)
        {
            var o = _options;
            var methods = new List<AuthenticationMethod>();
            var keys = new List<IPrivateKeySource>();
            if (!string.IsNullOrEmpty(o.KeyFile))
            {
                keys.Add(LoadKey(o.KeyFile!, o.KeyPassphrase, required: true)!);
            }
            else if (o.Password is null)
            {
                // As ssh does without -i: the user's default identities that open without a passphrase.
                var home = Path.GetDirectoryName(Path.GetDirectoryName(KnownHosts.DefaultPath()))!;
                foreach (var name in new[] { "id_ed25519", "id_ecdsa", "id_rsa" })
                {
                    var path = Path.Combine(home, ".ssh", name);
                    if (File.Exists(path) && LoadKey(path, o.KeyPassphrase, required: false) is { } k) keys.Add(k);
                }
            }
            if (keys.Count > 0) methods.Add(new PrivateKeyAuthenticationMethod(user, keys.ToArray()));
            if (o.Password != null)
            {
                var password = o.Password.Reveal();
                methods.Add(new PasswordAuthenticationMethod(user, password));
                var kbd = new KeyboardInteractiveAuthenticationMethod(user);
                kbd.AuthenticationPrompt += (_, e) =>
                {
                    foreach (var prompt in e.Prompts) prompt.Response = password;
                };
                methods.Add(kbd);
            }
            if (methods.Count == 0)
                throw new SshHostException(Host, SshFailure.AuthenticationFailed,
                    $"Host {Host}: no way to log in: give -KeyFile (an OpenSSH private key) or -Credential, or create ~/.ssh/id_ed25519.");
            return methods;
        }

        private IPrivateKeySource? LoadKey(string path, SshSecret? passphrase, bool required)
        {
            try
            {
                return passphrase is null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, passphrase.Reveal());
            }
            catch (Exception ex) when (ex is SshPassPhraseNullOrEmptyException || ex is SshException || ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException)
            {
                if (!required) return null;
                string why = ex is SshPassPhraseNullOrEmptyException ? "it is encrypted: give -KeyPassphrase"
                    : !File.Exists(path) ? "the file does not exist"
                    : ex is UnauthorizedAccessException ? "it cannot be read by this user"
                    : passphrase != null ? "wrong passphrase, or not a private key SSH.NET can read (OpenSSH, PEM or PuTTY format)"
                    : "not a private key SSH.NET can read (OpenSSH, PEM or PuTTY format)";
                throw new SshHostException(Host, SshFailure.KeyFileUnusable, $"Host {Host}: cannot use the key file '{path}': {why} ({ex.Message}).", ex);
            }
        }

        /// <summary>
        /// Puts the host key algorithms of already-recorded key types first, as ssh does, so a host with an RSA key on
        /// record is not reported as unknown just because it also has an ED25519 key. Certificate algorithms are dropped:
        /// known_hosts @cert-authority lines are not supported, so a certificate could never be verified.
        /// </summary>
        private static void PreferKnownHostKeyTypes(ConnectionInfo info, IReadOnlyList<string> knownTypes)
        {
            var algorithms = info.HostKeyAlgorithms;
            var all = algorithms.ToList();
            foreach (var kv in all)
                if (kv.Key.Contains("-cert-")) algorithms.Remove(kv.Key);
            if (knownTypes.Count == 0) return;
            var kept = algorithms.ToList();
            static string TypeOf(string algorithm) => algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal) ? "ssh-rsa" : algorithm;
            var preferred = kept.Where(kv => knownTypes.Contains(TypeOf(kv.Key))).ToList();
            if (preferred.Count == 0) return;
            algorithms.Clear();
            foreach (var kv in preferred) algorithms.Add(kv.Key, kv.Value);
            foreach (var kv in kept) if (!preferred.Contains(kv)) algorithms.Add(kv.Key, kv.Value);
        }

        private SshHostException HostKeyFailure(HostKeyVerdict v, string knownHostsPath, Exception inner)
        {
            string type = KnownHosts.DisplayType(v.KeyType);
            string q = "'" + v.HostEntry + "'";
            switch (v.Status)
            {
                case HostKeyStatus.Changed:
                    var old = string.Join(", ", v.RecordedKeys.Select(k => $"{k.Fingerprint} ({knownHostsPath}:{k.Line})"));
                    return new SshHostException(Host, SshFailure.HostKeyChanged,
                        $"REMOTE HOST IDENTIFICATION HAS CHANGED for {v.HostEntry}: it offered the {type} key {v.Fingerprint}, but known_hosts records {old}. " +
                        "Someone could be eavesdropping on you right now (man-in-the-middle attack), or the host key has just been changed. Nothing was sent. " +
                        $"If you have verified the new key on the host's console (ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileWord(v.KeyType)}_key.pub), remove the old entry with: ssh-keygen -R {q} -f '{knownHostsPath}' and connect again with -AcceptNewHostKey.",
                        inner, v);
                case HostKeyStatus.Revoked:
                    return new SshHostException(Host, SshFailure.HostKeyRevoked,
                        $"Host {v.HostEntry} offered the {type} key {v.Fingerprint}, which {knownHostsPath} marks @revoked. Refusing to connect.", inner, v);
                default:
                    var others = v.OtherKnownTypes.Count > 0
                        ? $" (known_hosts has {string.Join(", ", v.OtherKnownTypes.Select(KnownHosts.DisplayType))} keys for it, but the server did not offer them)"
                        : "";
                    return new SshHostException(Host, SshFailure.HostKeyUnknown,
                        $"The authenticity of host {v.HostEntry} can't be established: its {type} key fingerprint is {v.Fingerprint} and it is not in {knownHostsPath}{others}. " +
                        $"Compare the fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileWord(v.KeyType)}_key.pub); if it matches, connect once with -AcceptNewHostKey to record it, or add the host with ssh-keyscan.",
                        inner, v);
            }
        }

        private static string KeyFileWord(string keyType) => keyType switch
        {
            "ssh-ed25519" => "ed25519",
            "ssh-rsa" => "rsa",
            _ when keyType.StartsWith("ecdsa-", StringComparison.Ordinal) => "ecdsa",
            _ => "*",
        };

        /// <summary>
        /// Runs <paramref name="commandText"/> and hands each stdout line to <paramref name="onLine"/> as it arrives.
        /// Returns the exit status (null when the server sent none) and stderr. A timeout or a lost connection throws
        /// <see cref="SshHostException"/> after every line that did arrive was handed over.
        /// </summary>
        public (int? ExitStatus, string Stderr) Run(string commandText, string? stdin, LineHandler onLine, TimeSpan timeout)
        {
            // A connection that died while idle (host rebooted, NAT forgot it) only shows when a channel is opened. Nothing
            // has run on the host at that point, so it is safe to connect again once and open the channel there.
            SshCommand cmd;
            Task exec;
            var cts = new CancellationTokenSource();
            for (int attempt = 0; ; attempt++)
            {
                EnsureConnected();
                try
                {
                    cmd = _client!.CreateCommand(commandText, Utf8);
                }
                catch (Exception ex) when (ex is SshConnectionException || ex is ObjectDisposedException)
                {
                    Drop();
                    if (attempt == 0) continue;
                    cts.Dispose();
                    throw Lost(ex);
                }
                try
                {
                    exec = cmd.ExecuteAsync(cts.Token);
                    break;
                }
                catch (Exception ex) when (ex is SshConnectionException || ex is SshException || ex is ObjectDisposedException || ex is SocketException || ex is InvalidOperationException)
                {
                    cmd.Dispose();
                    Drop();
                    if (attempt == 0) continue;
                    cts.Dispose();
                    throw Lost(ex);
                }
            }
            using (cmd)
            using (cts)
            {
                if (stdin != null)
                {
                    using var input = cmd.CreateInputStream();
                    var bytes = Utf8.GetBytes(stdin);
                    input.Write(bytes, 0, bytes.Length);
                }
                int timedOut = 0;
                // A command that fails (connection lost) must not leave the read below waiting for an EOF that never comes.
                _ = exec.ContinueWith(t => CloseQuietly(cmd.OutputStream), CancellationToken.None,
                    TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                using (var timer = new Timer(_ =>
                {
                    // The remote command outlived its timeout: stop it, and drop the connection so the read below ends.
                    // This callback runs on a pool thread: it only signals. Closing the connection waits for SSH.NET's
                    // receive thread to end, so that happens on a thread of its own (see the class comment).
                    Interlocked.Exchange(ref timedOut, 1);
                    CloseQuietly(cmd.OutputStream);
                    new Thread(() =>
                    {
                        try { cts.Cancel(); } catch (Exception ex) when (ex is AggregateException || ex is ObjectDisposedException) { }
                        Drop();
                    }) { IsBackground = true, Name = "VfioAp SSH timeout" }.Start();
                }, null, WaitSpan(timeout), Timeout.InfiniteTimeSpan))
                {
                    // Read on the caller's thread: a fan-out over many hosts then needs no thread-pool thread per host.
                    try
                    {
                        var reader = new LfLineReader(cmd.OutputStream);
                        while (reader.ReadLine(out var buffer, out int start, out int length)) onLine(buffer, start, length);
                    }
                    catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException)
                    {
                        // The stream broke under us (timeout, lost connection): the caller reports what did arrive.
                    }
                }
                bool ranToEnd = WaitQuietly(exec, TimeSpan.FromSeconds(30)) && exec.Status == TaskStatus.RanToCompletion;
                if (!ranToEnd && (Volatile.Read(ref timedOut) == 1 || exec.IsCanceled))
                {
                    Drop();
                    throw new SshHostException(Host, SshFailure.Timeout,
                        $"Host {Host}: the remote command did not finish within {timeout.TotalSeconds:0.#} s and was stopped; the connection was closed (it is reopened on next use). " +
                        "A hung sysfs attribute or an overloaded host can cause this; raise the command timeout if the host is just large and slow.");
                }
                if (!ranToEnd)
                {
                    Drop();
                    throw Lost(exec.IsFaulted ? exec.Exception!.GetBaseException() : new TimeoutException("the server did not close the command's channel after its output ended"));
                }
                string stderr = "";
                try
                {
                    using var er = new StreamReader(cmd.ExtendedOutputStream, Utf8, false, 4096, leaveOpen: true);
                    stderr = er.ReadToEnd();
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is IOException) { }
                int? status = cmd.ExitStatus;
                return (status, stderr);
            }
        }

        private static TimeSpan WaitSpan(TimeSpan t) => t <= TimeSpan.Zero || t.TotalMilliseconds > int.MaxValue ? Timeout.InfiniteTimeSpan : t;

        private static bool WaitQuietly(Task t, TimeSpan span)
        {
            try { return t.Wait(span); }
            catch (AggregateException) { return true; }
        }

        private static void CloseQuietly(Stream stream)
        {
            try { stream.Dispose(); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is InvalidOperationException) { }
        }

        private SshHostException Lost(Exception ex) =>
            new SshHostException(Host, SshFailure.ConnectionLost,
                $"Host {Host}: the SSH connection was lost ({ex.Message}). It is reopened on next use.", ex);

        private void Drop()
        {
            lock (_gate)
            {
                _client?.Dispose();
                _client = null;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _client?.Dispose();
                _client = null;
            }
        }
    }
}
