#!/bin/bash
# Boot-time benchmark of the rescue system (docs/PERFORMANCE.md, Media):
# the same initramfs content compressed with zstd and with xz, each booted
# ROUNDS times in turn under QEMU (TCG) with the ISO's kernel; prints the
# seconds from power-on to init's ready line, and the kernel's own clock when
# it started /init (which isolates the decompression).
#   bench/boot.sh [ROUNDS]      (root; after tools/build-media)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
work=$(mktemp -d /var/tmp/lifeboat-bootbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
kernel=$(ls "$top"/build/media/pkgs/kernel/boot/vmlinuz-*)
for c in zstd xz; do "$top/initramfs/build" "$c" "$work/initrd.$c" | sed 's/^/  /'; done

boot() {  # COMPRESSION -> "WALL INIT" seconds
    local log=$work/serial start
    : >"$log"
    start=$(date +%s.%N)
    qemu-system-x86_64 -accel tcg -machine q35 -m 1024 -smp 2 -display none -monitor none -no-reboot \
        -serial "file:$log" -kernel "$kernel" -initrd "$work/initrd.$1" \
        -append "console=ttyS0,115200n8 lifeboat.wait=1" >/dev/null 2>&1 &
    local pid=$!
    until grep -q 'Lifeboat .* ready' "$log"; do sleep 0.1; done
    local wall
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    kill $pid; wait $pid 2>/dev/null || true
    printf '%.1f %s\n' "$wall" "$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$log")"
}

printf '%-6s %6s %12s %10s\n' initrd round "ready (s)" "/init (s)"
for r in $(seq 1 "$rounds"); do
    for c in zstd xz; do
        read -r wall init < <(boot "$c")
        printf '%-6s %6s %12s %10s\n' "$c" "$r" "$wall" "$init"
    done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
