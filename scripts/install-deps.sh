#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test SchedTrace (with --bench: to
# run the benchmarks too). Idempotent: does nothing when everything is present. Needs root.
set -euo pipefail

need=()
command -v clang >/dev/null || need+=(clang)
command -v llvm-strip >/dev/null || need+=(llvm)
[[ -f /usr/include/bpf/bpf_helpers.h ]] || need+=(libbpf-dev)
ldconfig -p | grep -q 'libbpf\.so\.1 ' || need+=(libbpf1)
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

# --bench: what bench/run.sh compares against and drives (bpftrace, bpftool, perf bench).
if [[ ${1:-} == --bench ]]; then
  command -v bpftrace >/dev/null || need+=(bpftrace)
  command -v bpftool >/dev/null || need+=(bpftool)
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
