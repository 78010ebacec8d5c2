using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;
using VfioAp.PowerShell.Errors;
using VfioAp.Ssh;
using Xunit;
using Xunit.Abstractions;

namespace VfioAp.Integration.Tests
{
    /// <summary>
    /// The fault campaign of the read and plan scripts' output (issue 22), deterministic and seeded: real outputs
    /// recorded from the built-in scenarios are cut at random offsets, get bytes flipped, and lose or repeat a record,
    /// and go through the path a remote command's output takes (the bounded reader, the parser, the snapshot). Each must
    /// end in a documented error id or a snapshot, never another exception; a cut output is never taken as whole.
    /// </summary>
    public sealed class RemoteOutputFaultTests : IClassFixture<RemoteOutputRecordings>
    {
        private static readonly string Seed = new PCG(22, 20261204).ToString();
        private const int Iterations = 3000;
        private static readonly string[] Kinds = { "cut", "flip", "repeat", "drop" };
        private readonly RemoteOutputRecordings _recordings;
        private readonly ITestOutputHelper _out;

        public RemoteOutputFaultTests(RemoteOutputRecordings recordings, ITestOutputHelper output)
        {
            _recordings = recordings;
            _out = output;
        }

        [Fact]
        public void Every_recorded_output_reads_whole_as_it_is()
        {
            Assert.True(_recordings.All.Count >= 10, "the scenarios give at least ten recordings");
            foreach (var r in _recordings.All)
                Assert.Equal(r.IsPlan ? "Applied" : "Snapshot", RemoteOutputOutcome.Of(r, r.Output));
        }

        [Fact]
        public void Cut_flipped_repeated_or_missing_records_end_in_a_documented_id_or_a_snapshot()
        {
            var outcomes = new ConcurrentDictionary<string, int>();
            var unexpected = new ConcurrentBag<string>();
            var gen = Gen.Select(Gen.Int[0, _recordings.All.Count - 1], Gen.Int[0, Kinds.Length - 1], Gen.Int[0, int.MaxValue]);
            gen.Sample((which, kind, seed) =>
            {
                var rec = _recordings.All[which];
                var (bytes, cutBeforeEnd) = Mutate(rec.Output, Kinds[kind], new Random(seed));
                string outcome = RemoteOutputOutcome.Of(rec, bytes);
                outcomes.AddOrUpdate($"{Kinds[kind]} -> {outcome}", 1, (_, n) => n + 1);
                if (outcome.StartsWith("unexpected", StringComparison.Ordinal))
                    unexpected.Add($"{rec.Name} {Kinds[kind]} seed {seed}: {outcome}");
                if (cutBeforeEnd && (outcome == "Snapshot" || outcome == "Applied"))
                    unexpected.Add($"{rec.Name} cut seed {seed}: a cut output was taken as whole");
            }, seed: Seed, iter: Iterations, threads: 1);
            foreach (var kv in outcomes.OrderBy(k => k.Key, StringComparer.Ordinal)) _out.WriteLine($"{kv.Key}: {kv.Value}");
            Assert.Empty(unexpected);
            Assert.Equal(Iterations, outcomes.Values.Sum());
            // Every kind of fault was injected, and the cuts were caught, not only parsed around.
            foreach (var k in Kinds) Assert.Contains(outcomes.Keys, o => o.StartsWith(k + " ", StringComparison.Ordinal));
            Assert.Contains(outcomes.Keys, o => o.StartsWith("cut -> " + VfioApErrorId.RemoteOutputInvalid, StringComparison.Ordinal));
        }

        /// <summary>The output with one fault; for a cut, whether it fell before the last record (Z) began.</summary>
        internal static (byte[] Bytes, bool CutBeforeEnd) Mutate(byte[] output, string kind, Random r)
        {
            switch (kind)
            {
                case "cut":
                    int at = r.Next(output.Length);
                    int lastZ = LastLineStart(output);
                    return (output.Take(at).ToArray(), at <= lastZ);
                case "flip":
                    var flipped = (byte[])output.Clone();
                    for (int i = 0, n = r.Next(1, 9); i < n; i++) flipped[r.Next(flipped.Length)] ^= (byte)r.Next(1, 256);
                    return (flipped, false);
                default:
                    var lines = Split(output);
                    int line = r.Next(lines.Count);
                    if (kind == "repeat") lines.Insert(line, lines[line]);
                    else lines.RemoveAt(line);
                    return (lines.SelectMany(l => l).ToArray(), false);
            }
        }

        private static int LastLineStart(byte[] output)
        {
            int end = output.Length - 1;
            if (end >= 0 && output[end] == (byte)'\n') end--;
            int nl = Array.LastIndexOf(output, (byte)'\n', Math.Max(end, 0));
            return nl + 1;
        }

        /// <summary>Lines with their '\n', so joining them gives the bytes back.</summary>
        private static List<byte[]> Split(byte[] output)
        {
            var lines = new List<byte[]>();
            int start = 0;
            for (int i = 0; i < output.Length; i++)
                if (output[i] == (byte)'\n') { lines.Add(output.Skip(start).Take(i + 1 - start).ToArray()); start = i + 1; }
            if (start < output.Length) lines.Add(output.Skip(start).ToArray());
            return lines;
        }
    }
}
