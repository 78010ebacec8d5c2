using System.Collections.Generic;
using VfioAp.Core.Boot;
using VfioAp.Core.Model;
using Xunit;

namespace VfioAp.Core.Tests;

/// <summary>The kernel command line as the kernel splits it, the next boot's as zipl chooses it, and the masks a boot starts with.</summary>
public class BootCommandLineTests
{
    [Theory]
    [InlineData("root=/dev/dasda1 ap.apmask=0xff quiet", "0xff")]
    [InlineData("ap.apmask=0x0f ap.apmask=-4", "-4")]                        // given twice: the last one wins
    [InlineData("a=\"x y\" ap.apmask=\"+4-7,-5\" b", "+4-7,-5")]             // quotes around a value
    [InlineData("\"ap.apmask=+1\"", "+1")]                                    // quotes around the whole argument
    [InlineData("ap-apmask=0x1 ap.apmask=0x2", "0x2")]
    [InlineData("quiet -- ap.apmask=0xff", null)]                             // after -- everything goes to init
    [InlineData("apmask=0xff", null)]
    public void Ap_mask_parameter_is_found_as_the_kernel_finds_it(string cmdline, string? expected)
    {
        Assert.Equal(expected, KernelCommandLine.Parse(cmdline).ValueOf(BusMaskKind.ApMask));
    }

    [Fact]
    public void Without_a_parameter_or_rule_both_masks_are_the_kernel_default()
    {
        var m = BootMasks.Resolve(new BootFiles(currentCommandLine: "root=/dev/dasda1\n"));
        Assert.Equal((ApMask.Full, ApMask.Full, BusMaskSource.KernelDefault, BusMaskSource.KernelDefault), (m.ApMask, m.AqMask, m.ApMaskSource, m.AqMaskSource));
        Assert.Equal("proc/cmdline", m.CommandLineSource);
    }

    [Fact]
    public void A_command_line_mask_starts_at_zero_so_relative_terms_apply_to_nothing_given()
    {
        var m = BootMasks.Resolve(new BootFiles(currentCommandLine: "ap.apmask=+0-3,-2 ap.aqmask=-4"));
        Assert.Equal(ApMask.Of(0, 1, 3), m.ApMask);
        Assert.Equal(ApMask.Empty, m.AqMask);
        Assert.Equal(BusMaskSource.KernelCommandLine, m.AqMaskSource);
    }

    [Fact]
    public void A_value_the_kernel_cannot_parse_leaves_the_mask_empty_and_says_so()
    {
        var m = BootMasks.Resolve(new BootFiles(currentCommandLine: "ap.apmask=0xzz"));
        Assert.Equal(ApMask.Empty, m.ApMask);
        Assert.Contains(m.Notes, n => n.Contains("ap.apmask=0xzz"));
    }

    [Fact]
    public void The_udev_rule_is_written_on_top_of_the_command_line()
    {
        var rule = UdevMaskRule.Text(ApMask.Full.Without(6), null)!;
        var m = BootMasks.Resolve(new BootFiles(new BootFile(UdevMaskRule.FilePath, rule), "ap.apmask=0x0f ap.aqmask=0xf0"));
        Assert.Equal((ApMask.Full.Without(6), BusMaskSource.UdevRule), (m.ApMask, m.ApMaskSource));
        Assert.Equal((ApMask.Of(0, 1, 2, 3), BusMaskSource.KernelCommandLine), (m.AqMask, m.AqMaskSource));
    }

    [Fact]
    public void The_next_boot_uses_the_highest_version_bls_entry_over_proc_cmdline()
    {
        var bls = new[]
        {
            new BootFile("boot/loader/entries/abc-5.14.0-70.el9.s390x.conf", "title Old\nversion 5.14.0-70\noptions root=/dev/dasda1 ap.apmask=0x1\n"),
            new BootFile("boot/loader/entries/abc-5.14.0-162.el9.s390x.conf", "# newest\ntitle New\noptions root=/dev/dasda1 ap.apmask=0x2\nlinux /vmlinuz\n"),
        };
        var files = new BootFiles(currentCommandLine: "ap.apmask=0x3", blsEntries: bls);
        var (cmdline, source, _) = files.NextCommandLine();
        Assert.Equal("root=/dev/dasda1 ap.apmask=0x2", cmdline);
        Assert.Equal("boot/loader/entries/abc-5.14.0-162.el9.s390x.conf", source);
    }

    [Fact]
    public void Zipl_conf_default_section_names_the_entry()
    {
        var conf = "[defaultboot]\ndefault=rescue\ntarget=/boot\n\n[linux]\nimage=/boot/image\nparameters=\"root=/dev/dasda1\"\n\n[rescue]\n  image = /boot/rescue\n  parameters = \"root=/dev/dasdb1 ap.aqmask=0x8\"\n";
        var z = ZiplConfiguration.Resolve(conf, new List<KeyValuePair<string, string>>());
        Assert.Equal(("root=/dev/dasdb1 ap.aqmask=0x8", "rescue", "etc/zipl.conf"), (z.CommandLine, z.Section, z.Source));
    }

    [Fact]
    public void Versions_compare_by_number()
    {
        Assert.True(VersionComparer.Instance.Compare("a-5.14.0-162.conf", "a-5.14.0-70.conf") > 0);
        Assert.True(VersionComparer.Instance.Compare("a-6.1.conf", "a-5.14.conf") > 0);
    }
}
