#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test SchedTrace (with --bench: to
# run the benchmarks too): Debian packages, then pwsh and Pester from NuGet into .tools/, and the
# libbpf the native CLI links in.
# Idempotent: does nothing when everything is present. Needs root for the Debian packages.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The PowerShell the project's commands run (scripts/pwsh), and the Pester its tests use.
pwsh_version=7.6.9
pwsh_minimum=7.4

need=()
# clang compiles the BPF object and drives the link of the native (NativeAOT) CLI, which uses
# binutils' ld (clang depends on binutils; checked on its own for a machine that removed it).
command -v clang >/dev/null || need+=(clang)
command -v ld >/dev/null || need+=(binutils)
command -v llvm-strip >/dev/null || need+=(llvm)
[[ -f /usr/include/bpf/bpf_helpers.h ]] || need+=(libbpf-dev)
ldconfig -p | grep 'libbpf\.so\.1 ' >/dev/null || need+=(libbpf1)  # not grep -q: with pipefail, ldconfig's SIGPIPE would fail the test
# The libbpf the native CLI links in (scripts/build-libbpf.sh): fetched with curl, built with make
# against libelf and zlib, which the CLI then links dynamically.
command -v curl >/dev/null || need+=(curl)
command -v make >/dev/null || need+=(make)
[[ -f /usr/include/libelf.h ]] || need+=(libelf-dev)
[[ -f /usr/include/zlib.h ]] || need+=(zlib1g-dev)
command -v setpriv >/dev/null || need+=(util-linux)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v gcc >/dev/null || need+=(gcc)
# The CPU-time tests run a two-thread perl child (threads module).
perl -Mthreads -e 1 2>/dev/null || need+=(perl)
# The timeline tests render the SVG with headless Chromium and check the screenshot.
command -v chromium >/dev/null || need+=(chromium)
# The Ctrl+C tests type Ctrl+C into an interactive pwsh in a terminal that tmux provides.
command -v tmux >/dev/null || need+=(tmux)
# The fault tests list the kernel's BPF programs, maps and links with bpftool after killing a
# process that held sessions. Debian's package is bpftool (bookworm; no linux-bpftool there).
command -v bpftool >/dev/null || need+=(bpftool)
# The limit tests run the CLI under prlimit (util-linux, as setpriv above).
command -v prlimit >/dev/null || need+=(util-linux)

# --bench: what bench/run.sh compares against and drives (bpftrace, perf bench; bpftool is above).
if [[ ${1:-} == --bench ]]; then
  command -v bpftrace >/dev/null || need+=(bpftrace)
  command -v perf >/dev/null || need+=(linux-perf)
fi

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing ${need[*]}; run as root (sudo make deps) to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "install-deps: the .NET SDK 10 is required (dotnet on PATH); install it from your distribution or Microsoft's packages" >&2
  exit 1
fi

# pwsh: a pwsh of at least $pwsh_minimum on PATH will do; otherwise the PowerShell global tool,
# installed into .tools/pwsh rather than the user's ~/.dotnet/tools.
path_pwsh_ok() {
  command -v pwsh >/dev/null || return 1
  local version
  version=$(pwsh -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null) || return 1
  [[ $(printf '%s\n%s\n' "$pwsh_minimum" "${version%%-*}" | sort -V | head -n1) == "$pwsh_minimum" ]]
}
if [[ ! -x $repo/.tools/pwsh/pwsh ]] && ! path_pwsh_ok; then
  echo "install-deps: installing PowerShell $pwsh_version into .tools/pwsh"
  dotnet tool install --tool-path "$repo/.tools/pwsh" PowerShell --version "$pwsh_version" >/dev/null
fi

# Pester: the NuGet package's tools/ folder is the module; restoring tools/Pester puts it in
# .tools/packages, where build.ps1 finds it.
if ! compgen -G "$repo/.tools/packages/pester/*/tools/Pester.psd1" >/dev/null; then
  echo "install-deps: installing Pester into .tools/packages"
  dotnet restore "$repo/tools/Pester/Pester.csproj" --nologo -v quiet >/dev/null
fi

# The libbpf the native CLI links in statically (why: scripts/build-libbpf.sh).
"$repo/scripts/build-libbpf.sh"
