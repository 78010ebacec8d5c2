<#
.SYNOPSIS
    Prints "passed failed skipped" of one result file for tests/run.sh: a VSTest .trx (xunit) or the counts .json that
    Invoke-VfioApPester.ps1 writes. Exits 1 when the file is missing or has no counts, so a crashed runner is never
    read as "0 failed".
#>
param([Parameter(Mandatory)] [string] $Path)
$ErrorActionPreference = 'Stop'
try {
    if ($Path -like '*.trx') {
        $c = ([xml](Get-Content -Raw $Path)).TestRun.ResultSummary.Counters
        if ($null -eq $c) { throw "no ResultSummary/Counters in $Path" }
        $passed = [int]$c.passed
        $failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        $skipped = [int]$c.notExecuted
    }
    else {
        $c = Get-Content -Raw $Path | ConvertFrom-Json
        foreach ($name in 'passed', 'failed', 'skipped') {
            if ($c.$name -isnot [long] -and $c.$name -isnot [int]) { throw "'$name' is missing or not a number in $Path" }
        }
        $passed, $failed, $skipped = [int]$c.passed, [int]$c.failed, [int]$c.skipped
    }
    "$passed $failed $skipped"
}
catch {
    [Console]::Error.WriteLine("Read-TestCounts: $_")
    exit 1
}
