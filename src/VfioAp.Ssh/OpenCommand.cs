using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace VfioAp.Ssh
{
    /// <summary>
    /// A remote command that stays running on its own channel of the session's connection while other commands come
    /// and go beside it (<see cref="SshConnection.Open"/>): its stdin open until <see cref="CloseInput"/>, its stdout
    /// read by its owner.
    /// </summary>
    internal sealed class OpenCommand : IDisposable
    {
        private readonly SshCommand _cmd;
        private readonly Stream _input;
        private readonly CancellationTokenSource _cts;
        private readonly Action _end;
        private int _disposed;

        public OpenCommand(SshCommand cmd, Task exec, Stream input, CancellationTokenSource cts, Action end)
        {
            _cmd = cmd;
            Exec = exec;
            _input = input;
            _cts = cts;
            _end = end;
        }

        public Stream Output => _cmd.OutputStream;
        public Stream Errors => _cmd.ExtendedOutputStream;
        /// <summary>Completes when the channel closes.</summary>
        public Task Exec { get; }

        /// <summary>Writes <paramref name="text"/> to the remote stdin now.</summary>
        public void Tell(string text)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            _input.Write(bytes, 0, bytes.Length);
            _input.Flush();
        }

        /// <summary>Sends EOF on the remote stdin.</summary>
        public void CloseInput()
        {
            try { _input.Dispose(); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException) { }
        }

        /// <summary>Stops the command as a failed one is stopped: cancelled, and the connection closed (reopened on next use).</summary>
        public void End() => _end();

        /// <summary>Closes the command's channel (sshd then closes the remote stdin and stdout).</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            CloseInput();
            try { _cmd.Dispose(); }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException) { }
            _cts.Dispose();
        }
    }
}
