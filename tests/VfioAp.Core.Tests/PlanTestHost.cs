using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>The three kinds of kernel the write side meets.</summary>
public enum KernelKind
{
    /// <summary>Linux 6.10+: ap_config and guest_matrix.</summary>
    Current,
    /// <summary>Linux 6.0–6.9: guest_matrix, no ap_config (assign/unassign plans, shadow APCB visible).</summary>
    GuestMatrixOnly,
    /// <summary>Before 6.0: neither.</summary>
    Legacy,
}

/// <summary>
/// A random simulated host for the write side: cards, the host configuration, apmask/aqmask, unbound queues, other
/// mdevs, the matrix the mdev under test starts with, and a desired matrix. Ids come from small pools that include
/// ids above a 15-id maximum, so ENODEV, EADDRNOTAVAIL and EADDRINUSE all occur.
/// </summary>
public sealed record PlanCase(KernelKind Kernel, bool SmallIds, int[] Cards, int[] NotInConfig, int[] HostDomains, int[] VfioAdapters, int[] VfioDomains,
                              int[] Unbinds, (int[] A, int[] D, int[] C)[] Others, (int[] A, int[] D, int[] C) Start, (int[] A, int[] D, int[] C) Desired)
{
    public static readonly Guid Mdev = Guid.Parse("aaaaaaaa-1111-4222-8333-000000000001");
    public static Guid Other(int i) => Guid.Parse($"bbbbbbbb-1111-4222-8333-{i:x12}");

    /// <summary>Adapter and domain pools: the last ones are above a 15-id maximum.</summary>
    public static readonly int[] AdapterPool = { 0, 1, 4, 5, 6, 9, 0x0b, 0x0f, 0x10, 0x22 };
    public static readonly int[] DomainPool = { 0, 4, 5, 0x0e, 0x0f, 0x10, 0x22, 0x35 };

    public int MaxId => SmallIds ? 15 : 255;

    public override string ToString()
    {
        static string L(IEnumerable<int> xs) => "[" + string.Join(",", xs.Select(x => x.ToString("x"))) + "]";
        static string M((int[] A, int[] D, int[] C) m) => $"{L(m.A)}x{L(m.D)}/{L(m.C)}";
        return $"{Kernel} max {MaxId} cards {L(Cards)} not-in-config {L(NotInConfig)} domains {L(HostDomains)} vfio {L(VfioAdapters)}/{L(VfioDomains)} " +
               $"unbound {L(Unbinds)} others {string.Join(" ", Others.Select(M))} start {M(Start)} desired {M(Desired)}";
    }

    private static Gen<int[]> Subset(int[] pool) =>
        Gen.Int[0, (1 << pool.Length) - 1].Select(bits => Enumerable.Range(0, pool.Length).Where(i => ((bits >> i) & 1) == 1).Select(i => pool[i]).ToArray());

    private static Gen<(int[] A, int[] D, int[] C)> GenMatrix =>
        Gen.Select(Subset(AdapterPool), Subset(DomainPool), Subset(DomainPool), (a, d, c) => (a, d, c));

    public static readonly Gen<PlanCase> Cases = Gen.Select(
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3], (k, s) => ((KernelKind)k, s == 0)),
        Subset(AdapterPool), Subset(AdapterPool), Subset(DomainPool),
        Gen.Select(Subset(AdapterPool), Subset(DomainPool), (a, d) => (a, d)),
        Gen.Int[0, 255].Array[0, 4],
        GenMatrix.Array[0, 2],
        Gen.Select(GenMatrix, GenMatrix, (s, d) => (s, d)),
        (kind, cards, notInConfig, domains, vfio, unbinds, others, sd) =>
            new PlanCase(kind.Item1, kind.Item2, cards, notInConfig, domains, vfio.a, vfio.d, unbinds, others, sd.s, sd.d));

    public KernelFeatures Features => FeaturesOf(Kernel);

    public static KernelFeatures FeaturesOf(KernelKind kind) => kind switch
    {
        KernelKind.Current => KernelFeatures.Current,
        KernelKind.GuestMatrixOnly => new KernelFeatures { ApConfig = false, GuestMatrix = true },
        _ => KernelFeatures.Legacy,
    };

    private static readonly string[] Types = { "CEX8C", "CEX7A", "CEX6P", "CEX5C" };

    /// <summary>The host, built the same way every time: the kernel keeps what it accepts of each matrix.</summary>
    public SimulatedKernel Build()
    {
        var k = new SimulatedKernel(Features, MaxId, MaxId);
        var cards = Cards.Where(c => c <= MaxId).ToArray();
        foreach (var c in cards) k.AddCard(new ApId(c), Types[c % Types.Length]);
        var domains = HostDomains.Where(d => d <= MaxId).ToArray();
        k.SetHostConfig(new HostApConfig(ApMask.Of(cards.Except(NotInConfig)), ApMask.Of(domains), ApMask.Of(domains)));
        if (VfioAdapters.Length > 0) k.Echo(SysfsLayout.ApMask, string.Join(",", VfioAdapters.Select(a => "-0x" + a.ToString("x"))));
        if (VfioDomains.Length > 0) k.Echo(SysfsLayout.AqMask, string.Join(",", VfioDomains.Select(d => "-0x" + d.ToString("x"))));
        foreach (var u in Unbinds)
        {
            // Odd values unbind a queue of the start matrix (so the mdev under test has adapters dropped for it), even ones any queue.
            var apqn = u % 2 == 1 && Start.A.Length > 0 && Start.D.Length > 0
                ? new Apqn(Start.A[(u / 2) % Start.A.Length], Start.D[(u / 2 / Start.A.Length) % Start.D.Length])
                : new Apqn(AdapterPool[(u / 2) % AdapterPool.Length], DomainPool[(u / 2 / AdapterPool.Length) % DomainPool.Length]);
            if (k.DriverOf(apqn) is string driver) k.Echo(SysfsLayout.DriverAttribute(driver, "unbind"), apqn.ToString());
        }
        for (int i = 0; i < Others.Length; i++) AssignAll(k, k.CreateMdev(Other(i).ToString()), Others[i]);
        AssignAll(k, k.CreateMdev(Mdev.ToString()), Start);
        return k;
    }

    private static void AssignAll(SimulatedKernel k, Guid mdev, (int[] A, int[] D, int[] C) m)
    {
        foreach (var a in m.A) k.Echo(SysfsLayout.MdevAttribute(mdev, "assign_adapter"), "0x" + a.ToString("x"));
        foreach (var d in m.D) k.Echo(SysfsLayout.MdevAttribute(mdev, "assign_domain"), "0x" + d.ToString("x"));
        foreach (var c in m.C) k.Echo(SysfsLayout.MdevAttribute(mdev, "assign_control_domain"), "0x" + c.ToString("x"));
    }

    public ApMatrix DesiredMatrix => new(ApMask.Of(Desired.A), ApMask.Of(Desired.D), ApMask.Of(Desired.C));

    /// <summary>
    /// The desired matrix made acceptable on this host: ids above the maximum dropped, then every adapter that would
    /// meet an APQN owned by the default drivers or held by another mdev. Worked out from the kernel's own state,
    /// not from the validator under test.
    /// </summary>
    public ApMatrix ValidDesired(SimulatedKernel k)
    {
        var range = ApMask.Range(0, MaxId);
        var d = ApMask.Of(Desired.D) & range;
        var c = ApMask.Of(Desired.C) & range;
        var a = ApMask.Empty;
        foreach (var apid in ApMask.Of(Desired.A) & range)
        {
            bool clash = false;
            foreach (var apqi in d)
            {
                if (k.ApMask.Contains(apid) && k.AqMask.Contains(apqi)) clash = true;
                foreach (var o in k.Mdevs.Where(o => o != Mdev))
                    if (k.MatrixOf(o).Contains(new Apqn(apid, apqi))) clash = true;
            }
            if (!clash) a = a.With(apid);
        }
        return new ApMatrix(a, d, c);
    }
}

