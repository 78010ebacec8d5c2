using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>
/// The impact the module computes before a change (a snapshot copied into the simulated kernel, the writes replayed
/// there) equals what the kernel then does: on random hosts (cards, configuration, masks, unbound and missing queues,
/// deconfigured cards, mdevs, running guests) and random writes (bind, unbind, card config and online, queue online
/// and reset, scans, assign/unassign, masks, remove), each guest's APCB before and after is the host kernel's shadow
/// APCB before and after the same writes, gains and losses are their difference, and the unusable APQNs are those of
/// the new APCB whose card or queue reads config 0 or chkstop 1 and did not before. Failed resets are left out: sysfs
/// does not show them, so no snapshot carries them.
/// </summary>
public class GuestImpactPropertyTests
{
    public sealed record Case(int[] Cards, int[] HostAdapters, int[] HostDomains, int[] VfioAdapters, int[] VfioDomains,
                              (int A, int D, int Op)[] QueueOps, (int[] A, int[] D, bool Running)[] Mdevs, (int Kind, int X, int Y)[] Writes)
    {
        public override string ToString()
        {
            static string L(IEnumerable<int> xs) => "[" + string.Join(",", xs) + "]";
            return $"cards {L(Cards)} host {L(HostAdapters)}x{L(HostDomains)} vfio {L(VfioAdapters)}/{L(VfioDomains)} " +
                   $"queues {string.Join(" ", QueueOps.Select(q => $"{q.A:x2}.{q.D:x4}:{q.Op}"))} " +
                   $"mdevs {string.Join(" ", Mdevs.Select(m => L(m.A) + "x" + L(m.D) + (m.Running ? "*" : "")))} " +
                   $"writes {string.Join(" ", Writes.Select(e => $"{e.Kind}({e.X},{e.Y})"))}";
        }
    }

    private static Gen<int[]> Subset(int n) => Gen.Int[0, (1 << n) - 1].Select(bits => Enumerable.Range(0, n).Where(i => ((bits >> i) & 1) == 1).ToArray());

