using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using VfioAp.Core.Sysfs;

namespace VfioAp.SimFs
{
    /// <summary>One attribute whose read or write hangs for a while (<c>--stall read|write:&lt;path&gt;:&lt;seconds&gt;</c>).</summary>
    internal sealed class AttributeStall
    {
        private AttributeStall(bool onWrite, string path, TimeSpan duration)
        {
            OnWrite = onWrite;
            Path = path;
            Duration = duration;
        }

        public bool OnWrite { get; }
        /// <summary>The attribute, relative to the mount (<c>bus/ap/apmask</c>).</summary>
        public string Path { get; }
        public TimeSpan Duration { get; }

        /// <summary>Parses <c>read|write:&lt;path&gt;:&lt;seconds&gt;</c>; null with <paramref name="error"/> when it is not that.</summary>
        public static AttributeStall? Parse(string text, out string? error)
        {
            error = null;
            int first = text.IndexOf(':');
            int last = text.LastIndexOf(':');
            string op = first > 0 ? text.Substring(0, first) : "";
            if (first < 0 || last <= first + 1 || (op != "read" && op != "write")
                || !double.TryParse(text.Substring(last + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 86400)
            {
                error = $"--stall '{text}' is not read|write:<path>:<seconds> (seconds above 0, at most 86400).";
                return null;
            }
            return new AttributeStall(op == "write", text.Substring(first + 1, last - first - 1).Trim('/'), TimeSpan.FromSeconds(seconds));
        }
    }

    /// <summary>
    /// A tree whose chosen attributes hang before they answer, as a real attribute does whose show or store function
    /// waits on firmware or a lock (a card that stopped answering, a reset that never ends): the test bed for command
    /// timeouts that name the host and the attribute. Everything else passes straight through.
    /// </summary>
    internal sealed class StallingTree : ISysfsTree
    {
        private readonly ISysfsTree _inner;
        private readonly IReadOnlyList<AttributeStall> _stalls;
        private readonly Action<string> _log;

        public StallingTree(ISysfsTree inner, IReadOnlyList<AttributeStall> stalls, Action<string> log)
        {
            _inner = inner;
            _stalls = stalls;
            _log = log;
        }

        public SysfsNode? Lookup(string path) => _inner.Lookup(path);

        public IReadOnlyList<string>? List(string path) => _inner.List(path);

        public string Read(string path)
        {
            Stall(path, onWrite: false);
            return _inner.Read(path);
        }

        public void Write(string path, string value)
        {
            Stall(path, onWrite: true);
            _inner.Write(path, value);
        }

        private void Stall(string path, bool onWrite)
        {
            var p = path.Trim('/');
            foreach (var s in _stalls)
            {
                if (s.OnWrite != onWrite || !string.Equals(s.Path, p, StringComparison.Ordinal)) continue;
                _log($"VfioAp.SimFs: {(onWrite ? "write to" : "read of")} {p} stalls for {s.Duration.TotalSeconds:0.#} s (--stall)");
                Thread.Sleep(s.Duration);
            }
        }
    }
}
