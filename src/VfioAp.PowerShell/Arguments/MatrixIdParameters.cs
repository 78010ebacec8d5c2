using System.Linq;
using System.Management.Automation;
using VfioAp.Core.Model;

namespace VfioAp.PowerShell.Arguments
{
    /// <summary>
    /// -Adapter, -Domain and -ControlDomain, declared once for every cmdlet that takes a matrix (New-VfioApMdev,
    /// Set-VfioApMatrix, Test-VfioApMatrix). Those cmdlets stand on different bases — two change a host, one only reads
    /// it — and a C# class has one base, so they hand PowerShell this object from GetDynamicParameters: PowerShell binds
    /// its properties like the cmdlet's own, and Get-Command, Tab completion and the help show them. Every id takes the
    /// kernel's syntax (5, 0x05, '05', ranges).
    /// </summary>
    public class MatrixIdParameters
    {
        /// <summary>Adapters (APIDs).</summary>
        [Parameter]
        [ApIdTransformation]
        [AllowEmptyCollection]
        public ApId[]? Adapter { get; set; }

        /// <summary>Usage domains (APQIs).</summary>
        [Parameter]
        [DomainIdTransformation]
        [AllowEmptyCollection]
        public DomainId[]? Domain { get; set; }

        /// <summary>Control domains.</summary>
        [Parameter]
        [DomainIdTransformation]
        [AllowEmptyCollection]
        public DomainId[]? ControlDomain { get; set; }

        /// <summary>No kind of id was given.</summary>
        public bool NoneGiven => Adapter is null && Domain is null && ControlDomain is null;

        /// <summary>The adapters given, or null when -Adapter was not given (an empty array is an empty mask).</summary>
        public ApMask? Adapters => Adapter is null ? null : ApMask.Of(Adapter.Select(a => (int)a));

        /// <summary>The usage domains given, or null when -Domain was not given.</summary>
        public ApMask? Domains => Domain is null ? null : ApMask.Of(Domain.Select(d => (int)d));

        /// <summary>The control domains given, or null when -ControlDomain was not given.</summary>
        public ApMask? ControlDomains => ControlDomain is null ? null : ApMask.Of(ControlDomain.Select(d => (int)d));

        /// <summary>The ids given as one matrix; a kind not given is empty.</summary>
        public ApMatrix ToMatrix() =>
            new ApMatrix(Adapters ?? ApMask.Empty, Domains ?? ApMask.Empty, ControlDomains ?? ApMask.Empty);
    }
}
