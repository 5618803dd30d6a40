#!/usr/bin/env bash
# SchedTrace benchmarks. Usage: sudo bench/run.sh [--rounds N] [--loops N] [--cpu N]
#     [--attach-repetitions N] [--slowdown-pairs N] [--slowdown-loops N] [--snapshot-threads N]
#     [--snapshot-repetitions N] [--no-bpftrace] [--scenario NAME[,NAME...]]
#     [--startup-only] [--libbpf-tools DIR | PATH/TO/runqlat]...
#        sudo bench/run.sh --soak [--soak-seconds N] [--soak-interval S] [--cli PATH] [--cpu N]
# --libbpf-tools DIR: libbpf-tools built outside the repository; its cpudist, cpudist -O and
# runqlat are measured in the oncpu, offcpu and runqlat scenarios, in the same rounds as ours, and
# its runqlat in start to tracing. A runqlat file instead: start to tracing only.
# --soak runs only the soak: a steady load read every second for 10 minutes by the CLI and by
# pwsh, their memory sampled, their totals checked against /proc (needs make build first).
# Builds the harness in Release; measures attach time, workload slowdown, snapshot cost and
# every scenario (about 8 minutes); prints the results as markdown and keeps them in
# bench/results/<UTC time>.md. Not run by the tests: it needs root, changes
# kernel.bpf_stats_enabled for the run, loads bpftrace and starts 10,000 threads.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project="$bench_dir/SchedTrace.Bench/SchedTrace.Bench.csproj"
dotnet=${DOTNET:-$(command -v dotnet || echo /usr/share/dotnet/dotnet)}

if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: needs root (BPF programs, kernel.bpf_stats_enabled): sudo bench/run.sh" >&2
    exit 1
fi

"$dotnet" build "$project" -c Release -nologo -v quiet -clp:ErrorsOnly
# The CLI the start-to-tracing comparison runs: its build also publishes the native one (out/cli/).
"$dotnet" build "$bench_dir/../src/SchedTrace.Cli/SchedTrace.Cli.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly

# The harness restores the sysctl itself on every exit it can catch; this covers the one it
# cannot (SIGKILL), by putting back the value found before the run.
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'echo "$stats_before" > /proc/sys/kernel/bpf_stats_enabled' EXIT

mkdir -p "$bench_dir/results"
output="$bench_dir/results/$(date -u +%Y%m%dT%H%M%SZ).md"
"$dotnet" "$bench_dir/SchedTrace.Bench/bin/Release/net10.0/SchedTrace.Bench.dll" --output "$output" "$@"
