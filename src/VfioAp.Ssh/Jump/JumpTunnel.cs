using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace VfioAp.Ssh.Jump
{
    /// <summary>
    /// The way to one target through its jump hosts: each hop is an SSH connection made through the previous hop,
    /// verified against known_hosts under the hop's own name and port and logged into like any host. The last hop
    /// forwards a port on 127.0.0.1 to the target (SSH.NET 2026 has no public hook to run a connection over a
    /// direct-tcpip channel, so the channel is reached through a local listener); the target's key is still checked
    /// under the target's own name and port, never under 127.0.0.1. Like ssh -L, that listener is open to other local
    /// users while the session lasts; they reach only the target's sshd, which still wants its own login. Hop
    /// connections are shared: every session
    /// through the same chain uses one connection per hop, counted, and closed when the last session lets go.
    /// </summary>
    internal sealed class JumpTunnel : IDisposable
    {
        private readonly List<HopLease> _leases;
        private readonly ForwardedPortLocal _port;
        private readonly string _lastHop;
        private string? _channelError;

        private readonly HopLease _last;

        private JumpTunnel(List<HopLease> leases, ForwardedPortLocal port, string lastHop, HopLease last)
        {
            _last = last;
            _leases = leases;
            _port = port;
            _lastHop = lastHop;
            _port.Exception += (_, e) => _channelError = e.Exception.Message;
        }

        public string LocalHost => "127.0.0.1";
        public int LocalPort => (int)_port.BoundPort;
        /// <summary>The hop that connects to the target, for messages.</summary>
        public string LastHop => _lastHop;
        /// <summary>Why the last hop could not open the channel to the target (as SSH.NET reported it), if it said.</summary>
        public string? ChannelError => _channelError;

        /// <summary>Connects (or reuses) every hop and forwards a local port to <paramref name="targetHost"/>:<paramref name="targetPort"/> through the last.</summary>
        public static JumpTunnel Open(IReadOnlyList<SshConnectionOptions> hops, string targetHost, int targetPort, string targetDisplay)
        {
            var leases = new List<HopLease>();
            try
            {
                for (int i = 0; i < hops.Count; i++)
                    leases.Add(HopPool.Acquire(hops, i, i == 0 ? null : leases[i - 1], targetDisplay));
                var last = leases[leases.Count - 1];
                var port = last.Forward(targetHost, targetPort, e => Failed(last.Display, i: hops.Count - 1, hops.Count, targetDisplay,
                    $"could not forward a local port to {targetHost}:{targetPort} ({e.Message})", null, e));
                return new JumpTunnel(leases, port, last.Display, last);
            }
            catch
            {
                for (int i = leases.Count - 1; i >= 0; i--) leases[i].Dispose();
                throw;
            }
        }

        internal static SshHostException Failed(string hop, int i, int count, string target, string what, HostKeyVerdict? key, Exception? inner) =>
            new SshHostException(target, SshFailure.JumpFailed,
                $"Jump host {hop} (hop {(i + 1).ToString(CultureInfo.InvariantCulture)} of {count.ToString(CultureInfo.InvariantCulture)} to {target}): {what}",
                inner, key)
            { JumpHost = hop };

        public void Dispose()
        {
            lock (_last.Entry.ConnectGate)
            {
                try { _port.Stop(); } catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException) { }
                try { _last.Entry.Client?.RemoveForwardedPort(_port); } catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException) { }
            }
            _port.Dispose();
            for (int i = _leases.Count - 1; i >= 0; i--) _leases[i].Dispose();
        }
    }

    /// <summary>A counted use of one shared hop connection.</summary>
    internal sealed class HopLease : IDisposable
    {
        private readonly HopPool.Entry _entry;
        private int _disposed;

        internal HopLease(HopPool.Entry entry)
        {
            _entry = entry;
        }

        internal HopPool.Entry Entry => _entry;
        public SshClient Client => _entry.Client!;
        public string Display => _entry.Display;

        /// <summary>
        /// Forwards a new 127.0.0.1 port through this hop to host:port (as ssh -L does). Sessions opened in parallel share the
        /// hop's client and SSH.NET's list of forwarded ports is not thread-safe, so it is changed under the hop's gate. A
        /// failure disposes the port and throws what <paramref name="failed"/> makes of it (naming the hop).
        /// </summary>
        public ForwardedPortLocal Forward(string host, int port, Func<Exception, SshHostException> failed)
        {
            var forward = new ForwardedPortLocal("127.0.0.1", 0, host, (uint)port);
            try
            {
                lock (_entry.ConnectGate)
                {
                    Client.AddForwardedPort(forward);
                    forward.Start();
                }
                return forward;
            }
            catch (Exception e) when (e is SshException || e is System.Net.Sockets.SocketException || e is InvalidOperationException)
            {
                forward.Dispose();
                throw failed(e);
            }
        }

        public void Dispose()
        {
            if (System.Threading.Interlocked.Exchange(ref _disposed, 1) == 0) HopPool.Release(_entry);
        }
    }

    /// <summary>The shared hop connections of this process, keyed by the whole chain up to the hop (user@host:port of each) and the known_hosts files.</summary>
    internal static class HopPool
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal);

        internal sealed class Entry
        {
            public string Key = "";
            public string Display = "";
            public SshClient? Client;
            public ForwardedPortLocal? Upstream;
            public HopLease? UpstreamLease;
            public int Refs;
            public readonly object ConnectGate = new object();
        }

        /// <summary>Number of hop connections open now (tests check that sessions share them).</summary>
        public static int OpenConnections
        {
            get { lock (Gate) return Entries.Values.Count(e => e.Client is { IsConnected: true }); }
        }

        public static HopLease Acquire(IReadOnlyList<SshConnectionOptions> hops, int index, HopLease? previous, string target)
        {
            var o = hops[index];
            var key = string.Join(" > ", hops.Take(index + 1).Select(h => h.EffectiveUserName + "@" + h.HostName + ":" + h.Port.ToString(CultureInfo.InvariantCulture)))
                      + " | " + string.Join(" ", o.EffectiveKnownHostsFiles);
            Entry entry;
            lock (Gate)
            {
                if (!Entries.TryGetValue(key, out entry!))
                {
                    entry = new Entry { Key = key, Display = o.Display };
                    Entries.Add(key, entry);
                }
                entry.Refs++;
            }
            try
            {
                lock (entry.ConnectGate)
                {
                    if (entry.Client is not { IsConnected: true }) Connect(entry, o, index, hops.Count, previous, target);
                }
                return new HopLease(entry);
            }
            catch
            {
                Release(entry);
                throw;
            }
        }

        private static void Connect(Entry entry, SshConnectionOptions o, int index, int count, HopLease? previous, string target)
        {
            CloseConnection(entry);
            string host = o.HostName;
            int port = o.Port;
            if (previous != null)
            {
                // Lock order is always this hop (held by the caller), then the one before it (taken in Forward): no two
                // threads take them the other way round.
                var forward = previous.Forward(o.HostName, o.Port, e =>
                    JumpTunnel.Failed(previous.Display, index - 1, count, target, $"could not forward a local port to the next hop {o.Display} ({e.Message})", null, e));
                entry.Upstream = forward;
                // The previous hop must outlive this one: hold a count on it of our own.
                entry.UpstreamLease = HopPoolAddRef(previous);
                host = "127.0.0.1";
                port = (int)forward.BoundPort;
            }
            try
            {
                entry.Client = SshClientFactory.Connect(o, o.Display, host, port);
            }
            catch (SshHostException e)
            {
                CloseConnection(entry);
                throw JumpTunnel.Failed(o.Display, index, count, target, e.Message, e.HostKey, e);
            }
        }

        private static HopLease HopPoolAddRef(HopLease lease)
        {
            lock (Gate) lease.Entry.Refs++;
            return new HopLease(lease.Entry);
        }

        internal static void Release(Entry entry)
        {
            lock (Gate)
            {
                if (--entry.Refs > 0) return;
                Entries.Remove(entry.Key);
            }
            lock (entry.ConnectGate) CloseConnection(entry);
        }

        private static void CloseConnection(Entry entry)
        {
            entry.Client?.Dispose();
            entry.Client = null;
            if (entry.Upstream != null)
            {
                try { entry.Upstream.Stop(); } catch (Exception e) when (e is SshException || e is ObjectDisposedException || e is InvalidOperationException) { }
                entry.Upstream.Dispose();
                entry.Upstream = null;
            }
            entry.UpstreamLease?.Dispose();
            entry.UpstreamLease = null;
        }
    }
}
