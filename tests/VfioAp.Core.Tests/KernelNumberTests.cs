using System.Linq;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

public class KernelNumberTests
{
    [Theory]
    [InlineData("53", 53UL)]
    [InlineData("0x35", 0x35UL)]
    [InlineData("0X35", 0x35UL)]
    [InlineData("035", 29UL)]      // about_VfioAp_Kernel: WRITE SYNTAX: kstrtoul base 0, a leading 0 is octal
    [InlineData("0", 0UL)]
    [InlineData("+5", 5UL)]
    [InlineData("5\n", 5UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void Reads_numbers_as_kstrtoul_base_0(string text, ulong expected)
    {
        Assert.True(KernelNumber.TryParse(text, out var v, out var e));
        Assert.Equal(Errno.None, e);
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("08", Errno.EINVAL)]
    [InlineData("", Errno.EINVAL)]
    [InlineData(" 5", Errno.EINVAL)]
    [InlineData("5 ", Errno.EINVAL)]
    [InlineData("5,6", Errno.EINVAL)]
    [InlineData("5\n\n", Errno.EINVAL)]
    [InlineData("-5", Errno.EINVAL)]
    [InlineData("0x", Errno.EINVAL)]
    [InlineData("0xg", Errno.EINVAL)]
    [InlineData("18446744073709551616", Errno.ERANGE)]
    [InlineData("0x10000000000000000", Errno.ERANGE)]
    public void Refuses_what_kstrtoul_refuses(string text, Errno expected)
    {
        Assert.False(KernelNumber.TryParse(text, out _, out var e));
        Assert.Equal(expected, e);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("0x05", 5)]
    [InlineData("05", 5)]
    [InlineData("0xff", 255)]
    public void Ids_accept_the_kernel_syntax(string text, int expected)
    {
        Assert.Equal(expected, ApId.Parse(text).Value);
        Assert.Equal(expected, DomainId.Parse(text).Value);
    }

    [Fact]
    public void Ids_above_255_and_garbage_get_clear_messages()
    {
        Assert.False(ApId.TryParse("300", out _, out var p1));
        Assert.Contains("above 255", p1);
        Assert.False(ApId.TryParse("zz", out _, out var p2));
        Assert.Contains("'zz' is not an adapter id", p2);
        Assert.False(DomainId.TryParse("", out _, out var p3));
        Assert.Contains("empty", p3);
    }

    [Fact]
    public void Ids_print_as_sysfs_names_them_and_write_as_hex()
    {
        // People see 0x ids (the number can never be taken for decimal); sysfs names keep the kernel's bare digits.
        Assert.Equal("0x05", new ApId(5).ToString());
        Assert.Equal("0x0035", new DomainId(0x35).ToString());
        Assert.Equal("05", new ApId(5).ToKernelName());
        Assert.Equal("0035", new DomainId(0x35).ToKernelName());
        Assert.Equal("card05", SysfsLayout.CardName(new ApId(5)));
        Assert.Equal("11", $"{new ApId(0x11):x2}");
        Assert.Equal(new[] { "0x11" }, new AdapterMask(ApMask.Of(0x11)).Select(a => a.ToString()));
        Assert.Equal(new[] { "0x0035" }, new DomainMask(ApMask.Of(0x35)).Select(d => d.ToString()));
        Assert.Equal("0x35", new DomainId(0x35).ToKernelArgument());
        Assert.Equal("05.0035", new Apqn(5, 0x35).ToString());
    }

    [Theory]
    [InlineData("05.0035", 5, 0x35)]
    [InlineData("ff.00ff", 255, 255)]
    [InlineData("5.35", 5, 0x35)]
    public void Apqns_parse_as_hex(string text, int a, int d)
    {
        Assert.Equal(new Apqn(a, d), Apqn.Parse(text));
    }

    [Theory]
    [InlineData("05")]
    [InlineData("05.")]
    [InlineData(".0035")]
    [InlineData("05.0100")]
    [InlineData("100.0001")]
    [InlineData("05.0035.1")]
    [InlineData("zz.0001")]
    public void Bad_apqns_are_refused(string text)
    {
        Assert.False(Apqn.TryParse(text, out _, out var problem));
        Assert.NotNull(problem);
    }
}
