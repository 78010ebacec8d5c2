using System.Collections.Generic;
using System.Linq;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Tests;

/// <summary>Queue states given directly, so the filter is tested apart from any host model.</summary>
internal sealed class QueueTable : IQueueStates
{
    private readonly Dictionary<Apqn, (QueueBinding Binding, string? Driver, bool ResetFailed)> _q = new();
    public QueueTable Set(Apqn q, QueueBinding b, string? driver = null, bool resetFailed = false)
    {
        _q[q] = (b, driver, resetFailed);
        return this;
    }
    public QueueBinding BindingOf(Apqn apqn) => _q.TryGetValue(apqn, out var s) ? s.Binding : QueueBinding.Missing;
    public string? DriverOf(Apqn apqn) => _q.TryGetValue(apqn, out var s) ? s.Driver : null;
    public bool ResetFailed(Apqn apqn) => _q.TryGetValue(apqn, out var s) && s.ResetFailed;
    public ApMask UsableDomains(ApId adapter) =>
        ApMask.Of(_q.Where(kv => kv.Key.Adapter == adapter && kv.Value.Binding == QueueBinding.VfioAp && !kv.Value.ResetFailed).Select(kv => (int)kv.Key.Domain));
}

public class ApcbFilterTests
{
    private static HostApConfig Host(ApMask a, ApMask d, ApMask c) => new(a, d, c);

    [Fact]
    public void Seed_drops_adapter_05_because_05_0035_is_not_bound()
    {
        // about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host": 05.0035 unbound drops adapter 05
        var host = Host(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Of(4, 0x22, 0x35));
        var queues = new QueueTable();
        foreach (var a in new[] { 4, 5 })
            foreach (var d in new[] { 4, 0x22, 0x35 })
                queues.Set(new Apqn(a, d), QueueBinding.VfioAp);
        queues.Set(new Apqn(5, 0x35), QueueBinding.Unbound);
        var matrix = new ApMatrix(ApMask.Of(4, 5), ApMask.Of(4, 0x22, 0x35), ApMask.Empty);

        var p = ApcbFilter.Predict(matrix, host, queues);

        Assert.Equal("04.0004\n04.0022\n04.0035\n", p.GuestMatrixText);
        var drop = Assert.Single(p.Dropped);
        Assert.Equal(5, drop.Adapter!.Value.Value);
        Assert.Equal(ApcbDropReason.QueueNotBound, drop.Reason);
        Assert.Equal(new Apqn(5, 0x35), drop.Apqn);
        Assert.Contains("05.0035", drop.Message);
    }

    [Fact]
    public void Over_provisioned_domain_is_cut_without_dropping_adapters()
    {
        var host = Host(ApMask.Of(5, 6), ApMask.Of(4), ApMask.Empty);
        var queues = new QueueTable().Set(new Apqn(5, 4), QueueBinding.VfioAp).Set(new Apqn(6, 4), QueueBinding.VfioAp);
        var p = ApcbFilter.Predict(new ApMatrix(ApMask.Of(5, 6), ApMask.Of(4, 0x47), ApMask.Empty), host, queues);

        Assert.Equal("05.0004\n06.0004\n", p.GuestMatrixText);
        var drop = Assert.Single(p.Dropped);
        Assert.Equal(0x47, drop.Domain!.Value.Value);
        Assert.Equal(ApcbDropReason.DomainNotInHostConfig, drop.Reason);
    }

    [Fact]
    public void Adapters_only_matrix_keeps_its_adapters()
    {
        var host = Host(ApMask.Of(5, 6), ApMask.Of(4), ApMask.Empty);
        var p = ApcbFilter.Predict(new ApMatrix(ApMask.Of(5, 6), ApMask.Empty, ApMask.Empty), host, new QueueTable());
        Assert.Equal("05.\n06.\n", p.GuestMatrixText);
        Assert.Empty(p.Dropped);
    }

    [Fact]
    public void When_every_adapter_is_dropped_the_domains_remain()
    {
        var host = Host(ApMask.Of(5), ApMask.Of(4), ApMask.Empty);
        var p = ApcbFilter.Predict(new ApMatrix(ApMask.Of(5), ApMask.Of(4), ApMask.Empty), host, new QueueTable());
        Assert.Equal(".0004\n", p.GuestMatrixText);
        Assert.Equal(ApcbDropReason.QueueMissing, Assert.Single(p.Dropped).Reason);
    }

    [Fact]
    public void Every_bad_apqn_of_an_adapter_is_listed_first_one_in_kernel_order()
    {
        var host = Host(ApMask.Of(7), ApMask.Of(1, 2, 3), ApMask.Empty);
        var queues = new QueueTable()
            .Set(new Apqn(7, 1), QueueBinding.VfioAp)
            .Set(new Apqn(7, 2), QueueBinding.OtherDriver, "cex4queue")
            .Set(new Apqn(7, 3), QueueBinding.VfioAp, resetFailed: true);
        var drop = Assert.Single(ApcbFilter.Predict(new ApMatrix(ApMask.Of(7), ApMask.Of(1, 2, 3), ApMask.Of(9)), host, queues).Dropped, d => d.Adapter.HasValue);
        Assert.Equal(ApcbDropReason.QueueBoundToOtherDriver, drop.Reason);
        Assert.Equal(new[] { new Apqn(7, 2), new Apqn(7, 3) }, drop.Causes.Select(c => c.Apqn));
        Assert.Equal("cex4queue", drop.Causes[0].Driver);
        Assert.Equal(ApcbDropReason.QueueResetFailed, drop.Causes[1].Reason);
        Assert.Contains("cex4queue", drop.Message);
    }

