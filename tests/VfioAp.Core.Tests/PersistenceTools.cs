using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Diagnostics;
using System.Text;
using VfioAp.Core.Changes;
using VfioAp.Core.Model;
using VfioAp.Core.Persistence;
using VfioAp.Core.Simulation;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Tests;

/// <summary>Runs a program and returns its exit code, stdout and stderr.</summary>
internal static class PersistenceProcess
{
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutMs = 600_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs / 1000} s.");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

    /// <summary>apt-get install, waiting for a dpkg lock that another engineer's install may hold; null on success, else why not.</summary>
    public static string? AptInstall(params string[] packages)
    {
        try
        {
            var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            var (code, _, err) = Run("apt-get", new[] { "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends" }.Concat(packages), env);
            if (code == 0) return null;
            // The package lists may be missing on a fresh machine: update once and retry.
            Run("apt-get", new[] { "-o", "DPkg::Lock::Timeout=300", "update" }, env);
            (code, _, err) = Run("apt-get", new[] { "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends" }.Concat(packages), env);
            return code == 0 ? null : $"apt-get install {string.Join(' ', packages)} failed ({code}): {Last(err)}";
        }
        catch (Exception ex)
        {
            return $"apt-get install {string.Join(' ', packages)} could not run: {ex.Message}";
        }
    }

    private static string Last(string text) => string.Join(" ", text.Trim().Split('\n').TakeLast(3));
}

/// <summary>A scratch directory that is removed when the test ends.</summary>
internal sealed class PersistenceTempDir : IDisposable
{
    public PersistenceTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vfioap-persist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A root laid out as the mdevctl package lays out /: etc/mdevctl.d with its scripts.d folders.</summary>
    public string MdevctlRoot()
    {
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "etc/mdevctl.d/scripts.d/callouts"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "etc/mdevctl.d/scripts.d/notifiers"));
        return Path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// The real mdevctl, run against a test root. Debian's mdevctl 1.2.0 ignores MDEVCTL_ENV_ROOT (only upstream's
/// test builds honour it; verified: its define wrote into the real /etc/mdevctl.d), so each run happens in a
/// private mount namespace where the test root's etc/mdevctl.d is bind-mounted over /etc/mdevctl.d. Nothing
/// outside the namespace sees it; MDEVCTL_ENV_ROOT is set as well for builds that do read it.
/// </summary>
internal static class RealMdevctl
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Null when mdevctl can be run against a test root, else exactly why not.</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    private static string? Probe()
    {
        if (!PersistenceProcess.OnPath("mdevctl"))
        {
            var why = PersistenceProcess.AptInstall("mdevctl");
            if (why is not null) return "mdevctl is not installed and " + why;
        }
        if (!Directory.Exists("/etc/mdevctl.d")) return "mdevctl is installed but /etc/mdevctl.d (its bind-mount target) is missing.";
        if (!PersistenceProcess.OnPath("unshare")) return "unshare (util-linux) is missing: mdevctl 1.2.0 cannot be pointed at a test root without a private mount namespace.";
        var (code, _, err) = PersistenceProcess.Run("unshare", new[] { "--mount", "--propagation", "private", "true" });
        return code == 0 ? null : "cannot create a private mount namespace (unshare --mount needs root/CAP_SYS_ADMIN): " + err.Trim();
    }

    public static (int Code, string Out, string Err) Run(string root, params string[] args)
    {
        var script = "mount --bind \"$0/etc/mdevctl.d\" /etc/mdevctl.d && exec mdevctl \"$@\"";
        return PersistenceProcess.Run("unshare", new[] { "--mount", "--propagation", "private", "sh", "-c", script, root }.Concat(args),
            new Dictionary<string, string> { ["MDEVCTL_ENV_ROOT"] = root });
    }

    public static string RunOk(string root, params string[] args)
    {
        var (code, stdout, stderr) = Run(root, args);
        if (code != 0) throw new Xunit.Sdk.XunitException($"mdevctl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
    }
}

/// <summary>A fact that needs the real mdevctl; skipped, saying why, when it cannot be installed or pointed at a test root.</summary>
internal sealed class MdevctlFactAttribute : FactAttribute
{
    public MdevctlFactAttribute()
    {
        if (RealMdevctl.WhyUnavailable is string why) Skip = why;
    }
}

/// <summary>libvirt's RNG schemas (Debian ships them in libvirt0) and xmllint (libxml2-utils), installed when missing.</summary>
internal static class LibvirtSchemas
{
    public const string Directory = "/usr/share/libvirt/schemas";
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Null when xmllint and libvirt's schemas are there, else why not (the tests then check the documented layout instead).</summary>
    public static string? WhyUnavailable => Unavailable.Value;

    private static string? Probe()
    {
        if (!File.Exists(Path.Combine(Directory, "nodedev.rng")) || !File.Exists(Path.Combine(Directory, "domain.rng")) || !PersistenceProcess.OnPath("xmllint"))
        {
            var why = PersistenceProcess.AptInstall("libvirt0", "libxml2-utils");
            if (why is not null) return why;
        }
        return File.Exists(Path.Combine(Directory, "nodedev.rng")) ? null : $"libvirt0 installed but {Directory}/nodedev.rng is missing.";
    }

    /// <summary>xmllint --relaxng: (valid, xmllint's messages).</summary>
    public static (bool Valid, string Messages) Validate(string schema, string xml)
    {
        using var dir = new PersistenceTempDir();
        var file = Path.Combine(dir.Path, "doc.xml");
        File.WriteAllText(file, xml, new UTF8Encoding(false));
        var (code, o, e) = PersistenceProcess.Run("xmllint", new[] { "--noout", "--relaxng", schema, file });
        return (code == 0, (o + e).Trim());
    }

    /// <summary>A grammar whose start is libvirt's own <c>hostdev</c> definition from domaincommon.rng.</summary>
    public static string HostdevGrammar(string directory)
    {
        var path = Path.Combine(directory, "hostdev.rng");
        File.WriteAllText(path,
            "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\" datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">\n" +
            $"  <include href=\"{Directory}/domaincommon.rng\"/>\n" +
            "  <start><ref name=\"hostdev\"/></start>\n</grammar>\n");
        return path;
    }
}

/// <summary>
/// A persist plan written as the cmdlets write it: its file steps through the change engine, under a host's AP
/// configuration lock (a simulated seed host's, whose file steps are this machine's files), checked against the text
/// each file had when the plan was made.
/// </summary>
internal static class EnginePersistence
{
    public static void Persist(this PersistPlan plan)
    {
        if (plan.IsEmpty) return;
        using var host = new SimulatedSysfs(ScenarioLibrary.Load("seed"), "persist-test");
        var change = new PlannedChange(plan.ToChangePlan(), HostReader.Read(host, SnapshotParts.Bus), null);
        var result = new ChangeEngine(new ChangeHost(host, host.HostLock), SnapshotParts.Bus, TimeSpan.FromSeconds(30)).Apply(change);
        if (result.Outcome is not { Succeeded: true })
            throw new PersistenceException(plan.ConfigDirectory, null, "persisting failed: " +
                (result.Outcome is { } o ? FailedPlan.Describe(o, null).Message : result.Failure?.Message ?? "conflict"));
    }
}
