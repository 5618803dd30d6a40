#!/usr/bin/env bash
# Builds the libbpf SchedTrace calls: .tools/libbpf/libbpf.a, which the native `schedtrace` links
# in, and libbpf.so.1, which the module's folder carries beside SchedTrace.Core.dll (.NET looks in
# an assembly's folder before the system's libraries).
#
# Why its own libbpf: every session's load that has CO-RE relocations or tp_btf programs makes libbpf parse
# the kernel's BTF. libbpf before 1.6 reads /sys/kernel/btf/vmlinux (5.3 MiB here) into a buffer
# and copies it, which costs a process 11 MiB of RSS (13.2 MiB against 2.0 MiB in a C program that
# only loads the BTF); 1.6 and later map the sysfs file, whose pages stay the kernel's. Debian 12
# ships 1.1.2, so the source comes from Debian's archive (the unstable suite's upstream tarball),
# pinned by its SHA-256.
#
# Idempotent. Needs make, a C compiler, and the libelf and zlib headers (install-deps.sh).
# When the tarball cannot be had (no network, or Debian has moved on from this version), it says
# so and exits 0: SchedTrace then uses the system's libbpf.so.1, works the same, and starts slower
# and bigger.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

version=1.7.0
sha256=7ab5feffbf78557f626f2e3e3204788528394494715a30fc2070fcddc2051b7b
url=${LIBBPF_TARBALL_URL:-http://deb.debian.org/debian/pool/main/libb/libbpf/libbpf_$version.orig.tar.gz}
dest=$repo/.tools/libbpf

[[ -f $dest/libbpf.a && -f $dest/libbpf.so.1 && $(cat "$dest/VERSION" 2>/dev/null) == "$version" ]] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "build-libbpf: building libbpf $version into .tools/libbpf"
if ! curl -fsSL --retry 2 --max-time 120 -o "$work/libbpf.tar.gz" "$url"; then
  echo "build-libbpf: could not download $url; SchedTrace will use the system libbpf.so.1 (more memory and time at start-up)" >&2
  exit 0
fi
if ! echo "$sha256  $work/libbpf.tar.gz" | sha256sum --check --status; then
  echo "build-libbpf: $url does not have the expected SHA-256 ($sha256); refusing it" >&2
  exit 1
fi
tar -xzf "$work/libbpf.tar.gz" -C "$work"
# -fPIC: the NativeAOT link makes a position-independent executable.
make -s -C "$work/libbpf-$version/src" OBJDIR="$work/obj" \
  CFLAGS="-O2 -fPIC -g0" -j"$(nproc)" >/dev/null

rm -rf "$dest"
mkdir -p "$dest"
cp "$work/obj/libbpf.a" "$dest/"
# The soname's file itself, not the chain of links make leaves.
cp -L "$work/obj/libbpf.so.1" "$dest/libbpf.so.1"
echo "$version" > "$dest/VERSION"