/// <summary>Every file and link of a simulated host, as `find /sys -type f | xargs cat` and `readlink` would show it.</summary>
internal static class KernelText
{
    public static SortedDictionary<string, string> Dump(ISysfsTree tree, bool withGuestMatrix = true)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(tree, "", files, withGuestMatrix);
        return files;
    }

    private static void Walk(ISysfsTree tree, string dir, SortedDictionary<string, string> files, bool withGuestMatrix)
    {
        foreach (var name in tree.List(dir) ?? Array.Empty<string>())
        {
            var path = dir.Length == 0 ? name : dir + "/" + name;
            var node = tree.Lookup(path);
            switch (node?.Kind)
            {
                case SysfsNodeKind.Directory:
                    Walk(tree, path, files, withGuestMatrix);
                    break;
                case SysfsNodeKind.Symlink:
                    files[path] = "-> " + node.LinkTarget;
                    break;
                case SysfsNodeKind.File:
                    if (!withGuestMatrix && name == "guest_matrix") break;
                    try { files[path] = tree.Read(path); }
                    catch (SysfsException ex) { files[path] = "! " + ex.Error; }
                    break;
            }
        }
    }

    /// <summary>Fails with the paths that differ (first few), not two walls of text.</summary>
    public static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual, string context)
    {
        var diff = new StringBuilder();
        int n = 0;
        foreach (var path in expected.Keys.Union(actual.Keys).OrderBy(p => p, StringComparer.Ordinal))
        {
            expected.TryGetValue(path, out var e);
            actual.TryGetValue(path, out var a);
            if (e == a) continue;
            if (n++ < 6) diff.Append($"\n  {path}: expected [{e?.Replace("\n", " ") ?? "(absent)"}] actual [{a?.Replace("\n", " ") ?? "(absent)"}]");
        }
        if (n > 0) throw new Xunit.Sdk.XunitException($"{context}: {n} path(s) differ from the start:{diff}");
    }
}
