#!/usr/bin/env bash
# Deployment with QEMU guests (issue 20): tools/lifeboat-deploy serving N
# guests that netboot the media (SeaBIOS, iPXE) and restore one multicast
# session, against one guest alone and against N guests restoring over HTTP
# at once (--config: unicast), on one link. A benchmark, not a test: it prints
# numbers; nothing fails on a slow result, only on a wrong one (every guest's
# disk is compared with cmp against a restore made here).
#
# usage: bench/deploy_guests.sh [CLIENTS] [RATE]   (as root; CLIENTS 3, RATE 100mbit)
#
# The server is a bridge in a network namespace, its side held to RATE with
# tc tbf (the deployment network's link); each guest has a tap on it, one
# vCPU, 1 GiB and a blank virtio disk. Measured per guest, from its own
# reports (lifeboat.report): the restore's time, from its first byte to its
# end (the `elapsed` of its last progress report), so the boot is not counted;
# a run's time is its slowest guest's. QEMU runs under TCG here: every guest
# decompresses and checks on this machine's 2 cores, so the guests share the
# CPU as well as the link.
#
# Environment: LIFEBOAT=PATH (default build/release/lifeboat), BENCH_DIR=DIR
# (default /var/tmp/lifeboat-bench-guests), BENCH_SIZE_MIB=N (random data in
# the image, default 96).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/tests/integration/lib/network.sh"
clients=${1:-3} rate=${2:-100mbit}
lb=${LIFEBOAT:-$top/build/release/lifeboat}
dir=${BENCH_DIR:-/var/tmp/lifeboat-bench-guests}
size_mib=${BENCH_SIZE_MIB:-96}
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for t in qemu-system-x86_64 udp-sender dnsmasq nginx jq mke2fs sfdisk; do
    command -v "$t" >/dev/null || { echo "bench: $t is missing (tools/install-deps)" >&2; exit 1; }
done
[ -f "$top/build/netboot/pxelinux.0" ] || { echo "bench: no netboot tree: run tools/build-media" >&2; exit 1; }
mkdir -p "$dir"
ns=lbguests$$
qemus=() deploy=""
cleanup() {
    for p in "${qemus[@]}" $deploy; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

# --- the image: a GPT disk, one ext4 holding SIZE MiB of random data ------------------
img=$dir/lab.lbi disk_mib=$((size_mib + 64))
if [ ! -f "$img" ] || [ "$(cat "$dir/size" 2>/dev/null)" != "$size_mib" ]; then
    rm -rf "$dir/data" && mkdir "$dir/data"
    head -c $((size_mib << 20)) /dev/urandom >"$dir/data/random.bin"
    truncate -s 0 "$dir/source.img" && truncate -s "${disk_mib}M" "$dir/source.img"
    echo 'label: gpt
start=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4' | sfdisk -q "$dir/source.img"
    truncate -s $(((disk_mib - 2) << 20)) "$dir/root.fs"
    mke2fs -q -F -t ext4 -d "$dir/data" "$dir/root.fs"
    dd if="$dir/root.fs" of="$dir/source.img" bs=1M seek=1 conv=notrunc status=none
    rm -f "$dir/root.fs" "$img"
    "$lb" capture --progress none "$dir/source.img" "$img"
    echo "$size_mib" >"$dir/size"
fi
target_mib=$((disk_mib + 32))
rm -f "$dir/reference.img" && truncate -s "${target_mib}M" "$dir/reference.img"
"$lb" restore --yes --progress none "$img" "$dir/reference.img"
echo "bench: image $(stat -c %s "$img") bytes; $clients guests; link $rate"

# run NAME N MODE: N guests restore, by the multicast session (MODE multicast)
# or each over HTTP (MODE http); $result is the slowest guest's restore time.
run() {
    local name=$1 n=$2 mode=$3 i mac logs=$dir/logs-$1 config=$dir/$1.conf
    rm -rf "$logs" && : >"$config"
    multicast_bridge "$ns" 10.76.0.1/24
    tc -n "$ns" qdisc add dev br0 root tbf rate "$rate" burst 256kb latency 500ms
    for ((i = 1; i <= n; i++)); do
        ip -n "$ns" tuntap add "lbg$i" mode tap && ip -n "$ns" link set "lbg$i" master br0 up
        if [ "$mode" = http ]; then echo "52:54:00:76:00:0$i unicast" >>"$config"; fi
    done
    LIFEBOAT=$lb ip netns exec "$ns" "$top/tools/lifeboat-deploy" --interface br0 --dhcp 10.76.0.100,10.76.0.150 \
        --image "$img" --clients "$n" --wait 600 --sessions 1 --after poweroff --config "$config" --logs "$logs" \
        >"$dir/$name.out" 2>&1 &
    deploy=$!
    for _ in $(seq 100); do grep -q 'waiting for clients' "$dir/$name.out" && break; sleep 0.2; done
    qemus=()
    for ((i = 1; i <= n; i++)); do
        rm -f "$dir/$name-$i.img" && truncate -s "${target_mib}M" "$dir/$name-$i.img"
        ip netns exec "$ns" qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -display none -monitor none -no-reboot \
            -serial "file:$dir/$name-$i.serial" -machine pc -boot n \
            -netdev "tap,id=n0,ifname=lbg$i,script=no,downscript=no" -device "e1000,netdev=n0,mac=52:54:00:76:00:0$i" \
            -drive "if=virtio,format=raw,file=$dir/$name-$i.img" >/dev/null 2>&1 &
        qemus+=($!)
    done
    local deadline=$(($(date +%s) + 1800))
    for p in "${qemus[@]}"; do
        while kill -0 "$p" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
        kill "$p" 2>/dev/null || true
    done
    qemus=()
    # HTTP only: no session ever starts; the reports are in, so stop the server.
    if [ "$mode" = http ]; then kill "$deploy" 2>/dev/null || true; fi
    wait "$deploy" 2>/dev/null || true
    deploy=""
    ip netns del "$ns"
    local slowest=0 t
    for ((i = 1; i <= n; i++)); do
        mac=52-54-00-76-00-0$i
        t=$(jq -r 'select(.phase == "done") | .progress.elapsed' "$logs/clients/$mac.json" 2>/dev/null || true)
        [ -n "$t" ] || { echo "bench: $name guest $i did not finish (see $dir/$name-$i.serial)" >&2; exit 1; }
        cmp -s "$dir/reference.img" "$dir/$name-$i.img" || { echo "bench: $name guest $i: disk differs" >&2; exit 1; }
        rm -f "$dir/$name-$i.img"
        slowest=$(echo "if ($t > $slowest) $t else $slowest" | bc)
    done
    result=$(printf '%.1f' "$slowest")
}

run one 1 multicast
one=$result
echo "bench: 1 guest alone, multicast: $one s"
run many "$clients" multicast
echo "bench: $clients guests, one session: $result s (ratio $(echo "scale=2; $result / $one" | bc))"
run http "$clients" http
echo "bench: $clients guests over HTTP at once: $result s (ratio $(echo "scale=2; $result / $one" | bc))"
