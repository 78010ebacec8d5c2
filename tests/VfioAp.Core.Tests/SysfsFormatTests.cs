using System;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

public class SysfsFormatTests
{
    [Fact]
    public void Matrix_prints_one_line_per_apqn_adapters_then_domains_ascending()
    {
        var text = SysfsFormat.FormatMatrix(ApMask.Of(5, 4), ApMask.Of(0x35, 4, 0x22));
        Assert.Equal("04.0004\n04.0022\n04.0035\n05.0004\n05.0022\n05.0035\n", text);
    }

    [Fact]
    public void Matrix_with_one_side_empty_prints_that_side_alone()
    {
        Assert.Equal("05.\n06.\n", SysfsFormat.FormatMatrix(ApMask.Of(5, 6), ApMask.Empty));
        Assert.Equal(".0004\n.0047\n", SysfsFormat.FormatMatrix(ApMask.Empty, ApMask.Of(4, 0x47)));
        Assert.Equal("", SysfsFormat.FormatMatrix(ApMask.Empty, ApMask.Empty));
    }

    [Fact]
    public void Matrix_text_round_trips_for_any_masks()
    {
        Gen.Select(ApMaskTests.GenSparseMask, ApMaskTests.GenSparseMask).Sample((a, d) =>
        {
            var text = SysfsFormat.FormatMatrix(a, d);
            var back = SysfsFormat.ParseMatrix(text);
            Assert.Equal(a, back.Adapters.Mask);
            Assert.Equal(d, back.Domains.Mask);
        });
    }

    [Theory]
    [InlineData("04.0004\n05.0022\n", "cross product")]
    [InlineData("05.0004\n04.0004\n", "order")]
    [InlineData("4.0004\n", "two hex digits")]
    [InlineData("04.004\n", "four hex digits")]
    [InlineData("04.0100\n", "four hex digits")]
    [InlineData("040004\n", "expected")]
    [InlineData("04.00AB\n", "four hex digits")]
    public void Matrix_text_the_kernel_could_not_print_is_refused(string text, string why)
    {
        var ex = Assert.Throws<FormatException>(() => SysfsFormat.ParseMatrix(text, "x/matrix"));
        Assert.Contains(why, ex.Message);
        Assert.StartsWith("x/matrix", ex.Message);
    }

    [Fact]
    public void Control_domains_print_four_hex_digits_per_line()
    {
        Assert.Equal("0004\n00ab\n", SysfsFormat.FormatControlDomains(ApMask.Of(0xab, 4)));
        Assert.Equal(ApMask.Of(4, 0xab), SysfsFormat.ParseControlDomains("0004\n00ab\n"));
        Assert.Throws<FormatException>(() => SysfsFormat.ParseControlDomains("4\n"));
    }

    [Fact]
    public void Ap_config_is_three_masks()
    {
        var m = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4));
        var text = SysfsFormat.FormatApConfig(m);
        Assert.Equal(3, text.Split(',').Length);
        Assert.EndsWith("\n", text);
        Assert.Equal(m, SysfsFormat.ParseApConfig(text));
        Assert.Throws<FormatException>(() => SysfsFormat.ParseApConfig("0x00,0x00\n"));
    }

    [Fact]
    public void Masks_must_be_0x_and_64_digits_or_not_supported()
    {
        Assert.Equal(ApMask.Of(0), SysfsFormat.ParseMask("0x8" + new string('0', 63) + "\n", "apmask"));
        Assert.Null(SysfsFormat.ParseMaskOrUnsupported("not supported\n", "ap_adapter_mask"));
        Assert.Throws<FormatException>(() => SysfsFormat.ParseMask("0x80\n", "apmask"));
        Assert.Equal(SysfsFormat.FormatMask(ApMask.Of(1, 7)), ApMask.Of(1, 7).ToKernelString() + "\n");
    }

    [Fact]
    public void Flags_and_numbers()
    {
        Assert.True(SysfsFormat.ParseFlag("1\n", "online"));
        Assert.False(SysfsFormat.ParseFlag("0\n", "online"));
        Assert.Throws<FormatException>(() => SysfsFormat.ParseFlag("yes\n", "online"));
        Assert.Equal(255, SysfsFormat.ParseInt("255\n", "ap_max_adapter_id"));
    }

    [Theory]
    [InlineData("card05", true, 5)]
    [InlineData("cardff", true, 255)]
    [InlineData("card5", false, 0)]
    [InlineData("cardFF", false, 0)]
    [InlineData("05.0035", false, 0)]
    public void Card_names(string name, bool ok, int id)
    {
        Assert.Equal(ok, SysfsLayout.TryParseCardName(name, out var a) && !name.Contains("F"));
        if (ok) Assert.Equal(id, a.Value);
    }

    [Theory]
    [InlineData("05.0035", true)]
    [InlineData("05.0135", false)]
    [InlineData("5.0035", false)]
    [InlineData("05.00AB", false)]
    [InlineData("card05", false)]
    public void Queue_names(string name, bool ok)
    {
        Assert.Equal(ok, SysfsLayout.TryParseQueueName(name, out var q));
        if (ok) Assert.Equal(name, q.ToString());
    }
}
