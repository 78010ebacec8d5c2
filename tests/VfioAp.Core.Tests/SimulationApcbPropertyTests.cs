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
/// The module's prediction (a snapshot read through sysfs, then <see cref="ApcbFilter"/>) equals the simulated
/// kernel's <c>guest_matrix</c> on random hosts, masks, unbinds and mdevs, after each of the events at which the
/// kernel filters (assign, ap_config, bind, configuration additions) or cuts equivalently (unassign_adapter, unbind,
/// an adapter leaving the configuration, mask changes). unassign_domain and a domain leaving the configuration are
/// left out on purpose: there the kernel only cuts, and the prediction may legitimately differ
/// (see SimulationShadowApcbTests.Unassigning_a_domain_only_cuts_it_an_adapter_dropped_for_that_domain_stays_dropped).
/// </summary>
public class SimulationApcbPropertyTests
{
    public sealed record Case(int[] Cards, int[] HostAdapters, int[] HostDomains, int[] VfioAdapters, int[] VfioDomains,
                              (int A, int D, int Op)[] QueueOps, (int[] A, int[] D)[] Mdevs, (int Kind, int X, int Y)[] Events)
    {
        public override string ToString()
        {
            static string L(IEnumerable<int> xs) => "[" + string.Join(",", xs) + "]";
            return $"cards {L(Cards)} host {L(HostAdapters)}x{L(HostDomains)} vfio {L(VfioAdapters)}/{L(VfioDomains)} " +
                   $"queues {string.Join(" ", QueueOps.Select(q => $"{q.A:x2}.{q.D:x4}:{q.Op}"))} " +
                   $"mdevs {string.Join(" ", Mdevs.Select(m => L(m.A) + "x" + L(m.D)))} " +
                   $"events {string.Join(" ", Events.Select(e => $"{e.Kind}({e.X},{e.Y})"))}";
        }
    }

    private static Gen<int[]> Subset(int n) => Gen.Int[0, (1 << n) - 1].Select(bits => Enumerable.Range(0, n).Where(i => ((bits >> i) & 1) == 1).ToArray());

