using System;
using System.IO;
using System.Linq;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;

namespace VfioAp.Integration.Tests
{
    /// <summary>The record parsers on outputs a broken or foreign remote shell could produce (the real script is tested over sshd).</summary>
    public sealed class SshParserTests
    {
        private static ReadManyOutputParser Parse(string output) =>
            ReadManyOutputParser.ParseAll(new MemoryStream(Encoding.UTF8.GetBytes(output)));

        [Fact]
        public void Records_become_entries_with_paths_kinds_values_and_errnos()
        {
            var p = Parse("V1\nDbus/ap\nE\nCapmask\n|0x1\nCbindings\n~no newline\nDdevices/ap/card00\nCgone\n!No such device\n" +
                          "L2\ndevices/ap/card00/00.0000/driver\ndevices/ap/card00/00.0001/driver\n../a/cex4queue\n../a/vfio_ap\n" +
                          "Xdevices/ap/card00/00.0002/driver\n!Permission denied\nZ\n");
            Assert.True(p.Started);
            Assert.True(p.Completed);
            var r = new SysfsReadResult(p.Entries);
            Assert.Equal(SysfsQueryKind.Exists, r["bus/ap"]!.Kind);
            Assert.Equal("0x1\n", r["bus/ap/apmask"]!.Value);
            Assert.Equal("no newline", r["bus/ap/bindings"]!.Value);
            Assert.Equal(Errno.ENODEV, r["devices/ap/card00/gone"]!.Error);
            Assert.Equal("../a/vfio_ap", r["devices/ap/card00/00.0001/driver"]!.Value);
            Assert.Equal(Errno.EACCES, r["devices/ap/card00/00.0002/driver"]!.Error);
            Assert.Equal(7, p.Entries.Count);
        }

        [Fact]
        public void Output_cut_short_is_not_complete()
        {
            var p = Parse("V1\nDbus/ap\nCapmask\n|0x1\n");
            Assert.True(p.Started);
            Assert.False(p.Completed);
        }

        [Theory]
        [InlineData("V1\n|content before any file\nZ\n")]
        [InlineData("V1\nQ something unknown\nZ\n")]
        [InlineData("V2\nZ\n")]
        [InlineData("V1\n\nZ\n")]
        [InlineData("V1\nLx\nZ\n")]
        [InlineData("bash: line 1: syntax error\n")]
        public void Output_that_the_script_cannot_have_printed_is_refused(string output)
        {
            var ex = Assert.Throws<FormatException>(() => Parse(output));
            Assert.Contains("POSIX", ex.Message);
        }

        [Theory]
        [InlineData("No such device", Errno.ENODEV)]
        [InlineData("Address already in use", Errno.EADDRINUSE)]
        [InlineData("Address in use", Errno.EADDRINUSE)]                   // musl
        [InlineData("Cannot assign requested address", Errno.EADDRNOTAVAIL)]
        [InlineData("Address not available", Errno.EADDRNOTAVAIL)]         // musl
        [InlineData("Device or resource busy", Errno.EBUSY)]
        [InlineData("Resource busy", Errno.EBUSY)]                         // musl
        [InlineData("Invalid argument", Errno.EINVAL)]
        [InlineData("Numerical result out of range", Errno.ERANGE)]
        [InlineData("Directory nonexistent", Errno.ENOENT)]                // dash's words for a redirection
        [InlineData("Too many users", Errno.EUSERS)]
        public void C_library_texts_map_back_to_errnos(string text, Errno expected)
        {
            Assert.True(StrerrorText.TryParse(text, out var errno));
            Assert.Equal(expected, errno);
        }

        [Fact]
        public void Errnos_without_a_text_keep_their_number()
        {
            Assert.True(StrerrorText.TryParse("Unknown error 524", out var errno));
            Assert.Equal(524, (int)errno);
            Assert.False(StrerrorText.TryParse("something else", out _));
        }

        [Fact]
        public void Plan_output_reports_applied_steps_the_failure_and_the_reads_after()
        {
            var p = new PlanOutputParser();
            foreach (var line in "V1\nS0\nS1\nF2\n!Address already in use\nQ\nDbus/ap\nCapmask\n|0x2\nZ".Split('\n')) p.Feed(line);
            p.Finish();
            Assert.True(p.Completed);
            Assert.Equal(2, p.Applied);
            Assert.Equal(2, p.FailedStep);
            Assert.Equal(Errno.EADDRINUSE, p.Error);
            Assert.Equal("0x2\n", p.After!["bus/ap/apmask"]!.Value);
        }

        [Fact]
        public void Plan_output_with_steps_out_of_order_is_refused()
        {
            var p = new PlanOutputParser();
            p.Feed("V1");
            Assert.Throws<FormatException>(() => p.Feed("S1"));
        }

        [Fact]
        public void Lines_split_at_LF_only_across_buffer_boundaries()
        {
            // Longer than the reader's 64 KiB buffer, with CR and multi-byte characters straddling it.
            var big = new string('x', 70000) + "\r✓";
            var text = "a\r\nb\n" + big + "\nlast";
            var reader = new LfLineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
            var lines = new System.Collections.Generic.List<string>();
            string? l;
            while ((l = reader.ReadLine()) != null) lines.Add(l);
            Assert.Equal(new[] { "a\r", "b", big, "last" }, lines);
        }
    }
}
