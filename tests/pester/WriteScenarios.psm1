# Imported by the Write*.Tests.ps1 files after VfioAp.TestHelpers.psm1 (which loads the module under test, whose
# types the compiled helpers below reference):
#     Import-Module (Join-Path $PSScriptRoot 'WriteScenarios.psm1') -Force
# Scenarios for the write cmdlets and helpers that look at the simulated kernel directly (never through the cmdlets
# under test). The scenarios are the worked examples (about_VfioAp_Apcb: WORKED EXAMPLES) or the seed with stated
# additions; expected results follow from the kernel's rules (about_VfioAp_Kernel: WRITE SYNTAX, REFUSALS AND ERRNOS).

# The seed host plus card 06 and domain 0010 in the host configuration. apmask and aqmask are the seed's, so 06.0010
# belongs to the default drivers (cex4queue); 04.0010, 05.0010 and 06.0004 are vfio_ap's.
# A module's functions do not inherit the caller's preferences: the runner (Invoke-VfioApPester.ps1) stops on any
# error, and so do these helpers, as they did when the test files dot-sourced them.
$ErrorActionPreference = 'Stop'

$script:SeedPlusJson = @'
{
  "name": "seed-plus",
  "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" }, { "id": "0x06", "type": "CEX8C" } ],
  "hostConfig": { "adapters": ["0x04", "0x05", "0x06"], "domains": ["0x04", "0x10", "0x22", "0x35"], "controlDomains": ["0x04", "0x10", "0x22", "0x35"] },
  "apmask": "-4,-5",
  "aqmask": "-4,-0x22,-0x35",
  "queues": { "05.0035": { "driver": null } },
  "mdevs": [ { "uuid": "62177883-f1bb-47f0-914d-32a22e3a8804",
               "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": [] } ]
}
'@

# The same host on the two older kinds of kernel: without ap_config but with guest_matrix (Linux 6.0-6.9), and with
# neither (before 6.0).
$script:SeedPlusGuestMatrixOnlyJson = $SeedPlusJson.Replace('"name": "seed-plus",', '"name": "seed-plus-6x", "kernel": { "apConfig": false, "guestMatrix": true },')
$script:SeedPlusLegacyJson = $SeedPlusJson.Replace('"name": "seed-plus",', '"name": "seed-plus-legacy", "kernel": { "apConfig": false, "guestMatrix": false },')

# The seed host on a machine without extended addressing: adapters 00-3f (ap_max_adapter_id 63).
$script:SeedSmallJson = $SeedPlusJson.Replace('"name": "seed-plus",', '"name": "seed-small", "maxAdapterId": 63,')

$script:Guest1 = [guid]'4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a51'
$script:Guest2 = [guid]'4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a52'
$script:Guest3 = [guid]'4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a53'

function Get-KernelText {
    <#
        Every file (its text) and link (its target) of a simulated host, read from the kernel itself: what
        `find /sys | xargs cat` would show. Two dumps are equal exactly when nothing the kernel shows has changed.
    #>
    param([Parameter(Mandatory)] $Session)
    $kernel = $Session.Kernel
    $out = [System.Collections.Generic.SortedDictionary[string, string]]::new([System.StringComparer]::Ordinal)
    $stack = [System.Collections.Generic.Stack[string]]::new()
    $stack.Push('')
    while ($stack.Count) {
        $dir = $stack.Pop()
        foreach ($name in $kernel.List($dir)) {
            $path = if ($dir) { "$dir/$name" } else { $name }
            $node = $kernel.Lookup($path)
            switch ($node.Kind.ToString()) {
                'Directory' { $stack.Push($path) }
                'Symlink' { $out[$path] = '-> ' + $node.LinkTarget }
                'File' { try { $out[$path] = $kernel.Read($path) } catch { $out[$path] = '! ' + $_.Exception.InnerException.Error } }
            }
        }
    }
    # One string: Should -BeExactly then shows where the two differ.
    ($out.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join "`n"
}

function Get-KernelMatrix {
    <# An mdev's matrix file as the kernel prints it (not through the cmdlets). #>
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [guid] $Mdev)
    $Session.Kernel.Read("devices/vfio_ap/matrix/$($Mdev.ToString('D'))/matrix")
}

function Invoke-ShellEcho {
    <#
    Another admin's plain `echo Value > Path` on the session's simulated host: straight to the kernel, without the
    host's lock (a shell knows nothing of it). Returns the kernel's errno name ('None' when the write was taken).
    #>
    param([Parameter(Mandatory)] $Session, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Value)
    try { $Session.Kernel.Write($Path, "$Value`n"); 'None' }
    catch [VfioAp.Core.Sysfs.SysfsException] { $_.Exception.Error.ToString() }
    catch { if ($_.Exception.InnerException -is [VfioAp.Core.Sysfs.SysfsException]) { $_.Exception.InnerException.Error.ToString() } else { throw } }
}

function New-SecondSession {
    <# A second session on the same simulated kernel: another admin's shell on the same host. #>
    param([Parameter(Mandatory)] $Session, [string] $Name = 'second')
    $sysfs = [VfioAp.Core.Simulation.SimulatedSysfs]::new($Session.Kernel, $Session.ComputerName)
    [VfioAp.PowerShell.Sessions.ApSessionFactory]::Register('Simulation', $sysfs, $Name, $Session.Scenario, $null, $null, $Session.Kernel)
}

if (-not ('WriteInterloper' -as [type])) {
    # A fault rule for SimulatedSysfs.FailWrite: just before the first write of the session's next plan, another
    # admin's plain `echo` writes something — straight to the kernel, without the host's lock, as a shell that does
    # not know the lock would (the plan's own write then goes ahead). Compiled, so it runs on the worker thread that
    # applies the plan without needing a PowerShell runspace there.
    $core = [VfioAp.Core.Sysfs.ISysfs].Assembly.Location
    Add-Type -ReferencedAssemblies $core, 'netstandard', 'System.Runtime', 'System.Threading', 'System.Collections' -TypeDefinition @'
using System;
using System.Threading;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

/// <summary>A transport whose plan round trip breaks off after the writes: they are applied, the answer is lost.</summary>
public sealed class LostAnswerSysfs : ISysfs
{
    private readonly ISysfs _inner;
    public LostAnswerSysfs(ISysfs inner) { _inner = inner; }
    public string HostName => _inner.HostName;
    public string Root => _inner.Root;
    public SysfsReadResult ReadMany(System.Collections.Generic.IReadOnlyList<SysfsQuery> queries) => _inner.ReadMany(queries);
    public PlanRunResult RunPlan(PlanRequest request)
    {
        _inner.RunPlan(request);
        throw new System.IO.IOException("connection reset by peer");
    }
    public void Dispose() => _inner.Dispose();
}

public static class WriteInterloper
{
    public static Func<SysfsWrite, int, Errno?> Before(ISysfsTree kernel, string path, string value)
    {
        int done = 0;
        return (write, index) =>
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                try { kernel.Write(path, value + "\n"); }
                catch (SysfsException e) { throw new InvalidOperationException("the interloper's own write failed: " + e.Error, e); }
            }
            return null;
        };
    }
}
'@
}

Export-ModuleMember -Variable SeedPlusJson, SeedPlusGuestMatrixOnlyJson, SeedPlusLegacyJson, SeedSmallJson, Guest1, Guest2, Guest3 `
    -Function Get-KernelText, Get-KernelMatrix, New-SecondSession, Invoke-ShellEcho
