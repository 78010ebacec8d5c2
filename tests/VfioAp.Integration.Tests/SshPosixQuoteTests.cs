using System;
using System.Diagnostics;
using System.IO;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>PosixQuote against real shells: the quoted word must come back as exactly the original string.</summary>
    public sealed class SshPosixQuoteTests
    {
        public static readonly TheoryData<string> Hostile = new TheoryData<string>
        {
            "",
            "plain",
            "'",
            "''",
            "a'b",
            "'; touch /tmp/vfioap-pwned; '",
            "$(touch /tmp/vfioap-pwned)",
            "`touch /tmp/vfioap-pwned`",
            "${HOME} $HOME $0 $$ $? $@ $*",
            "\"double\" \\\"escaped\\\" \\",
            "line1\nline2\n",
            "\n",
            "trailing\n\n",
            "; | & && || > < >> << ( ) { } !",
            "* ? [a-z] ~ ~root",
            "-n",
            "-e \\c",
            "%s %d %%",
            "tab\there\rcr",
            "ünïcödé ✓ 𝄞 日本",
            "\u0001\u001b[31mred\u007f",
        };


        [Theory]
        [MemberData(nameof(Hostile))]
        public void A_quoted_word_is_taken_literally_by_dash_bash_and_busybox(string value)
        {
            foreach (var shell in new[] { "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/busybox" })
            {
                if (!File.Exists(shell)) SshdHost.EnsurePackage(Path.GetFileName(shell), shell);
                var script = "printf '%s' " + PosixQuote.Quote(value);
                var output = RunShell(shell, script);
                Assert.Equal(value, output);
            }
            Assert.False(File.Exists("/tmp/vfioap-pwned"));
        }

        [Fact]
        public void NUL_is_refused_because_no_argument_can_carry_it()
        {
            var ex = Assert.Throws<ArgumentException>(() => PosixQuote.Quote("a\0b"));
            Assert.Contains("NUL", ex.Message);
        }

        [Theory]
        [InlineData("devices/ap/card*/*.*", "'devices/ap/card'*'/'*'.'*")]
        [InlineData("*", "*")]
        [InlineData("bus/ap/apmask", "'bus/ap/apmask'")]
        public void GlobWord_leaves_only_the_stars_bare(string pattern, string expected)
        {
            Assert.Equal(expected, PosixQuote.GlobWord(pattern));
        }

        [Fact]
        public void GlobWord_expands_like_the_pattern_and_nothing_else()
        {
            var dir = Directory.CreateTempSubdirectory("vfioap-glob-").FullName;
            try
            {
                foreach (var n in new[] { "card00", "card01", "cardx", "other", ".card02" }) Directory.CreateDirectory(Path.Combine(dir, n));
                var output = RunShell("/bin/sh", $"cd {PosixQuote.Quote(dir)} && for f in {PosixQuote.GlobWord("card*")}; do printf '%s\\n' \"$f\"; done");
                Assert.Equal("card00\ncard01\ncardx\n", output);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static string RunShell(string shell, string script)
        {
            var psi = new ProcessStartInfo(shell) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (shell.EndsWith("busybox", StringComparison.Ordinal)) psi.ArgumentList.Add("sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(script);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"{shell} failed: {err}");
            return output;
        }
    }
}
