using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The scenarios the module ships: mostly data. The small ones are the worked examples of
    /// about_VfioAp_Apcb: WORKED EXAMPLES, kept as JSON text so they go through the same reader as users' files; the
    /// large ones are generated (deterministically) as JSON too.
    /// </summary>
    internal static class BuiltInScenarios
    {
        public static readonly IReadOnlyList<string> Names = new[] { "seed", "kernel-doc", "over-provisioned", "large-60x85", "large-256x256" };

        public static string? Json(string name)
        {
            switch (name?.Trim().ToLowerInvariant())
            {
                case "seed": return Seed;
                case "kernel-doc": return KernelDoc;
                case "over-provisioned": return OverProvisioned;
                case "large-60x85": return Large60x85();
                case "large-256x256": return Large256x256();
                default: return null;
            }
        }

        /// <summary>
        /// about_VfioAp_Apcb: WORKED EXAMPLES, "The seed host" (from the review of "s390/vfio-ap: initialize the guest
        /// apcb"): 05.0035 is not bound to vfio_ap, so adapter 05 is filtered from the guest.
        /// </summary>
        private const string Seed = """
            {
              "name": "seed",
              "description": "05.0035 is not bound to vfio_ap, so APID 05 is filtered from the guest",
              "maxAdapterId": 255, "maxDomainId": 255,
              "cards": [ { "id": "0x04", "type": "CEX8C" }, { "id": "0x05", "type": "CEX8C" } ],
              "hostConfig": { "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": ["0x04", "0x22", "0x35"] },
              "apmask": "-4,-5",
              "aqmask": "-4,-0x22,-0x35",
              "queues": { "05.0035": { "driver": null } },
              "mdevs": [ { "uuid": "62177883-f1bb-47f0-914d-32a22e3a8804",
                           "adapters": ["0x04", "0x05"], "domains": ["0x04", "0x22", "0x35"], "controlDomains": [],
                           "guest": null } ]
            }
            """;

        /// <summary>
        /// about_VfioAp_Apcb: WORKED EXAMPLES, "The kernel documentation example" (Documentation/arch/s390/vfio-ap.rst): adapters 05 (CEX5C) and 06 (CEX5A),
        /// domains 4, 0x47, 0xab, 0xff, three guests. Assigning adapter 6 to guest 2's mdev then fails with
        /// EADDRINUSE because 06.0047 and 06.00ff belong to guest 3.
        /// </summary>
        private const string KernelDoc = """
            {
              "name": "kernel-doc",
              "description": "The three guests of the kernel's vfio-ap documentation: adapters 5 and 6, domains 4, 0x47, 0xab, 0xff",
              "cards": [ { "id": 5, "type": "CEX5C" }, { "id": 6, "type": "CEX5A" } ],
              "hostConfig": { "domains": [4, "0x47", "0xab", "0xff"], "controlDomains": [4, "0x47", "0xab", "0xff"] },
              "apmask": "-5,-6",
              "aqmask": "-4,-0x47,-0xab,-0xff",
              "mdevs": [
                { "uuid": "4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a51", "adapters": [5, 6], "domains": [4, "0xab"], "controlDomains": [4, "0xab"], "guest": "guest1" },
                { "uuid": "4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a52", "adapters": [5], "domains": ["0x47", "0xff"], "controlDomains": ["0x47", "0xff"], "guest": "guest2" },
                { "uuid": "4b5b8d7a-1f4a-4b8e-9c2a-0c1d2e3f4a53", "adapters": [6], "domains": ["0x47", "0xff"], "controlDomains": ["0x47", "0xff"], "guest": "guest3" }
              ]
            }
            """;

        /// <summary>
        /// about_VfioAp_Apcb: WORKED EXAMPLES, "An over-provisioned domain": domain 0x47 is assigned but not (yet) in
        /// the host configuration, so it is cut and no adapter is dropped.
        /// </summary>
        private const string OverProvisioned = """
            {
              "name": "over-provisioned",
              "description": "Domain 0047 is assigned but not in the host configuration: it is cut, no adapter is dropped",
              "cards": [ { "id": "0x05", "type": "CEX8C" }, { "id": "0x06", "type": "CEX8C" } ],
              "hostConfig": { "adapters": ["0x05", "0x06"], "domains": ["0x04"], "controlDomains": ["0x04"] },
              "apmask": "-5,-6",
              "mdevs": [ { "uuid": "9b1c5a64-3b1e-4c39-8a55-0d6f2b7e1c47", "adapters": ["0x05", "0x06"], "domains": ["0x04", "0x47"], "controlDomains": [], "guest": null } ]
            }
            """;

        private static readonly string[] CardTypes = { "CEX8C", "CEX8P", "CEX8A", "CEX7C", "CEX8C", "CEX7P" };

        private static string Uuid(int group, int index) => $"{group:x8}-0000-4000-8000-{index:x12}";

        private static JArray Ids(IEnumerable<int> ids) => new JArray(ids.Select(i => (object)("0x" + i.ToString("x2", CultureInfo.InvariantCulture))).ToArray());

        private static string Apqn(int a, int d) => a.ToString("x2", CultureInfo.InvariantCulture) + "." + d.ToString("x4", CultureInfo.InvariantCulture);

        /// <summary>
        /// A typical large LPAR: 60 adapters × 85 domains (5,100 queues). vfio_ap gets adapters 0x28–0x3b and
        /// domains 0x30–0x5f; twelve mdevs (eight with running guests) share them; a few queues are unbound, gone
        /// or failed their reset, so the kernel filters adapters from some guests; one mdev is over-provisioned.
        /// </summary>
        private static string Large60x85()
        {
            const int adapters = 60, domains = 85;
            var mdevs = new JArray();
            var specs = new List<(int[] A, int[] D)>();
            for (int k = 0; k < 10; k++)
                specs.Add((new[] { 0x28 + 2 * k, 0x29 + 2 * k }, Enumerable.Range(0x30 + 3 * k, 4).ToArray()));
            specs.Add((new[] { 0, 1, 2, 3 }, new[] { 0x50, 0x51, 0x52 }));
            specs.Add((new[] { 4, 5 }, new[] { 0x53, 0x54, 0x55 })); // 0x55 is not in the host configuration
            for (int k = 0; k < specs.Count; k++)
                mdevs.Add(new JObject
                {
                    ["uuid"] = Uuid(0x6085, k + 1),
                    ["adapters"] = Ids(specs[k].A),
                    ["domains"] = Ids(specs[k].D),
                    ["controlDomains"] = Ids(specs[k].D.Where(d => d < domains)),
                    ["guest"] = k < 8 ? $"guest{k + 1:00}" : null,
                });
            var queues = new JObject
            {
                [Apqn(specs[2].A[0], specs[2].D[0])] = new JObject { ["driver"] = null },
                [Apqn(specs[5].A[1], specs[5].D[2])] = new JObject { ["resetFailed"] = true },
                [Apqn(specs[10].A[2], specs[10].D[1])] = new JObject { ["exists"] = false },
                [Apqn(0x3b, 0x10)] = new JObject { ["driver"] = null },
                [Apqn(0x07, 0x05)] = new JObject { ["online"] = false },
            };
            var doc = new JObject
            {
                ["name"] = "large-60x85",
                ["description"] = "60 adapters x 85 domains (5,100 queues), 12 mdevs, some adapters filtered from guests",
                ["maxAdapterId"] = 255,
                ["maxDomainId"] = 255,
                ["cards"] = new JArray(Enumerable.Range(0, adapters).Select(i => new JObject { ["id"] = i, ["type"] = CardTypes[i % CardTypes.Length] })),
                ["hostConfig"] = new JObject
                {
                    ["adapters"] = Ids(Enumerable.Range(0, adapters)),
                    ["domains"] = Ids(Enumerable.Range(0, domains)),
                    ["controlDomains"] = Ids(Enumerable.Range(0, domains)),
                },
                ["apmask"] = "-0x28-0x3b",
                ["aqmask"] = "-0x30-0x5f",
                ["queues"] = queues,
                ["mdevs"] = mdevs,
            };
            return doc.ToString(Formatting.Indented);
        }

        /// <summary>
        /// The architectural limit: 256 adapters × 256 domains (65,536 queues). vfio_ap gets adapters and domains
        /// 0x80–0xff; sixteen mdevs of 8 adapters × 128 domains each (1,024 APQNs) cover them, half with guests.
        /// </summary>
        private static string Large256x256()
        {
            var mdevs = new JArray();
            var vfioDomains = Enumerable.Range(0x80, 128).ToArray();
            for (int k = 0; k < 16; k++)
                mdevs.Add(new JObject
                {
                    ["uuid"] = Uuid(0x256256, k + 1),
                    ["adapters"] = Ids(Enumerable.Range(0x80 + 8 * k, 8)),
                    ["domains"] = Ids(vfioDomains),
                    ["controlDomains"] = Ids(new[] { 0x80 + k }),
                    ["guest"] = k % 2 == 0 ? $"guest{k + 1:00}" : null,
                });
            var queues = new JObject
            {
                [Apqn(0x80 + 8 * 3 + 1, 0x90)] = new JObject { ["driver"] = null },
                [Apqn(0x80 + 8 * 7 + 2, 0xa0)] = new JObject { ["exists"] = false },
                [Apqn(0x80 + 8 * 11 + 3, 0xb0)] = new JObject { ["resetFailed"] = true },
                [Apqn(0x10, 0x20)] = new JObject { ["driver"] = null },
            };
            var doc = new JObject
            {
                ["name"] = "large-256x256",
                ["description"] = "256 adapters x 256 domains (65,536 queues), 16 mdevs of 1,024 APQNs",
                ["maxAdapterId"] = 255,
                ["maxDomainId"] = 255,
                ["cards"] = new JArray(Enumerable.Range(0, 256).Select(i => new JObject { ["id"] = i, ["type"] = CardTypes[i % CardTypes.Length] })),
                ["hostConfig"] = new JObject
                {
                    ["adapters"] = Ids(Enumerable.Range(0, 256)),
                    ["domains"] = Ids(Enumerable.Range(0, 256)),
                    ["controlDomains"] = Ids(Enumerable.Range(0, 256)),
                },
                ["apmask"] = "-0x80-0xff",
                ["aqmask"] = "-0x80-0xff",
                ["queues"] = queues,
                ["mdevs"] = mdevs,
            };
            return doc.ToString(Formatting.Indented);
        }
    }
}
