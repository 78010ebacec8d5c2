using System;
using VfioAp.Core.Model;
using VfioAp.Core.Sysfs;

namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// A physical crypto card of the simulated machine. Its card device (<c>devices/ap/cardXX</c>) exists only while
    /// the adapter is in the host AP configuration, as <c>ap_scan_adapter</c> removes cards that left it.
    /// </summary>
    internal sealed class SimCard
    {
        public SimCard(ApId id, string type, int generation)
        {
            Id = id;
            Type = type;
            HwType = CardType.HwTypeOf(generation);
        }

        public ApId Id { get; }
        /// <summary>zcrypt's <c>type</c> string (CEX8C …), shown only while cex4card holds the card.</summary>
        public string Type { get; }
        /// <summary><c>hwtype</c> and <c>raw_hwtype</c>: CEX4 = 10 … CEX8 = 14 (current kernels no longer map CEX6 to CEX5).</summary>
        public int HwType { get; }
        /// <summary>
        /// <c>ac-&gt;config</c>: set by a write of the card's <c>config</c> (SCLP configure/deconfigure) at once, and by
        /// the bus scan from what TAPQ answers. The adapter itself is in that state from the moment SCLP answered.
        /// </summary>
        public bool Config { get; set; } = true;
        /// <summary><c>ac-&gt;chkstop</c>: what the last bus scan saw (<see cref="HwCheckstop"/>).</summary>
        public bool Checkstop { get; set; }
        /// <summary>The adapter's hardware checkstop; the card and queue devices show it only after the next bus scan.</summary>
        public bool HwCheckstop { get; set; }
        /// <summary>zcrypt's card online flag; <c>online</c> shows <c>config &amp;&amp; online</c>.</summary>
        public bool ZcryptOnline { get; set; } = true;
        /// <summary>True while the card device exists (adapter in the host AP configuration).</summary>
        public bool Present { get; set; }
        /// <summary>cex4card or null.</summary>
        public string? Driver { get; set; }

        /// <summary>
        /// The facility bits of TAPQ as <c>ap_functions</c> prints them (<c>0x%08X</c>): MEX4K, CRT4K, the mode bit
        /// (COPRO, ACCEL or EP11) and APXA. The real value also carries machine-specific bits; these are enough for
        /// what tools read from it (the mode).
        /// </summary>
        public uint Functions
        {
            get
            {
                uint f = 0x40000000u | 0x20000000u | 0x02000000u;
                switch (Type[Type.Length - 1])
                {
                    case 'C': f |= 0x10000000u; break;
                    case 'A': f |= 0x08000000u; break;
                    case 'P': f |= 0x04000000u; break;
                }
                return f;
            }
        }

        public string Name => SysfsLayout.CardName(Id);
    }

    /// <summary>A queue device (<c>devices/ap/cardXX/XX.YYYY</c>).</summary>
    internal sealed class SimQueue
    {
        public SimQueue(Apqn apqn, SimCard card)
        {
            Apqn = apqn;
            Card = card;
            // ap_scan_domains creates the device with what TAPQ answers now.
            Config = card.Config;
            Checkstop = card.HwCheckstop;
        }

        public Apqn Apqn { get; }
        public SimCard Card { get; }
        /// <summary>cex4queue, vfio_ap or null (unbound).</summary>
        public string? Driver { get; set; }
        /// <summary>zcrypt's queue online flag (set to 1 each time cex4queue probes the queue).</summary>
        public bool ZcryptOnline { get; set; } = true;
        /// <summary>
        /// vfio_ap's <c>q-&gt;reset_status.response_code != 0</c>: lives in vfio_ap's per-queue object, so it is
        /// forgotten when the queue leaves vfio_ap.
        /// </summary>
        public bool ResetFailed { get; set; }
        /// <summary>
        /// <c>aq-&gt;config</c>: follows the adapter's configuration only at a bus scan (TAPQ answers DECONFIGURED), not
        /// when the card's <c>config</c> is written, so between the two the queue still says 1.
        /// </summary>
        public bool Config { get; set; }
        /// <summary><c>aq-&gt;chkstop</c>, likewise set at a bus scan.</summary>
        public bool Checkstop { get; set; }
        /// <summary>
        /// The AP bus's queue state machine is in RESET_START (what <c>reset</c> shows as "Reset in progress."). A new
        /// device starts there (zeroed memory); only a queue cex4queue drives (dev_state above UNINITIATED), configured
        /// and not checkstopped, runs the machine and completes the reset. vfio_ap never runs it.
        /// </summary>
        public bool ResetPending { get; set; } = true;
        public string Name => Apqn.ToString();
    }

    /// <summary>A vfio_ap mediated device: its matrix and the shadow APCB the kernel keeps for it.</summary>
    internal sealed class SimMdev
    {
        public SimMdev(Guid uuid)
        {
            Uuid = uuid;
            Name = SysfsLayout.FormatUuid(uuid);
        }

        public Guid Uuid { get; }
        public string Name { get; }
        public ApMask Apm { get; set; }
        public ApMask Aqm { get; set; }
        public ApMask Adm { get; set; }
        public ApMask ShadowApm { get; set; }
        public ApMask ShadowAqm { get; set; }
        public ApMask ShadowAdm { get; set; }
        /// <summary>Adapters, domains, control domains added to the host configuration while a bus scan is running (<c>apm_add</c> …).</summary>
        public ApMask AddApm { get; set; }
        public ApMask AddAqm { get; set; }
        public ApMask AddAdm { get; set; }
        /// <summary>The KVM guest using the mdev, or null.</summary>
        public string? Guest { get; set; }

        public ApMatrix Matrix => new ApMatrix(Apm, Aqm, Adm);
        public ApMatrix Shadow => new ApMatrix(ShadowApm, ShadowAqm, ShadowAdm);
        public bool Holds(Apqn q) => Apm.Contains(q.Adapter) && Aqm.Contains(q.Domain);
    }
}