    // The vfio_ap side of the masks is drawn from a larger share, so most hosts have guests with queues to lose.
    internal static readonly Gen<Case> GenCase = Gen.Select(
        Subset(5), Subset(6), Subset(5), Subset(5), Subset(5),
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 4], Gen.Int[0, 5]).Array[0, 5],
        Gen.Select(Subset(5), Subset(5), Gen.Bool).Array[1, 3],
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, 5], Gen.Int[0, 4]).Array[1, 6],
        (c, ha, hd, va, vd, q, m, w) => new Case(c, ha, hd, va, vd, q, m, w));

    private static Guid MdevId(int i) => Guid.Parse($"00000000-0000-4000-8000-{i:x12}");

    internal static SimulatedKernel Build(Case c)
    {
        var k = new SimulatedKernel();
        foreach (var card in c.Cards) k.AddCard(new ApId(card), card % 2 == 0 ? "CEX8C" : "CEX7A");
        // Cards are in the host configuration, and some adapters without a card are too.
        k.SetHostConfig(new HostApConfig(ApMask.Of(c.HostAdapters.Concat(c.Cards)), ApMask.Of(c.HostDomains), ApMask.Of(c.HostDomains)));
        if (c.VfioAdapters.Length > 0) k.Echo(SysfsLayout.ApMask, string.Join(",", c.VfioAdapters.Select(a => "-" + a)));
        if (c.VfioDomains.Length > 0) k.Echo(SysfsLayout.AqMask, string.Join(",", c.VfioDomains.Select(d => "-" + d)));
        foreach (var (x, y, op) in c.QueueOps)
        {
            int a = c.Cards.Length > 0 ? c.Cards[x % c.Cards.Length] : x, d = c.HostDomains.Length > 0 ? c.HostDomains[y % c.HostDomains.Length] : y;
            var apqn = new Apqn(a, d);
            if ((op == 0 || op > 3) && k.DriverOf(apqn) is string driver) k.Echo(SysfsLayout.DriverAttribute(driver, "unbind"), apqn.ToString());
            else if (op == 1) k.SetQueueExists(apqn, false);
            else if (op == 2) k.Echo(SysfsLayout.CardAttribute(new ApId(a), "config"), "0");   // deconfigured, no scan yet
            else if (op == 3) { k.Echo(SysfsLayout.CardAttribute(new ApId(a), "config"), "0"); k.ScanBus(); }
        }
        for (int i = 0; i < c.Mdevs.Length; i++)
        {
            var id = MdevId(i);
            k.Echo(SysfsLayout.MdevCreate, id.ToString());
            foreach (var a in c.Mdevs[i].A) k.Echo(SysfsLayout.MdevAttribute(id, "assign_adapter"), "0x" + a.ToString("x"));
            foreach (var d in c.Mdevs[i].D) k.Echo(SysfsLayout.MdevAttribute(id, "assign_domain"), "0x" + d.ToString("x"));
            if (!c.Mdevs[i].Running) continue;
            // Sysfs shows a running guest only in the status of its mdev's queues; libvirt's status file names it always.
            k.StartGuest(id, "vm" + i);
            k.HostFiles.Add(new SimulatedDomain("vm" + i, "running", false, new[] { id }));
        }
        return k;
    }

    /// <summary>
    /// The case's writes, chosen against a scratch copy of the host as an admin would choose them: kinds 0-3 unbind a
    /// queue from the driver it has, or bind it to the driver the masks give it (or, for kind 3, to the other one,
    /// which the kernel refuses).
    /// </summary>
    private static List<SysfsWrite> Writes(Case c)
    {
        var scratch = Build(c);
        var list = new List<SysfsWrite>();
        foreach (var raw in c.Writes)
        {
            var w = ToWrite(c, raw, scratch);
            list.Add(w);
            scratch.Echo(w.Path, w.Value);
        }
        return list;
    }

    private static SysfsWrite ToWrite(Case c, (int Kind, int X, int Y) raw, SimulatedKernel scratch)
    {
        // Most writes name a card and a domain the host has, so that most of them are taken and the replay goes on.
        var w = (raw.Kind, X: c.Cards.Length > 0 ? c.Cards[raw.X % c.Cards.Length] : raw.X, Y: c.HostDomains.Length > 0 ? c.HostDomains[raw.Y % c.HostDomains.Length] : raw.Y);
        var apqn = new Apqn(w.X, w.Y).ToString();
        var mdev = MdevId(w.Y % c.Mdevs.Length);
        return w.Kind switch
        {
            < 4 => Toggle(scratch, new Apqn(w.X, w.Y), wrongDriver: w.Kind == 3),
            4 => new SysfsWrite(SysfsLayout.CardAttribute(new ApId(w.X), "config"), (w.Y % 2).ToString()),
            5 => new SysfsWrite("bus/ap/scans", "1"),
            6 => new SysfsWrite(SysfsLayout.CardAttribute(new ApId(w.X), "online"), (w.Y % 2).ToString()),
            7 => new SysfsWrite(SysfsLayout.QueueAttribute(new Apqn(w.X, w.Y), "reset"), "1"),
            8 => new SysfsWrite(SysfsLayout.MdevAttribute(mdev, "assign_adapter"), w.X.ToString()),
            9 => new SysfsWrite(SysfsLayout.MdevAttribute(mdev, "unassign_adapter"), w.X.ToString()),
            10 => new SysfsWrite(SysfsLayout.MdevAttribute(MdevId(w.X % c.Mdevs.Length), "assign_domain"), w.Y.ToString()),
            11 => new SysfsWrite(SysfsLayout.MdevAttribute(MdevId(w.X % c.Mdevs.Length), "unassign_domain"), w.Y.ToString()),
            12 => new SysfsWrite(SysfsLayout.ApMask, (w.Y % 2 == 0 ? "+" : "-") + w.X),
            13 => new SysfsWrite(SysfsLayout.AqMask, (w.X % 2 == 0 ? "+" : "-") + w.Y),
            14 => new SysfsWrite(SysfsLayout.QueueAttribute(new Apqn(w.X, w.Y), "online"), (w.X % 2).ToString()),
            _ => new SysfsWrite(SysfsLayout.MdevAttribute(mdev, "remove"), "1"),
        };
    }

    private static SysfsWrite Toggle(SimulatedKernel k, Apqn q, bool wrongDriver)
    {
        if (k.DriverOf(q) is string now && !wrongDriver) return new SysfsWrite(SysfsLayout.DriverAttribute(now, "unbind"), q.ToString());
        bool host = k.ApMask.Contains(q.Adapter) && k.AqMask.Contains(q.Domain);
        return new SysfsWrite(SysfsLayout.DriverAttribute(host != wrongDriver ? "cex4queue" : "vfio_ap", "bind"), q.ToString());
    }

    /// <summary>The APQNs of an APCB the guest cannot use, from the attributes the kernel prints.</summary>
    private static HashSet<Apqn> UnusableByKernel(SimulatedKernel k, ApMatrix apcb)
    {
        var set = new HashSet<Apqn>();
        foreach (var q in apcb.Apqns())
        {
            var card = SysfsLayout.CardDir(q.Adapter);
            var queue = SysfsLayout.QueueDir(q);
            if (k.Lookup(queue) is null) continue;
            if (k.Read(card + "/config") == "0\n" || k.Read(queue + "/config") == "0\n" || k.Read(card + "/chkstop") == "1\n" || k.Read(queue + "/chkstop") == "1\n")
                set.Add(q);
        }
        return set;
    }

    private static Dictionary<Guid, ApMatrix> Shadows(SimulatedKernel k) => k.Mdevs.ToDictionary(m => m, k.ShadowApcbOf);

    /// <summary>Checks one case; returns what it exercised (lost, gained, unusable, refused) for the vacuity guard.</summary>
    private static (bool Lost, bool Gained, bool Unusable, bool Refused) Check(Case c) => Check(c, _ => Writes(c));

    /// <summary>The same check for the writes <paramref name="writesOf"/> chooses from the host's snapshot (a planner's plan).</summary>
    internal static (bool Lost, bool Gained, bool Unusable, bool Refused) Check(Case c, Func<HostSnapshot, IReadOnlyList<SysfsWrite>> writesOf)
    {
        var k = Build(c);
        var writes = writesOf(HostReader.Read(new SimulatedSysfs(k, "h"), SnapshotParts.All));
        var report = GuestImpactCalculator.Compute(HostReader.Read(new SimulatedSysfs(k, "h")), writes);
        var before = Shadows(k);
        var unusableBefore = before.ToDictionary(kv => kv.Key, kv => UnusableByKernel(k, kv.Value));
        (SysfsWrite, Errno)? refused = null;
        foreach (var w in writes)
        {
            var e = k.Echo(w.Path, w.Value);
            if (e != Errno.None) { refused = (w, e); break; }
        }
        var after = Shadows(k);
        if (!Equals(refused?.Item1, report.RefusedWrite) || (refused?.Item2 ?? Errno.None) != report.RefusedErrno)
            throw new Xunit.Sdk.XunitException($"{c}: the kernel refused {refused?.Item1}:{refused?.Item2}, the impact said {report.RefusedWrite}:{report.RefusedErrno}");
        Assert.Equal(before.Keys.Union(after.Keys).OrderBy(u => u.ToString("D")), report.Guests.Select(g => g.Mdev));
        foreach (var g in report.Guests)
        {
            var was = before.TryGetValue(g.Mdev, out var b) ? b : ApMatrix.Empty;
            var now = after.TryGetValue(g.Mdev, out var a) ? a : ApMatrix.Empty;
            var expectUnusable = UnusableByKernel(k, now);
            if (unusableBefore.TryGetValue(g.Mdev, out var ub)) expectUnusable.ExceptWith(ub);
            var ok = g.Before == was && g.After == now
                     && g.Gained.SequenceEqual(now.Apqns().Except(was.Apqns()))
                     && g.Lost.SequenceEqual(was.Apqns().Except(now.Apqns()))
                     && expectUnusable.SetEquals(g.Unusable.Select(u => u.Apqn));
            if (!ok)
                throw new Xunit.Sdk.XunitException($"{c}: mdev {g.Mdev} kernel [{was}] -> [{now}] unusable [{string.Join(",", expectUnusable)}]; impact [{g.Before}] -> [{g.After}] " +
                    $"gained [{string.Join(",", g.Gained)}] lost [{string.Join(",", g.Lost)}] unusable [{string.Join(",", g.Unusable.Select(u => u.Apqn))}]");
        }
        return (report.Guests.Any(g => g.Lost.Count > 0), report.Guests.Any(g => g.Gained.Count > 0), report.Guests.Any(g => g.Unusable.Count > 0), refused != null);
    }

    [Fact]
    public void The_impact_equals_what_the_kernel_then_does_on_a_few_hosts() => GenCase.Sample(c => { Check(c); }, iter: 40);

    [Fact]
    [Trait("Category", "Slow")]
    public void The_impact_equals_what_the_kernel_then_does_to_each_guest()
    {
        int cases = 0, lost = 0, gained = 0, unusable = 0, refused = 0;
        GenCase.Sample(c =>
        {
            var (l, g, u, r) = Check(c);
            cases++;
            if (l) lost++;
            if (g) gained++;
            if (u) unusable++;
            if (r) refused++;
        }, iter: 400, threads: 1);
        // Not vacuous: each kind of outcome occurs in a fair share of the generated changes.
        Assert.True(lost * 20 >= cases && gained * 40 >= cases && unusable * 50 >= cases && refused * 10 >= cases,
            $"of {cases} cases: {lost} lose, {gained} gain, {unusable} make APQNs unusable, {refused} are refused");
    }
}
