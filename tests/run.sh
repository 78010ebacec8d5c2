#!/usr/bin/env bash
# The project's test command (README command 2; .ci/run calls it).
# Installs what is missing, builds Release once, runs every xunit project and every Pester test in real pwsh, and
# prints as its last line: N passed, N failed, N skipped (xunit + Pester). Exits non-zero on any failure or crash.
# Works unattended: CI=true, no stdin.
#
# The inner loop while working on the code (README, "Tests"):
#   tests/run.sh --fast                  everything but the tests tagged Slow (Pester -ExcludeTag Slow, xunit
#                                        --filter Category!=Slow), skipping restores already done
#   tests/run.sh --fast --exclude-tag Fuse   ... and nothing that mounts FUSE (a machine without /dev/fuse)
#   tests/run.sh --tag Ssh               only the tests tagged Ssh (repeat --tag for several; any one matches)
# Tags: Ssh (the sshd test bed), Fuse (VfioAp.SimFs mounts), Slow. Pester tags are on Describe blocks, xunit ones are
# [Trait("Category", ...)]. Tests left out by a tag are reported as excluded, never as skipped. Without options
# (what .ci/run calls) every test runs.
set -uo pipefail

fast=0 tags=() exclude_tags=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fast) fast=1; exclude_tags+=(Slow) ;;
        --tag) [ $# -ge 2 ] || { echo "--tag needs a tag (Ssh, Fuse, Slow)" >&2; exit 2; }; tags+=("$2"); shift ;;
        --exclude-tag) [ $# -ge 2 ] || { echo "--exclude-tag needs a tag (Ssh, Fuse, Slow)" >&2; exit 2; }; exclude_tags+=("$2"); shift ;;
        -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (--fast, --tag T, --exclude-tag T)" >&2; exit 2 ;;
    esac
    shift
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DEBIAN_FRONTEND=noninteractive
results="$repo/tests/TestResults"
rm -rf "$results" && mkdir -p "$results"

passed=0 failed=0 skipped=0 excluded=0 crashed=()
started=$SECONDS

summary() {
    for c in "${crashed[@]+"${crashed[@]}"}"; do echo "CRASHED: $c" ; done
    if [ ${#tags[@]} -gt 0 ] || [ ${#exclude_tags[@]} -gt 0 ]; then
        echo "tags: ${tags[*]:-(any)}; excluded tags: ${exclude_tags[*]:-(none)}; Pester tests excluded by tag: $excluded; $((SECONDS - started)) s"
    fi
    echo "$passed passed, $failed failed, $skipped skipped"
}

# The xunit filter for the chosen tags: Category=A|Category=B for --tag, Category!=C&... for --exclude-tag.
xunit_filter=""
if [ ${#tags[@]} -gt 0 ]; then
    for t in "${tags[@]}"; do xunit_filter+="${xunit_filter:+|}Category=$t"; done
    [ ${#exclude_tags[@]} -gt 0 ] && xunit_filter="($xunit_filter)"
fi
for t in "${exclude_tags[@]+"${exclude_tags[@]}"}"; do xunit_filter+="${xunit_filter:+&}Category!=$t"; done
pester_tags=()
[ ${#tags[@]} -gt 0 ] && pester_tags+=(-Tag "$(IFS=,; echo "${tags[*]}")")
[ ${#exclude_tags[@]} -gt 0 ] && pester_tags+=(-ExcludeTag "$(IFS=,; echo "${exclude_tags[*]}")")

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
if [ "$fast" = 1 ] && [ -f tests/pester/obj/project.assets.json ]; then
    pester_restore=(true)   # --fast: Pester was restored before; a changed PesterPackage.csproj needs a full run
else
    pester_restore=(dotnet restore tests/pester/PesterPackage.csproj)
fi
if ! dotnet tool restore </dev/null || ! "${pester_restore[@]}" </dev/null; then
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
    dotnet test "$proj" -c Release --no-build --no-restore --nologo ${xunit_filter:+--filter "$xunit_filter"} \
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
dotnet pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-VfioApPester.ps1 -CountsFile "$counts" -ResultFile "$results/pester.xml" \
    -TimingFile "$results/pester-timings.tsv" "${pester_tags[@]+"${pester_tags[@]}"}" </dev/null
rc=$?
if [ -f "$counts" ] && counts_line="$(dotnet pwsh -NoProfile -NonInteractive -File tests/Read-TestCounts.ps1 "$counts" </dev/null)"; then
    read -r p f s <<<"$counts_line"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    excluded=$(sed -n 's/.*"excluded": *\([0-9]*\).*/\1/p' "$counts"); excluded=${excluded:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then crashed+=("Pester (exit $rc)"); failed=$((failed + 1)); fi
else
    crashed+=("Pester (exit $rc, no counts)"); failed=$((failed + 1))
fi

echo
summary
[ "$failed" -eq 0 ] && [ ${#crashed[@]} -eq 0 ]
