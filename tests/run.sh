#!/usr/bin/env bash
# The project's test command (README command 2; .ci/run calls it).
# Installs what is missing, builds Release once, runs every xunit project and every Pester test in real pwsh, and
# prints as its last line: N passed, N failed, N skipped (xunit + Pester). Exits non-zero on any failure or crash.
# Works unattended: CI=true, no stdin.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DEBIAN_FRONTEND=noninteractive
results="$repo/tests/TestResults"
rm -rf "$results" && mkdir -p "$results"

passed=0 failed=0 skipped=0 crashed=()

summary() {
    for c in "${crashed[@]+"${crashed[@]}"}"; do echo "CRASHED: $c" ; done
    echo "$passed passed, $failed failed, $skipped skipped"
}

step() { echo; echo "==> $*"; }

# 1. System packages the test bed uses (sshd, ssh, ssh-agent and FUSE for the SSH and SimFs tests, mdevctl for its
#    formats, libvirt0 for libvirt's RNG schemas and libxml2-utils for xmllint, busybox for the read script under
#    BusyBox sh, iproute2 and systemd (ip netns, systemd-socket-activate) for the jump-host tests).
step "Debian packages"
missing=()
for p in openssh-server openssh-client fuse3 libfuse3-3 mdevctl libvirt0 libxml2-utils busybox iproute2 systemd; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing: ${missing[*]}"
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } </dev/null \
            || { echo "apt-get install of ${missing[*]} failed"; crashed+=("apt-get install ${missing[*]}"); }
    else
        echo "missing (not root, cannot install): ${missing[*]}; the tests that need them will say so"
    fi
else
    echo "all present"
fi

# 2. .NET tools (pwsh 7.6.9) and Pester 6.2.0 from NuGet.
step "dotnet tool restore; Pester"
if ! dotnet tool restore </dev/null || ! dotnet restore tests/pester/PesterPackage.csproj </dev/null; then
    crashed+=("tool/Pester restore")
    failed=$((failed + 1)); summary; exit 1
fi

# 3. One Release build of everything; the PowerShell project lays out ps-module/VfioAp/lib.
step "dotnet build VfioAp.PowerShell.sln -c Release"
if ! dotnet build VfioAp.PowerShell.sln -c Release -nologo -clp:ErrorsOnly </dev/null; then
    crashed+=("build")
    failed=$((failed + 1)); summary; exit 1
fi

# 4. xunit: every test project of the solution, no rebuild; counts from the trx files.
step "xunit"
projects=()
while IFS= read -r proj; do
    grep -q '<IsTestProject>true</IsTestProject>' "$proj" && projects+=("$proj")
done < <(dotnet sln VfioAp.PowerShell.sln list 2>/dev/null | grep -E '\.csproj$' | tr '\\' '/')
for proj in "${projects[@]}"; do
    name="$(basename "$proj" .csproj)"
    dotnet test "$proj" -c Release --no-build --no-restore --nologo \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results/xunit" </dev/null
    rc=$?
    trx="$results/xunit/$name.trx"
    if [ ! -f "$trx" ]; then
        crashed+=("xunit $name (exit $rc, no results)"); failed=$((failed + 1)); continue
    fi
    if ! counts_line="$(dotnet pwsh -NoProfile -NonInteractive -File tests/Read-TestCounts.ps1 "$trx" </dev/null)"; then
        crashed+=("xunit $name (exit $rc, unreadable results)"); failed=$((failed + 1)); continue
    fi
    read -r p f s <<<"$counts_line"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    echo "xunit $name: $p passed, $f failed, $s skipped (exit $rc)"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then crashed+=("xunit $name (exit $rc)"); failed=$((failed + 1)); fi
done

# 5. Pester 6.2.0 in real pwsh: tests/pester and the runbooks in examples/.
step "Pester"
counts="$results/pester.json"
dotnet pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-VfioApPester.ps1 -CountsFile "$counts" -ResultFile "$results/pester.xml" </dev/null
rc=$?
if [ -f "$counts" ] && counts_line="$(dotnet pwsh -NoProfile -NonInteractive -File tests/Read-TestCounts.ps1 "$counts" </dev/null)"; then
    read -r p f s <<<"$counts_line"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then crashed+=("Pester (exit $rc)"); failed=$((failed + 1)); fi
else
    crashed+=("Pester (exit $rc, no counts)"); failed=$((failed + 1))
fi

echo
summary
[ "$failed" -eq 0 ] && [ ${#crashed[@]} -eq 0 ]
