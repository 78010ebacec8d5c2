namespace VfioAp.Core.Persistence
{
    /// <summary>mdevctl's <c>start</c>: <c>auto</c> starts the mdev when its parent appears (at boot), <c>manual</c> only on <c>mdevctl start</c>.</summary>
    public enum MdevStartMode
    {
        Manual = 0,
        Auto = 1,
    }

    public static class MdevStartModeText
    {
        /// <summary>The word mdevctl writes.</summary>
        public static string ToMdevctl(this MdevStartMode mode) => mode == MdevStartMode.Auto ? "auto" : "manual";

        /// <summary>
        /// mdevctl 1.2 reads exactly <c>"auto"</c> as auto and every other string as manual (verified by running it);
        /// <paramref name="exact"/> is false for such other strings so callers can warn.
        /// </summary>
        public static MdevStartMode FromMdevctl(string text, out bool exact)
        {
            exact = text == "auto" || text == "manual";
            return text == "auto" ? MdevStartMode.Auto : MdevStartMode.Manual;
        }
    }
}
