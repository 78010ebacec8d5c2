using System.Globalization;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using VfioAp.Core.Sysfs;
using VfioAp.Ssh;

namespace VfioAp.Benchmarks;

/// <summary>
/// A read-only cmdlet is one SSH command whose output is O(files) (README.md, Layout: src/VfioAp.Ssh; about_VfioAp: SESSIONS). This measures the client side of it:
/// parsing what the ReadMany script prints for a 60 × 85 and a 256 × 256 host (every queue's online, config, chkstop,
/// status and driver link, as HostReader asks for Get-ApQueue) into a SysfsReadResult, in one streaming pass.
/// Run: dotnet run -c Release --project tests/VfioAp.Benchmarks -- --filter '*SshParser*'
/// </summary>
[MemoryDiagnoser]
public class SshParserBenchmarks
{
    [Params(60, 256)]
    public int Adapters;

    /// <summary>"builtins": the shell-only records; "tools": what GNU grep and find print (NUL-framed, see ReadManyOutputParser).</summary>
    [Params("builtins", "tools")]
    public string Format = "builtins";

    private byte[] _output = System.Array.Empty<byte>();

    /// <summary>The records ReadManyScript's loops print for such a host, in their order (format: ReadManyOutputParser).</summary>
    [GlobalSetup]
    public void Setup()
    {
        int domains = Adapters == 60 ? 85 : 256;
        if (Format == "tools")
        {
            _output = Encoding.UTF8.GetBytes(ToolsOutput(domains));
            return;
        }
        var sb = new StringBuilder();
        sb.Append("V1\nDbus/ap\nE\nCapmask\n|0x").Append('f', 64).Append("\nCaqmask\n|0x").Append('f', 64).Append('\n');
        for (int a = 0; a < Adapters; a++)
        {
            string card = "devices/ap/card" + a.ToString("x2", CultureInfo.InvariantCulture);
            sb.Append('D').Append(card).Append("\nChwtype\n|14\nCtype\n|CEX8C\nConline\n|1\nCconfig\n|1\nCchkstop\n|0\nCap_functions\n|0x92000000\nCdepth\n|32\n");
        }
        for (int a = 0; a < Adapters; a++)
            for (int d = 0; d < domains; d++)
            {
                string q = $"devices/ap/card{a:x2}/{a:x2}.{d:x4}";
                bool vfio = d % 2 == 1;
                sb.Append('D').Append(q).Append("\nE\n");
                if (!vfio) sb.Append("Conline\n|1\n");
                sb.Append("Cconfig\n|1\nCchkstop\n|0\n");
                if (vfio) sb.Append("Cstatus\n|unassigned\n");
            }
        int total = Adapters * domains, done = 0;
        while (done < total)
        {
            int n = System.Math.Min(ReadManyScript.LinkBatch, total - done);
            sb.Append('L').Append(n).Append('\n');
            for (int i = 0; i < n; i++) { int id = done + i; sb.Append($"devices/ap/card{id / domains:x2}/{id / domains:x2}.{id % domains:x4}/driver\n"); }
            for (int i = 0; i < n; i++) sb.Append((done + i) % 2 == 1 ? "../../../../bus/ap/drivers/vfio_ap\n" : "../../../../bus/ap/drivers/cex4queue\n");
            done += n;
        }
        sb.Append("Z\n");
        _output = Encoding.UTF8.GetBytes(sb.ToString());
    }

    private string ToolsOutput(int domains)
    {
        var sb = new StringBuilder();
        sb.Append("V1\nTgk\nPapmask/aqmask\nDbus/ap\nE\nF\nbus/ap/apmask\0|0x").Append('f', 64).Append("\n\0bus/ap/aqmask\0|0x").Append('f', 64).Append("\n\0\0\n\0\n");
        var members = new[] { "hwtype", "type", "online", "config", "chkstop", "ap_functions", "depth" };
        var values = new[] { "14", "CEX8C", "1", "1", "0", "0x92000000", "32" };
        sb.Append('P').Append(string.Join("/", members)).Append('\n');
        for (int a = 0; a < Adapters; a++) sb.Append("Ddevices/ap/card").Append(a.ToString("x2", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("F\n");
        for (int m = 0; m < members.Length; m++)
            for (int a = 0; a < Adapters; a++)
                sb.Append("devices/ap/card").Append(a.ToString("x2", CultureInfo.InvariantCulture)).Append('/').Append(members[m]).Append('\0').Append(values[m]).Append("\n\0");
        sb.Append("\0\n\0\n");
        sb.Append("Ponline/config/chkstop/status\n");
        for (int a = 0; a < Adapters; a++)
            for (int d = 0; d < domains; d++) sb.Append($"Ddevices/ap/card{a:x2}/{a:x2}.{d:x4}\nE\n");
        sb.Append("F\n");
        var errors = new StringBuilder();
        foreach (var m in new[] { "online", "config", "chkstop", "status" })
            for (int a = 0; a < Adapters; a++)
                for (int d = 0; d < domains; d++)
                {
                    bool vfio = d % 2 == 1;
                    string path = $"devices/ap/card{a:x2}/{a:x2}.{d:x4}/{m}";
                    if ((m == "online" && vfio) || (m == "status" && !vfio)) { errors.Append("grep: ").Append(path).Append(": No such file or directory\n"); continue; }
                    sb.Append(path).Append('\0').Append(m == "status" ? "unassigned" : m == "chkstop" ? "0" : "1").Append("\n\0");
                }
        sb.Append("\0\n").Append(errors).Append("\0\n");
        sb.Append("K\n");
        for (int a = 0; a < Adapters; a++)
            for (int d = 0; d < domains; d++)
                sb.Append($"devices/ap/card{a:x2}/{a:x2}.{d:x4}/driver\0").Append(d % 2 == 1 ? "../../../../bus/ap/drivers/vfio_ap\0" : "../../../../bus/ap/drivers/cex4queue\0");
        sb.Append("\0\nZ\n");
        return sb.ToString();
    }

    [Benchmark]
    public int ParseReadManyOutput()
    {
        var parser = ReadManyOutputParser.ParseAll(new MemoryStream(_output, writable: false));
        return new SysfsReadResult(parser.Entries).Entries.Count;
    }
}
