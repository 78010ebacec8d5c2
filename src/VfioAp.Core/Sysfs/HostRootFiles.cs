using System;
using System.Linq;
using VfioAp.Core.Rules;

namespace VfioAp.Core.Sysfs
{
    /// <summary>
    /// File steps and preconditions under the host root, made absolute for a transport whose host files are a
    /// directory it reaches by path (a <c>-HostRoot</c> tree here, the host's <c>/</c> over SSH): the same resolution a
    /// host-root read gets, so what a plan writes there is what the next read of the host finds.
    /// </summary>
    public static class HostRootFiles
    {
        /// <summary>The request with every host-root path put under <paramref name="hostRoot"/>; the request itself when it has none.</summary>
        public static PlanRequest Resolve(PlanRequest request, string? hostRoot, string hostName)
        {
            if (!request.Steps.Any(s => s.UnderHostRoot) && !request.Preconditions.Any(p => p.UnderHostRoot)) return request;
            if (hostRoot is null)
                throw new ArgumentException($"Host '{hostName}': this session reads no host root, so a file of the host's own (/{request.Steps.FirstOrDefault(s => s.UnderHostRoot)?.Target ?? request.Preconditions.First(p => p.UnderHostRoot).Path}) has no place to go. Open the session with -HostRoot.", nameof(hostRoot));
            var steps = request.Steps.Select(s => Resolve(s, hostRoot)).ToList();
            var preconditions = request.Preconditions.Select(p => p.UnderHostRoot ? new SysfsPrecondition(Under(hostRoot, p.Path), p.Expected) : p).ToList();
            return new PlanRequest(steps, request.ReadAfter, preconditions, request.LockTimeout, request.Cancel, request.Waiting, request.Hold);
        }

        public static string Under(string hostRoot, string path) => hostRoot.TrimEnd('/') + "/" + path;

        private static PlanStep Resolve(PlanStep step, string hostRoot) => step switch
        {
            FileWriteStep w when w.UnderHostRoot => new FileWriteStep(Under(hostRoot, w.Path), w.Content, w.Previous, w.What),
            FileRemoveStep r when r.UnderHostRoot => new FileRemoveStep(Under(hostRoot, r.Path), r.Previous, r.What),
            _ => step,
        };
    }
}
