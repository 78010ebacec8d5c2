namespace VfioAp.PowerShell.Hosting
{
    /// <summary>A warning a host query returns among its results; <see cref="ApSessionCmdlet"/> writes it with Write-Warning, naming the host.</summary>
    public sealed class HostWarning
    {
        public HostWarning(string text) { Text = text; }
        public string Text { get; }
        public override string ToString() => Text;
    }
}
