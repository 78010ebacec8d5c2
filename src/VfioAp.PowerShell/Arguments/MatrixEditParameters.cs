using System.Management.Automation;
using VfioAp.Core.Rules;

namespace VfioAp.PowerShell.Arguments
{
    /// <summary>
    /// The matrix ids plus how they change an existing mdev's matrix (-Add, the default; -Remove; -Replace), declared once
    /// for Set-VfioApMatrix, which applies the change, and Test-VfioApMatrix, which checks it. Each switch names its own
    /// parameter set; the cmdlets make <see cref="AddSet"/> their default.
    /// </summary>
    public sealed class MatrixEditParameters : MatrixIdParameters
    {
        /// <summary>Parameter set names.</summary>
        public const string AddSet = "Add", RemoveSet = "Remove", ReplaceSet = "Replace";

        /// <summary>The ids join the mdev's matrix (the default).</summary>
        [Parameter(ParameterSetName = AddSet)]
        public SwitchParameter Add { get; set; }

        /// <summary>The ids leave the mdev's matrix.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RemoveSet)]
        public SwitchParameter Remove { get; set; }

        /// <summary>The kinds of ids given replace the mdev's; a kind not given is kept.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ReplaceSet)]
        public SwitchParameter Replace { get; set; }

        /// <summary>What the switches ask for.</summary>
        public MatrixChange Change => Remove ? MatrixChange.Remove : Replace ? MatrixChange.Replace : MatrixChange.Add;
    }
}
