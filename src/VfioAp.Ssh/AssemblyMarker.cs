namespace VfioAp.Ssh { internal static class AssemblyMarker { } }
