using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Renci.SshNet.Common;

namespace VfioAp.Ssh
{
    /// <summary>
    /// Reads a running command's stdout within its bounds on the caller's thread and hands each line on; what the host
    /// sent that breaks a bound or that the line's consumer cannot parse comes back as the fault, never as whatever
    /// exception type the parser happened to throw.
    /// </summary>
    internal static class RemoteOutputReader
    {
        /// <summary>
        /// Reads until the output ends, the watchdog stops the command, or a fault; returns the fault (null otherwise).
        /// An exception of the consumer that is not about the output (a cancelled lock wait) goes on up.
        /// </summary>
        public static RemoteOutputException? Read(Stream stdout, LineHandler onLine, RemoteOutputLimits limits, CommandWatchdog watch, RemoteOutputMeter? meter)
        {
            var reader = new LfLineReader(stdout, limits.MaxLineBytes, limits.MaxTotalBytes);
            try
            {
                // Read on the caller's thread: a fan-out over many hosts then needs no thread-pool thread per host.
                while (reader.ReadLine(out var buffer, out int start, out int length))
                {
                    Count(reader, watch, meter);
                    onLine(buffer, start, length);
                    if (watch.Check()) break;
                }
                Count(reader, watch, meter);
                return null;
            }
            catch (RemoteOutputException ex)
            {
                Count(reader, watch, meter);
                return ex;
            }
            catch (Exception ex) when (IsParseFault(ex))
            {
                Count(reader, watch, meter);
                return new RemoteOutputException(ex is FormatException ? "a record of the module's protocol" : "output the parser can take",
                    ex is FormatException ? ex.Message : ex.GetType().Name + ": " + ex.Message, reader.BytesRead);
            }
            catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException)
            {
                // The stream broke under us (the watchdog stopped the command, or the connection was lost): the caller
                // reports what did arrive.
                Count(reader, watch, meter);
                return null;
            }
        }

        /// <summary>What a parser throws on text it cannot take (the fault campaign found no other kind).</summary>
        private static bool IsParseFault(Exception ex) =>
            ex is FormatException || ex is ArgumentException || ex is IndexOutOfRangeException || ex is OverflowException
            || ex is KeyNotFoundException || ex is NullReferenceException;

        private static void Count(LfLineReader reader, CommandWatchdog watch, RemoteOutputMeter? meter)
        {
            watch.Consumed(reader.BytesRead);
            if (meter != null) meter.Bytes = reader.BytesRead;
        }

        /// <summary>The first <paramref name="keep"/> bytes of stderr; the rest is read and dropped.</summary>
        public static string ReadStderr(Stream stderr, int keep)
        {
            var kept = new MemoryStream();
            var buffer = new byte[8192];
            try
            {
                int n;
                while ((n = stderr.Read(buffer, 0, buffer.Length)) > 0)
                    if (kept.Length < keep) kept.Write(buffer, 0, (int)Math.Min(n, keep - kept.Length));
            }
            catch (Exception ex) when (ex is ObjectDisposedException || ex is IOException) { }
            return new UTF8Encoding(false).GetString(kept.GetBuffer(), 0, (int)kept.Length);
        }
    }
}
