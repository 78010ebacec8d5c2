using System;

namespace VfioAp.Core.Rules
{
    /// <summary>The path rules of a file step: one file, absolute or relative to the host's <c>/</c>, never a <c>..</c> segment.</summary>
    internal static class FileStepPath
    {
        public static void Check(string path, bool underHostRoot)
        {
            bool ok = !string.IsNullOrEmpty(path) && !path.EndsWith("/", StringComparison.Ordinal)
                      && Array.IndexOf(path.Split('/'), "..") < 0
                      && (underHostRoot ? path[0] != '/' : path[0] == '/');
            if (!ok)
                throw new ArgumentException(underHostRoot
                    ? $"A file step under the host root names one relative file path without '..': '{path}'."
                    : $"A file step names one absolute file path without '..': '{path}'.", nameof(path));
        }

        /// <summary>The path as the host itself names it (a host-root path gets its leading slash), for -WhatIf and messages.</summary>
        public static string Show(string path, bool underHostRoot) => underHostRoot ? "/" + path : path;
    }
}
