BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'VfioAp.TestHelpers.psm1') -Force
    # A transport around the simulated kernel that takes a while per batch and records how many batches run at once,
    # or fails like a lost connection: what the fan-out must cope with from real remote hosts. Registered through
    # ApSessionFactory.Register, the slot a new transport (SSH) uses.
    $core = [VfioAp.Core.Sysfs.ISysfs].Assembly.Location
    # VfioAp.Core is netstandard2.0: the compiler also needs netstandard and, once any reference is given, the
    # assemblies of the types used here by name.
    Add-Type -ReferencedAssemblies $core, 'netstandard', 'System.Runtime', 'System.Collections', 'System.Threading', 'System.Threading.Thread' -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

public sealed class ConcurrencyProbe
{
    private int _active;
    public int MaxActive;
    public void Enter() { int now = Interlocked.Increment(ref _active); int seen; while ((seen = Volatile.Read(ref MaxActive)) < now && Interlocked.CompareExchange(ref MaxActive, now, seen) != seen) { } }
    public void Leave() => Interlocked.Decrement(ref _active);
}

public sealed class SlowSysfs : ISysfs
{
    private readonly ISysfs _inner;
    private readonly ConcurrencyProbe _probe;
    private readonly int _delayMs;
    private readonly bool _fail;
    public SlowSysfs(ISysfs inner, ConcurrencyProbe probe, int delayMs, bool fail) { _inner = inner; _probe = probe; _delayMs = delayMs; _fail = fail; }
    public string HostName => _inner.HostName;
    public string Root => _inner.Root;
    public int Batches;
    public SysfsReadResult ReadMany(IReadOnlyList<SysfsQuery> queries)
    {
        Interlocked.Increment(ref Batches);
        _probe.Enter();
        try
        {
            Thread.Sleep(_delayMs);
            if (_fail) throw new IOException("connection reset by peer");
            return _inner.ReadMany(queries);
        }
        finally { _probe.Leave(); }
    }
    public PlanRunResult RunPlan(PlanRequest request) => _inner.RunPlan(request);
    public void Dispose() => _inner.Dispose();
}
'@

    function New-SlowSession([string] $Name, $Probe, [switch] $Fail) {
        $kernel = [VfioAp.Core.Simulation.ScenarioLibrary]::Load('seed')
        $inner = [VfioAp.Core.Simulation.SimulatedSysfs]::new($kernel, $Name)
        $slow = [SlowSysfs]::new($inner, $Probe, 300, [bool]$Fail)
        [VfioAp.PowerShell.Sessions.ApSessionFactory]::Register('Simulation', $slow, $Name, $null, $null, $null, $null)
    }
}
AfterAll { Get-ApSession | Remove-ApSession }

Describe 'Fan-out over slow hosts' {
    It 'reads all hosts at once by default' {
        $probe = [ConcurrencyProbe]::new()
        $sessions = 1..6 | ForEach-Object { New-SlowSession "slow$_" $probe }
        $q = Get-ApQueue -Session $sessions
        @($q).Count | Should -Be 36
        $probe.MaxActive | Should -Be 6
        $sessions | ForEach-Object { $_.Sysfs.Batches | Should -Be 1 }
    }

    It 'never reads more hosts at once than -ThrottleLimit' {
        $probe = [ConcurrencyProbe]::new()
        $sessions = 1..6 | ForEach-Object { New-SlowSession "throttled$_" $probe }
        $q = Get-ApQueue -Session $sessions -ThrottleLimit 2
        @($q).Count | Should -Be 36
        $probe.MaxActive | Should -Be 2
    }

    It 'turns a transport failure into one HostReadFailed record naming the host, while the others arrive' {
        $probe = [ConcurrencyProbe]::new()
        $good = New-SlowSession 'up1' $probe
        $bad = New-SlowSession 'down1' $probe -Fail
        $good2 = New-SlowSession 'up2' $probe
        $q = Get-VfioApApcb -Session $good, $bad, $good2 -ErrorVariable err -ErrorAction SilentlyContinue
        @($q.ComputerName | Sort-Object) | Should -Be @('up1', 'up2')
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VfioAp.HostReadFailed,*'
        $err[0].Exception.Host | Should -Be 'down1'
        $err[0].Exception.Message | Should -BeLike "*'down1'*connection reset by peer*"
        $err[0].TargetObject | Should -Be $bad
    }
}
