namespace VfioAp.PowerShell { internal static class AssemblyMarker { } }
