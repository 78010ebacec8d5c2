using System.Linq;
using CsCheck;
using VfioAp.Core.Model;

namespace VfioAp.Core.Tests;

public class ApMaskTests
{
    internal static readonly Gen<ApMask> GenMask =
        Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, (a, b, c, d) => new ApMask(a, b, c, d));

    /// <summary>Sparse masks: realistic matrices have a few ids, not half of 256.</summary>
    internal static readonly Gen<ApMask> GenSparseMask =
        Gen.Int[0, 255].Array[0, 12].Select(ids => ApMask.Of(ids));

    [Fact]
    public void Bit_zero_is_the_leftmost_bit_of_the_kernel_text()
    {
        Assert.Equal("0x8000000000000000000000000000000000000000000000000000000000000000", ApMask.Of(0).ToKernelString());
        Assert.Equal("0x0000000000000000000000000000000000000000000000000000000000000001", ApMask.Of(255).ToKernelString());
        Assert.Equal("0x0000000000000000800000000000000000000000000000000000000000000000", ApMask.Of(64).ToKernelString());
    }

    [Theory]
    [InlineData("0x41", new[] { 1, 7 })]          // about_VfioAp_Kernel: WRITE SYNTAX: a short mask is padded with 0 bits on the right
    [InlineData("41", new[] { 1, 7 })]
    [InlineData("x41", new[] { 1, 7 })]           // hex2bitmap skips a lone 'x' too
    [InlineData("0x41\n", new[] { 1, 7 })]
    [InlineData("", new int[0])]
    [InlineData("0x", new int[0])]
    [InlineData("0xf", new[] { 0, 1, 2, 3 })]
    public void Absolute_masks_fill_from_bit_zero(string text, int[] bits)
    {
        Assert.True(ApMask.TryParseAbsolute(text, out var m, out var problem), problem);
        Assert.Equal(bits, m.ToArray());
    }

    [Theory]
    [InlineData("0x4g")]
    [InlineData("0x41 ")]
    [InlineData("0x41\n\n")]
    public void Absolute_masks_reject_what_the_kernel_rejects(string text)
    {
        Assert.False(ApMask.TryParseAbsolute(text, out _, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void More_than_64_hex_digits_is_rejected_with_the_reason()
    {
        Assert.False(ApMask.TryParseAbsolute("0x" + new string('f', 65), out _, out var problem));
        Assert.Contains("more than 64", problem);
        Assert.True(ApMask.TryParseAbsolute("0x" + new string('f', 64), out var full, out _));
        Assert.Equal(ApMask.Full, full);
    }

    [Theory]
    [InlineData("-5,-6", new[] { 5, 6 })]
    [InlineData("-4,-0x47,-0xab,-0xff", new[] { 4, 0x47, 0xab, 0xff })]
    [InlineData("-013", new[] { 11 })]           // octal, as simple_strtoul reads it
    [InlineData("-2-4", new[] { 2, 3, 4 })]
    [InlineData("-2-4\n", new[] { 2, 3, 4 })]
    [InlineData("-0", new[] { 0 })]
    public void Relative_masks_clear_bits_of_the_current_mask(string text, int[] cleared)
    {
        Assert.True(ApMask.TryParseKernel(text, ApMask.Full, out var m, out var problem), problem);
        Assert.Equal(cleared, (~m).ToArray());
    }

    [Fact]
    public void Relative_terms_apply_left_to_right()
    {
        var m = ApMask.ParseKernel("+1-5,-3,+3", ApMask.Empty);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, m.ToArray());
        m = ApMask.ParseKernel("+1-5,+3,-3", ApMask.Empty);
        Assert.Equal(new[] { 1, 2, 4, 5 }, m.ToArray());
    }

    [Theory]
    [InlineData("-256")]
    [InlineData("+5-3")]
    [InlineData("+5-256")]
    [InlineData("-x")]
    [InlineData("-5;-6")]
    [InlineData("-08")]
    [InlineData("+")]
    public void Relative_masks_reject_what_the_kernel_rejects(string text)
    {
        Assert.False(ApMask.TryParseKernel(text, ApMask.Full, out var m, out var problem));
        Assert.NotNull(problem);
        Assert.Equal(ApMask.Full, m);
    }

    [Fact]
    public void Kernel_text_round_trips()
    {
        GenMask.Sample(m =>
        {
            Assert.True(ApMask.TryParseAbsolute(m.ToKernelString(), out var back, out _));
            Assert.Equal(m, back);
        });
    }

    [Fact]
    public void Set_algebra_agrees_with_sets_of_ids()
    {
        Gen.Select(GenMask, GenMask).Sample((a, b) =>
        {
            var sa = a.ToHashSet();
            var sb = b.ToHashSet();
            Assert.Equal(sa.Intersect(sb).OrderBy(x => x), (a & b).ToArray());
            Assert.Equal(sa.Union(sb).OrderBy(x => x), (a | b).ToArray());
            Assert.Equal(sa.Except(sb).OrderBy(x => x), a.Except(b).ToArray());
            Assert.Equal(sa.Count, a.Count);
            Assert.Equal(sa.IsSubsetOf(sb), a.IsSubsetOf(b));
        });
    }

    [Fact]
    public void With_and_without_touch_one_bit()
    {
        Gen.Select(GenMask, Gen.Int[0, 255]).Sample((m, bit) =>
        {
            Assert.True(m.With(bit)[bit]);
            Assert.False(m.Without(bit)[bit]);
            Assert.Equal(m.ToArray().Where(x => x != bit), m.Without(bit).ToArray());
        });
    }

    [Fact]
    public void ToString_names_ranges_in_kernel_syntax()
    {
        Assert.Equal("0x04-0x05,0x22", ApMask.Of(4, 5, 0x22).ToString());
        Assert.Equal("(none)", ApMask.Empty.ToString());
        Assert.Equal("0x00-0xff", ApMask.Full.ToString());
    }
}
