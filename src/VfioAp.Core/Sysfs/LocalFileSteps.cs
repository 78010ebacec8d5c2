using System;
using System.IO;
using System.Text;
using VfioAp.Core.Model;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// The file steps of a plan carried out on this machine's file system (for a sysfs tree here, and for the files of
    /// a simulated host, which are this machine's): a file replaced atomically (a temporary file beside it, flushed,
    /// renamed over it; the parent created when missing), a file removed. Failures come back as the errno, as the
    /// kernel's do for sysfs writes, so the engine reports and undoes them the same way.
    /// </summary>
    public static class LocalFileSteps
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>Carries out a file step; <see cref="Errno.None"/> on success.</summary>
        public static Errno Apply(PlanStep step)
        {
            try
            {
                switch (step)
                {
                    case FileWriteStep write:
                        Replace(write.Path, write.Content);
                        return Errno.None;
                    case FileRemoveStep remove:
                        if (File.Exists(remove.Path)) File.Delete(remove.Path);
                        return Errno.None;
                    default:
                        throw new NotSupportedException($"{step.GetType().Name} is not a file step.");
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return LocalSysfs.ErrnoOf(ex);
            }
        }

        /// <summary>A file's text now, or null when it does not exist (what a file step's precondition compares).</summary>
        public static string? ContentOf(string path)
        {
            try
            {
                return File.Exists(path) ? File.ReadAllText(path, Utf8) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Unreadable is not "as planned": a text no plan can have makes the precondition fail.
                return "\0unreadable: " + ex.Message;
            }
        }

        private static void Replace(string path, string content)
        {
            var dir = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(dir);
            var tmp = Path.Combine(dir, "." + Path.GetFileName(path) + ".vfioap-" + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                {
                    var bytes = Utf8.GetBytes(content);
                    fs.Write(bytes, 0, bytes.Length);
                    fs.Flush(true);
                }
                if (File.Exists(path)) File.Replace(tmp, path, null);
                else File.Move(tmp, path);
            }
            finally
            {
                if (File.Exists(tmp)) File.Delete(tmp);
            }
        }
    }
}
