using System;
using System.Collections.Generic;

namespace VfioAp.Core.Model
{
    public static class CardType
    {
        public const int MinPassThroughHwType = 10;

        /// <summary>CEX4 = 10 … CEX8 = 14: the generation is hwtype − 6.</summary>
        public static int? Generation(string? type, int hwType)
        {
            if (type is { Length: >= 5 } && type.StartsWith("CEX", StringComparison.Ordinal) && char.IsDigit(type[3]))
                return type[3] - '0';
            return hwType >= 10 ? hwType - 6 : (int?)null;
        }

        public static int HwTypeOf(int generation) => generation + 6;

        public static string? Mode(string? type)
        {
            if (type is null || type.Length < 5) return null;
            return type[type.Length - 1] switch
            {
                'A' => "Accelerator",
                'C' => "CCA-Coprocessor",
                'P' => "EP11-Coprocessor",
                _ => null,
            };
        }

        /// <summary>Checks a type string as a scenario or user gives it: CEX, a generation 4–8, and A, C or P.</summary>
        public static bool TryParse(string text, out int generation, out char mode)
        {
            generation = 0;
            mode = '\0';
            if (text.Length != 5 || !text.StartsWith("CEX", StringComparison.Ordinal)) return false;
            generation = text[3] - '0';
            mode = text[4];
            return generation >= 4 && generation <= 8 && (mode == 'A' || mode == 'C' || mode == 'P');
        }
    }
}
