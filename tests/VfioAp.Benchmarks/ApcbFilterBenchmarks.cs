using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;
using VfioAp.Core.Sysfs;

namespace VfioAp.Benchmarks;

/// <summary>
/// The APCB rule (about_VfioAp_Apcb: THE RULE) runs on every read of every mdev, so on the largest host (256 × 256)
/// predicting a guest APCB must cost microseconds and allocate nothing per APQN.
/// Run: dotnet run -c Release --project tests/VfioAp.Benchmarks -- --filter '*ApcbFilter*'
/// </summary>
[MemoryDiagnoser]
public class ApcbFilterBenchmarks
{
    private sealed class DenseQueues : IQueueStates
    {
        public readonly QueueBinding[] Binding = new QueueBinding[65536];
        public QueueBinding BindingOf(Apqn apqn) => Binding[apqn.QueueId];
        public string? DriverOf(Apqn apqn) => Binding[apqn.QueueId] == QueueBinding.OtherDriver ? "cex4queue" : null;
        public bool ResetFailed(Apqn apqn) => false;
        public readonly ApMask[] Usable = new ApMask[256];
        public ApMask UsableDomains(ApId adapter) => Usable[adapter.Value];
    }

    [Params(60, 256)]
    public int Adapters;

    private ApMatrix _matrix;
    private HostApConfig _host;
    private DenseQueues _queues = new();

    [GlobalSetup]
    public void Setup()
    {
        int domains = Adapters == 60 ? 85 : 256;
        _matrix = new ApMatrix(ApMask.Range(0, Adapters - 1), ApMask.Range(0, domains - 1), ApMask.Range(0, domains - 1));
        _host = new HostApConfig(ApMask.Full, ApMask.Full, ApMask.Full);
        for (int a = 0; a < Adapters; a++)
            for (int d = 0; d < domains; d++)
                _queues.Binding[(a << 8) | d] = QueueBinding.VfioAp;
        // One unbound queue on every 16th adapter, at its last domain: the kernel's loop has to walk the whole row first.
        for (int a = 0; a < Adapters; a += 16) _queues.Binding[(a << 8) | (domains - 1)] = QueueBinding.Unbound;
        for (int a = 0; a < Adapters; a++)
            for (int d = 0; d < domains; d++)
                if (_queues.Binding[(a << 8) | d] == QueueBinding.VfioAp) _queues.Usable[a] = _queues.Usable[a].With(d);
    }

    [Benchmark]
    public ApcbPrediction Predict() => ApcbFilter.Predict(_matrix, _host, _queues);

    [Benchmark]
    public string FormatGuestMatrix() => SysfsFormat.FormatMatrix(_matrix);
}

/// <summary>Planning a full replace of a 60 × 85 matrix (issue 5's closing figure). Run with --filter '*MatrixPlanner*'.</summary>
[MemoryDiagnoser]
public class MatrixPlannerBenchmarks
{
    private readonly System.Guid _mdev = System.Guid.Parse("62177883-f1bb-47f0-914d-32a22e3a8804");
    private ApMatrix _from, _to;

    [GlobalSetup]
    public void Setup()
    {
        _from = new ApMatrix(ApMask.Range(0, 59), ApMask.Range(0, 84), ApMask.Range(0, 84));
        _to = new ApMatrix(ApMask.Range(60, 119), ApMask.Range(85, 169), ApMask.Range(85, 169));
    }

    [Benchmark]
    public int AssignUnassignPlan() => MatrixPlanner.Plan(_mdev, _from, _to, hasApConfig: false).Steps.Count;

    [Benchmark]
    public int ApConfigPlan() => MatrixPlanner.Plan(_mdev, _from, _to, hasApConfig: true).Steps.Count;
}

/// <summary>Turning one batch of 256 × 256 answers into a snapshot. Run with --filter '*HostReader*'.</summary>
[MemoryDiagnoser]
public class HostReaderBenchmarks
{
    private SysfsReadResult _answers = null!;

    [GlobalSetup]
    public void Setup()
    {
        var e = new List<SysfsEntry>();
        void C(string p, string v) => e.Add(new SysfsEntry(p, SysfsQueryKind.Content, v, Errno.None));
        e.Add(new SysfsEntry("bus/ap", SysfsQueryKind.Exists, null, Errno.None));
        e.Add(new SysfsEntry("bus/ap/drivers/vfio_ap", SysfsQueryKind.Exists, null, Errno.None));
        C("bus/ap/apmask", SysfsFormat.FormatMask(ApMask.Range(0, 127)));
        C("bus/ap/aqmask", SysfsFormat.FormatMask(ApMask.Full));
        C("bus/ap/ap_adapter_mask", SysfsFormat.FormatMask(ApMask.Full));
        C("bus/ap/ap_usage_domain_mask", SysfsFormat.FormatMask(ApMask.Full));
        C("bus/ap/ap_control_domain_mask", SysfsFormat.FormatMask(ApMask.Full));
        C("bus/ap/ap_max_adapter_id", "255\n");
        C("bus/ap/ap_max_domain_id", "255\n");
        for (int a = 0; a < 256; a++)
        {
            var card = SysfsLayout.CardDir(new ApId(a));
            C(card + "/hwtype", "14\n");
            C(card + "/type", "CEX8C\n");
            for (int d = 0; d < 256; d++)
            {
                var q = SysfsLayout.QueueDir(new Apqn(a, d));
                e.Add(new SysfsEntry(q, SysfsQueryKind.Exists, null, Errno.None));
                e.Add(new SysfsEntry(q + "/driver", SysfsQueryKind.Link, a < 128 ? "../../../../bus/ap/drivers/cex4queue" : "../../../../bus/ap/drivers/vfio_ap", Errno.None));
                C(q + "/config", "1\n");
                C(q + "/chkstop", "0\n");
                if (a < 128) C(q + "/online", "1\n"); else C(q + "/status", "unassigned\n");
            }
        }
        _answers = new SysfsReadResult(e);
    }

    [Benchmark]
    public int BuildSnapshot() => HostReader.Build("bench", "/sys", _answers, SnapshotParts.All).Queues.Count;
}
