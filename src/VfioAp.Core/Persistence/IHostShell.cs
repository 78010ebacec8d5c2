namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// A transport that can run a POSIX shell script on its host (SSH). Files outside sysfs, such as mdevctl's
    /// definitions, are reached through it: an <see cref="Sysfs.ISysfs"/> that also implements this interface lets
    /// <c>-Persist</c> and <c>Import-VfioApMdev -FromHost</c> work over the session, in one round trip per script.
    /// </summary>
    public interface IHostShell
    {
        /// <summary>Runs <paramref name="script"/> with <c>/bin/sh</c> on the host (as root, or through sudo where the session uses it).</summary>
        ShellCommandResult RunShell(string script);
    }
}
