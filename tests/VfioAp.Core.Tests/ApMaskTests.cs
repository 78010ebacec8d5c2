using VfioAp.Core.Model;

namespace VfioAp.Core.Tests;

public class ApMaskTests
{
    [Fact]
    public void Bit_zero_is_the_leftmost_bit_of_the_kernel_text()
    {
        var m = ApMask.Of(0);
        Assert.Equal("0x8000000000000000000000000000000000000000000000000000000000000000", m.ToKernelString());
        Assert.Equal("0x0000000000000000000000000000000000000000000000000000000000000001", ApMask.Of(255).ToKernelString());
    }
}