    [Fact]
    public void Control_domains_are_cut_to_the_host_configuration_only()
    {
        var host = Host(ApMask.Empty, ApMask.Empty, ApMask.Of(4));
        var p = ApcbFilter.Predict(new ApMatrix(ApMask.Empty, ApMask.Empty, ApMask.Of(4, 5)), host, new QueueTable());
        Assert.Equal(ApMask.Of(4), p.Guest.ControlDomains.Mask);
        Assert.Equal(ApcbDropReason.ControlDomainNotInHostConfig, Assert.Single(p.Dropped).Reason);
    }

    private static readonly Gen<(ApMatrix Matrix, HostApConfig Host, QueueTable Queues, Dictionary<Apqn, QueueBinding> Truth)> GenCase =
        Gen.Select(ApMaskTests.GenSparseMask, ApMaskTests.GenSparseMask, ApMaskTests.GenSparseMask, ApMaskTests.GenSparseMask, ApMaskTests.GenSparseMask)
           .SelectMany((ma, md, ha, hd, c) =>
           {
               var apqns = (ma | ha).SelectMany(a => (md | hd).Select(d => new Apqn(a, d))).ToArray();
               return Gen.Int[0, 4].Array[apqns.Length].Select(states =>
               {
                   var t = new QueueTable();
                   var truth = new Dictionary<Apqn, QueueBinding>();
                   for (int i = 0; i < apqns.Length; i++)
                   {
                       var b = states[i] switch { 0 => QueueBinding.Missing, 1 => QueueBinding.Unbound, 2 => QueueBinding.OtherDriver, _ => QueueBinding.VfioAp };
                       if (b != QueueBinding.Missing) t.Set(apqns[i], b, b == QueueBinding.OtherDriver ? "cex4queue" : null);
                       truth[apqns[i]] = b;
                   }
                   return (new ApMatrix(ma, md, c), new HostApConfig(ha, hd, c), t, truth);
               });
           });

    [Fact]
    public void Prediction_is_within_matrix_and_host_configuration()
    {
        GenCase.Sample(x =>
        {
            var p = ApcbFilter.Predict(x.Matrix, x.Host, x.Queues);
            Assert.True(p.Guest.Adapters.IsSubsetOf(x.Matrix.Adapters & x.Host.Adapters));
            Assert.Equal(x.Matrix.Domains.Mask & x.Host.Domains, p.Guest.Domains.Mask);
            Assert.Equal(x.Matrix.ControlDomains.Mask & x.Host.ControlDomains, p.Guest.ControlDomains.Mask);
        });
    }

    [Fact]
    public void Every_kept_adapter_has_all_its_apqns_bound_to_vfio_ap()
    {
        GenCase.Sample(x =>
        {
            var p = ApcbFilter.Predict(x.Matrix, x.Host, x.Queues);
            foreach (var a in p.Guest.Adapters)
                foreach (var d in p.Guest.Domains)
                    Assert.Equal(QueueBinding.VfioAp, x.Truth.GetValueOrDefault(new Apqn(a, d)));
        });
    }

    [Fact]
    public void Every_cut_has_exactly_one_reason_and_every_reason_is_true()
    {
        GenCase.Sample(x =>
        {
            var p = ApcbFilter.Predict(x.Matrix, x.Host, x.Queues);
            var droppedAdapters = p.Dropped.Where(d => d.Adapter.HasValue).Select(d => (int)d.Adapter!.Value).ToArray();
            Assert.Equal(x.Matrix.Adapters.Except(p.Guest.Adapters).ToArray(), droppedAdapters.OrderBy(a => a).ToArray());
            Assert.Equal(droppedAdapters.Length, droppedAdapters.Distinct().Count());
            foreach (var drop in p.Dropped)
            {
                switch (drop.Reason)
                {
                    case ApcbDropReason.AdapterNotInHostConfig:
                        Assert.False(x.Host.Adapters.Contains(drop.Adapter!.Value));
                        break;
                    case ApcbDropReason.DomainNotInHostConfig:
                        Assert.False(x.Host.Domains.Contains(drop.Domain!.Value));
                        break;
                    case ApcbDropReason.ControlDomainNotInHostConfig:
                        Assert.False(x.Host.ControlDomains.Contains(drop.ControlDomain!.Value));
                        break;
                    default:
                        Assert.NotEmpty(drop.Causes);
                        foreach (var c in drop.Causes)
                        {
                            Assert.Equal(drop.Adapter!.Value, c.Apqn.Adapter);
                            Assert.True(p.Guest.Domains.Contains(c.Apqn.Domain));
                            var expected = c.Reason switch
                            {
                                ApcbDropReason.QueueMissing => QueueBinding.Missing,
                                ApcbDropReason.QueueNotBound => QueueBinding.Unbound,
                                _ => QueueBinding.OtherDriver,
                            };
                            Assert.Equal(expected, x.Truth.GetValueOrDefault(c.Apqn));
                        }
                        // The first cause is the first bad APQN in the kernel's (ascending domain) order.
                        Assert.Equal(drop.Causes.Min(c => c.Apqn), drop.Causes[0].Apqn);
                        break;
                }
            }
        });
    }
}
