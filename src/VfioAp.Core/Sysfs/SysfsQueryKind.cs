using System;
using System.Collections.Generic;
using VfioAp.Core.Model;

namespace VfioAp.Core.Sysfs
{
    public enum SysfsQueryKind
    {
        /// <summary>The file's text.</summary>
        Content,
        /// <summary>The symlink's target as <c>readlink</c> prints it (e.g. <c>../../../../bus/ap/drivers/vfio_ap</c>).</summary>
        Link,
        /// <summary>Only that the path exists (a directory or a file); no content is read.</summary>
        Exists,
    }
}