    private static readonly Gen<Case> GenCase = Gen.Select(
        Subset(6), Subset(7), Subset(6), Subset(6), Subset(6),
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 5], Gen.Int[0, 2]).Array[0, 6],
        Gen.Select(Subset(7), Subset(6)).Array[1, 3],
        Gen.Select(Gen.Int[0, 8], Gen.Int[0, 6], Gen.Int[0, 5]).Array[0, 12],
        (c, ha, hd, va, vd, q, m, e) => new Case(c, ha, hd, va, vd, q, m, e));

    private static readonly string[] Types = { "CEX8C", "CEX7A", "CEX6P", "CEX5C" };

    private static Guid MdevId(int i) => Guid.Parse($"00000000-0000-4000-8000-{i:x12}");

    /// <summary>Bindings as sysfs shows them; reset failures, which sysfs does not show, from the kernel.</summary>
    private sealed class PredictionStates : IQueueStates
    {
        private readonly HostSnapshot _snapshot;
        private readonly IQueueStates _kernel;
        public PredictionStates(HostSnapshot snapshot, IQueueStates kernel) { _snapshot = snapshot; _kernel = kernel; }
        public QueueBinding BindingOf(Apqn apqn) => _snapshot.BindingOf(apqn);
        public string? DriverOf(Apqn apqn) => _snapshot.DriverOf(apqn);
        public bool ResetFailed(Apqn apqn) => _kernel.ResetFailed(apqn);

        public ApMask UsableDomains(ApId adapter)
        {
            var usable = _snapshot.UsableDomains(adapter);
            foreach (var d in usable)
                if (_kernel.ResetFailed(new Apqn(adapter, new DomainId(d)))) usable = usable.Without(d);
            return usable;
        }
    }

    private static void AssertPredictionMatchesKernel(SimulatedKernel k, string when)
    {
        var snapshot = HostReader.Read(new SimulatedSysfs(k));
        var states = new PredictionStates(snapshot, k.QueueStates);
        foreach (var m in snapshot.Mdevs)
        {
            var predicted = ApcbFilter.Predict(m.Matrix, snapshot.HostConfig, states).GuestMatrixText;
            if (predicted != m.GuestMatrixText)
                throw new Xunit.Sdk.XunitException($"{when}: mdev {m.Uuid} matrix [{m.Matrix}] predicted [{predicted.Replace("\n", " ")}] but the kernel's guest_matrix is [{m.GuestMatrixText?.Replace("\n", " ")}]");
        }
    }

    private static SimulatedKernel Build(Case c)
    {
        var k = new SimulatedKernel();
        foreach (var card in c.Cards) k.AddCard(new ApId(card), Types[card % Types.Length]);
        k.SetHostConfig(new HostApConfig(ApMask.Of(c.HostAdapters), ApMask.Of(c.HostDomains), ApMask.Of(c.HostDomains)));
        if (c.VfioAdapters.Length > 0) k.Echo(SysfsLayout.ApMask, string.Join(",", c.VfioAdapters.Select(a => "-" + a)));
        if (c.VfioDomains.Length > 0) k.Echo(SysfsLayout.AqMask, string.Join(",", c.VfioDomains.Select(d => "-" + d)));
        foreach (var (a, d, op) in c.QueueOps)
        {
            var apqn = new Apqn(a, d);
            switch (op)
            {
                case 0:
                    if (k.DriverOf(apqn) is string driver) k.Echo(SysfsLayout.DriverAttribute(driver, "unbind"), apqn.ToString());
                    break;
                case 1:
                    k.SetQueueExists(apqn, false);
                    break;
                default:
                    if (k.DriverOf(apqn) == "vfio_ap") k.SetResetFailed(apqn, true);
                    break;
            }
        }
        for (int i = 0; i < c.Mdevs.Length; i++)
        {
            var id = MdevId(i);
            k.Echo(SysfsLayout.MdevCreate, id.ToString());
            // The kernel may refuse some of these (host-owned or shared APQNs); the matrix is what it accepted.
            foreach (var a in c.Mdevs[i].A) k.Echo(SysfsLayout.MdevAttribute(id, "assign_adapter"), "0x" + a.ToString("x"));
            foreach (var d in c.Mdevs[i].D) k.Echo(SysfsLayout.MdevAttribute(id, "assign_domain"), "0x" + d.ToString("x"));
        }
        return k;
    }

    private static void Apply(SimulatedKernel k, Case c, (int Kind, int X, int Y) e)
    {
        var mdev = MdevId(e.Y % c.Mdevs.Length);
        var apqn = new Apqn(e.X, e.Y);
        var host = k.HostConfig;
        switch (e.Kind)
        {
            case 0: k.Echo(SysfsLayout.MdevAttribute(mdev, "assign_adapter"), e.X.ToString()); break;
            case 1: k.Echo(SysfsLayout.MdevAttribute(MdevId(e.X % c.Mdevs.Length), "assign_domain"), e.Y.ToString()); break;
            case 2: k.Echo(SysfsLayout.MdevAttribute(mdev, "unassign_adapter"), e.X.ToString()); break;
            case 3:
                // Bind to whichever driver the masks allow (the kernel refuses the other one).
                k.Echo(SysfsLayout.DriverAttribute("vfio_ap", "bind"), apqn.ToString());
                k.Echo(SysfsLayout.DriverAttribute("cex4queue", "bind"), apqn.ToString());
                break;
            case 4:
                if (k.DriverOf(apqn) is string d) k.Echo(SysfsLayout.DriverAttribute(d, "unbind"), apqn.ToString());
                break;
            case 5: k.SetHostConfig(new HostApConfig(host.Adapters.With(e.X), host.Domains.With(e.Y), host.ControlDomains.With(e.Y))); break;
            case 6: k.SetHostConfig(new HostApConfig(host.Adapters.Without(e.X), host.Domains, host.ControlDomains)); break;
            case 7:
                {
                    var m = k.MatrixOf(mdev);
                    var cfg = new ApMatrix(m.Adapters.With(e.X), m.Domains.With(e.Y), m.ControlDomains);
                    k.Echo(SysfsLayout.MdevAttribute(mdev, "ap_config"), SysfsFormat.FormatApConfig(cfg).TrimEnd('\n'));
                    break;
                }
            default:
                k.Echo(e.X % 2 == 0 ? SysfsLayout.ApMask : SysfsLayout.AqMask, (e.Y % 2 == 0 ? "+" : "-") + (e.X % 2 == 0 ? e.X : e.Y));
                break;
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Prediction_from_a_snapshot_equals_the_kernels_guest_matrix()
    {
        GenCase.Sample(c =>
        {
            var k = Build(c);
            AssertPredictionMatchesKernel(k, "after set-up");
            for (int i = 0; i < c.Events.Length; i++)
            {
                Apply(k, c, c.Events[i]);
                AssertPredictionMatchesKernel(k, $"after event {i} {c.Events[i]}");
            }
        }, iter: 300);
    }

    [Fact]
    public void The_generated_cases_exercise_filtering()
    {
        // Guards the property above against vacuity: a fair share of cases must drop something from a guest.
        int cases = 0, dropping = 0;
        GenCase.Sample(c =>
        {
            var k = Build(c);
            cases++;
            if (k.Mdevs.Any(m => k.ShadowApcbOf(m).Adapters.Mask != k.MatrixOf(m).Adapters.Mask && !k.ShadowApcbOf(m).Domains.IsEmpty)) dropping++;
        }, iter: 300, threads: 1);
        Assert.True(dropping * 10 >= cases, $"only {dropping} of {cases} generated hosts filter an adapter from a guest");
    }
}
