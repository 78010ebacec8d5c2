using System;
using VfioAp.Core.Model;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Small helpers for driving a simulated kernel the way a shell on the host would.</summary>
internal static class Sim
{
    public static readonly Guid SeedMdev = Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    public static readonly Guid Guest1 = Guid.Parse("4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a51");
    public static readonly Guid Guest2 = Guid.Parse("4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a52");
    public static readonly Guid Guest3 = Guid.Parse("4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a53");

    /// <summary><c>echo value &gt; /sys/path</c>: the errno the shell would report, None on success.</summary>
    public static Errno Echo(this SimulatedKernel k, string path, string value)
    {
        try
        {
            k.Write(path, value + "\n");
            return Errno.None;
        }
        catch (SysfsException ex)
        {
            return ex.Error;
        }
    }

    /// <summary><c>cat /sys/path</c>, or the errno.</summary>
    public static (string? Text, Errno Error) Cat(this SimulatedKernel k, string path)
    {
        try
        {
            return (k.Read(path), Errno.None);
        }
        catch (SysfsException ex)
        {
            return (null, ex.Error);
        }
    }

    public static string Mdev(Guid uuid, string attribute) => SysfsLayout.MdevAttribute(uuid, attribute);

    public static string GuestMatrix(this SimulatedKernel k, Guid uuid) => k.Read(Mdev(uuid, "guest_matrix"));
    public static string Matrix(this SimulatedKernel k, Guid uuid) => k.Read(Mdev(uuid, "matrix"));

    /// <summary>
    /// A host with the given cards (all CEX8C) and domains, everything in the host configuration, and the given
    /// adapters and domains given to vfio_ap with relative apmask/aqmask writes.
    /// </summary>
    public static SimulatedKernel Host(int[] cards, int[] domains, int[]? vfioAdapters = null, int[]? vfioDomains = null,
                                       int maxAdapterId = 255, int maxDomainId = 255, KernelFeatures? features = null)
    {
        var k = new SimulatedKernel(features, maxAdapterId, maxDomainId);
        foreach (var c in cards) k.AddCard(new ApId(c), "CEX8C");
        k.SetHostConfig(new HostApConfig(ApMask.Of(cards), ApMask.Of(domains), ApMask.Of(domains)));
        if (vfioAdapters is { Length: > 0 }) Assert.Equal(Errno.None, k.Echo(SysfsLayout.ApMask, Relative(vfioAdapters)));
        if (vfioDomains is { Length: > 0 }) Assert.Equal(Errno.None, k.Echo(SysfsLayout.AqMask, Relative(vfioDomains)));
        return k;
    }

    private static string Relative(int[] ids) => string.Join(",", Array.ConvertAll(ids, i => "-0x" + i.ToString("x")));

    public static Guid CreateMdev(this SimulatedKernel k, string uuid)
    {
        Assert.Equal(Errno.None, k.Echo(SysfsLayout.MdevCreate, uuid));
        return Guid.Parse(uuid);
    }
}
