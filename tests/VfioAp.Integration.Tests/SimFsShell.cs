using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace VfioAp.Integration.Tests
{
    /// <summary>What a shell command did: its exit code and both output streams, verbatim.</summary>
    public sealed record ShellResult(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StandardOutput}--- stderr ---\n{StandardError}";
    }

    /// <summary>
    /// Runs a script in a real shell (<c>/bin/sh</c>, Debian's dash, unless told otherwise), with arguments as <c>$1…</c> so
    /// paths are never spliced into the script text.
    /// </summary>
    public static class SimFsShell
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

        public static ShellResult Run(string script, params string[] arguments) => RunWith("/bin/sh", script, arguments);

        public static ShellResult RunWith(string shell, string script, params string[] arguments)
        {
            var start = new ProcessStartInfo(shell)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            start.ArgumentList.Add("sh");
            foreach (var a in arguments) start.ArgumentList.Add(a);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + shell);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{shell} -c '{script}' did not finish within {Timeout.TotalSeconds} s.");
            }
            Task.WaitAll(stdout, stderr);
            return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
