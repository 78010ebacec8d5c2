namespace VfioAp.Core.Simulation
{
    /// <summary>
    /// The attribute files each kind of sysfs directory has, with the permission bits sysfs shows for them
    /// (about_VfioAp_Kernel: SYSFS LAYOUT). Files that depend on the driver or the kernel's features are in their
    /// own tables and added by the tree where they apply.
    /// </summary>
    internal static class AttributeTable
    {
        public const int ModeRO = 0x124;   // 0444
        public const int ModeRW = 0x1A4;   // 0644
        public const int ModeWO = 0x80;    // 0200
        public const int ModeDir = 0x1ED;  // 0755
        public const int ModeLink = 0x1FF; // 0777

        public static readonly (string Name, int Mode)[] BusAp =
        {
            ("ap_adapter_mask", ModeRO), ("ap_control_domain_mask", ModeRO), ("ap_domain", ModeRW), ("ap_interrupts", ModeRO),
            ("ap_max_adapter_id", ModeRO), ("ap_max_domain_id", ModeRO), ("ap_usage_domain_mask", ModeRO), ("apmask", ModeRW),
            ("aqmask", ModeRW), ("bindings", ModeRO), ("config_time", ModeRW), ("poll_thread", ModeRW), ("poll_timeout", ModeRW), ("scans", ModeRW),
        };

        /// <summary>ap_card.c's attributes: present whatever the driver.</summary>
        public static readonly (string Name, int Mode)[] Card =
        {
            ("ap_functions", ModeRO), ("chkstop", ModeRO), ("config", ModeRW), ("depth", ModeRO), ("hwtype", ModeRO), ("max_msg_size", ModeRO),
            ("modalias", ModeRO), ("pendingq_count", ModeRO), ("raw_hwtype", ModeRO), ("request_count", ModeRW), ("requestq_count", ModeRO),
        };

        /// <summary>zcrypt_card.c's attributes: only while cex4card holds the card.</summary>
        public static readonly (string Name, int Mode)[] CardZcrypt = { ("load", ModeRO), ("online", ModeRW), ("type", ModeRO) };

        /// <summary>ap_queue.c's attributes (without the CONFIG_ZCRYPT_DEBUG ones, states and last_err_rc).</summary>
        public static readonly (string Name, int Mode)[] Queue =
        {
            ("ap_functions", ModeRO), ("chkstop", ModeRO), ("config", ModeRO), ("interrupt", ModeRO), ("pendingq_count", ModeRO),
            ("request_count", ModeRW), ("requestq_count", ModeRO), ("reset", ModeRW),
        };

        /// <summary>zcrypt_queue.c's attributes: only while cex4queue holds the queue.</summary>
        public static readonly (string Name, int Mode)[] QueueZcrypt = { ("load", ModeRO), ("online", ModeRW) };

        /// <summary>vfio_ap's queue attribute group: only while vfio_ap holds the queue.</summary>
        public static readonly (string Name, int Mode)[] QueueVfio = { ("status", ModeRO) };

        /// <summary>An mdev's attributes on every kernel (ap_config and guest_matrix depend on its features).</summary>
        public static readonly (string Name, int Mode)[] Mdev =
        {
            ("assign_adapter", ModeWO), ("assign_control_domain", ModeWO), ("assign_domain", ModeWO), ("control_domains", ModeRO),
            ("matrix", ModeRO), ("remove", ModeWO), ("unassign_adapter", ModeWO), ("unassign_control_domain", ModeWO), ("unassign_domain", ModeWO),
        };

        public static readonly (string Name, int Mode)[] MdevType =
        {
            ("available_instances", ModeRO), ("create", ModeWO), ("device_api", ModeRO), ("name", ModeRO),
        };

        public static readonly (string Name, int Mode)[] Driver = { ("bind", ModeWO), ("unbind", ModeWO) };

        /// <summary>The AP bus drivers that have a directory under bus/ap/drivers.</summary>
        public static readonly string[] BusDrivers = { KernelState.CardDriverName, KernelState.QueueDriverName, KernelState.VfioDriverName };
    }
}
