using System;

namespace VfioAp.Core.Persistence
{
    /// <summary>
    /// One entry of mdevctl's ordered <c>attrs</c> list: the name of a sysfs attribute of the mdev and the text
    /// mdevctl writes to it, in order, when it starts the device.
    /// </summary>
    public sealed class MdevctlAttribute : IEquatable<MdevctlAttribute>
    {
        public const string AssignAdapter = "assign_adapter";
        public const string AssignDomain = "assign_domain";
        public const string AssignControlDomain = "assign_control_domain";
        public const string UnassignAdapter = "unassign_adapter";
        public const string UnassignDomain = "unassign_domain";
        public const string UnassignControlDomain = "unassign_control_domain";
        public const string ApConfig = "ap_config";

        public MdevctlAttribute(string name, string value)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Value = value ?? throw new ArgumentNullException(nameof(value));
        }

        public string Name { get; }
        public string Value { get; }

        /// <summary>True for the attributes through which an mdevctl definition sets a vfio_ap matrix.</summary>
        public bool IsMatrixAttribute => IsMatrixAttributeName(Name);

        public static bool IsMatrixAttributeName(string name) => name switch
        {
            AssignAdapter or AssignDomain or AssignControlDomain or UnassignAdapter or UnassignDomain or UnassignControlDomain or ApConfig => true,
            _ => false,
        };

        public bool Equals(MdevctlAttribute? other) => other is not null && Name == other.Name && Value == other.Value;
        public override bool Equals(object? obj) => Equals(obj as MdevctlAttribute);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name) * 31 + StringComparer.Ordinal.GetHashCode(Value);
        /// <summary>As <c>mdevctl list -v</c> shows an attribute.</summary>
        public override string ToString() => "{\"" + Name + "\":\"" + Value + "\"}";
    }
}
