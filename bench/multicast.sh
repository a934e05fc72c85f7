#!/usr/bin/env bash
# Multicast deployment benchmark (issue 20): one image restored by N clients at
# once from one udpcast session, against one client alone and against N clients
# each reading the image over HTTP (nginx) at the same time, on the same link.
# A benchmark, not a test: it prints numbers; nothing fails on a slow result
# (only on a wrong one: every restored disk is compared with cmp).
#
# usage: bench/multicast.sh [CLIENTS] [RATE]     (as root; CLIENTS defaults to 3, RATE to 200mbit)
#
# The server and each client are network namespaces on a bridge (as
# tests/integration/deploy_multicast.sh); the server's side of the bridge is
# held to RATE with tbf, standing for the deployment network's link. Every
# client runs `udp-receiver | lifeboat restore --yes - FILE` (multicast) or
# `lifeboat restore --yes http://SERVER/lab.lbi FILE` (unicast) onto a file on
# tmpfs, so the disk is not what is measured. The source: an ext4 of
# BENCH_SIZE_MIB (default 1024) filled from /usr, captured as one GPT disk.
# Reported: the wall time from the session's start to the last client's end,
# the ratio N clients / one client, the per-client rate, and udp-sender's CPU
# time and maximum resident memory (GNU time).
#
# Environment: LIFEBOAT=PATH (default build/release/lifeboat), BENCH_DIR=DIR
# (default /var/tmp/lifeboat-bench-mc), BENCH_SIZE_MIB=N.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
source "$top/tests/integration/lib/network.sh"
clients=${1:-3} rate=${2:-200mbit}
lb=${LIFEBOAT:-$top/build/release/lifeboat}
dir=${BENCH_DIR:-/var/tmp/lifeboat-bench-mc}
size_mib=${BENCH_SIZE_MIB:-1024}
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 1; }
for t in udp-sender udp-receiver nginx sgdisk mke2fs /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench: $t is missing (tools/install-deps)" >&2; exit 1; }
done
mkdir -p "$dir"
ns=lbbench$$
cleanup() {
    for n in $(ip netns list | awk '{print $1}' | grep "^$ns"); do
        ip netns pids "$n" | xargs -r kill 2>/dev/null || true
        ip netns del "$n"
    done
    umount "$dir/tmpfs" 2>/dev/null || true
}
trap cleanup EXIT

# --- the image ------------------------------------------------------------------
img=$dir/lab.lbi
if [ ! -s "$img" ] || [ "$(cat "$dir/size" 2>/dev/null)" != "$size_mib" ]; then
    echo "bench: building a $size_mib MiB ext4 from /usr and capturing it"
    rm -rf "$dir/tree" && mkdir -p "$dir/tree"
    budget=$((size_mib * 1024 * 1024 * 6 / 10))
    find /usr -type f -size -8M -printf '%s %p\n' 2>/dev/null | sort -k2 >"$dir/files" || true
    awk -v b="$budget" '{ t += $1; if (t <= b) print $2 }' "$dir/files" >"$dir/chosen"
    xargs -d '\n' -a "$dir/chosen" cp -p --parents -t "$dir/tree" 2>/dev/null || true
    disk=$dir/disk.img
    rm -f "$disk" && truncate -s $(((size_mib + 2) * 1024 * 1024)) "$disk"
    sgdisk -n1:2048:0 -t1:8300 "$disk" >/dev/null
    truncate -s $((size_mib * 1024 * 1024)) "$dir/part.fs"
    mke2fs -q -F -t ext4 -d "$dir/tree" "$dir/part.fs"
    dd if="$dir/part.fs" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
    rm -f "$dir/part.fs" "$img"
    "$lb" capture --progress none "$disk" "$img"
    "$lb" restore --yes --progress none "$img" "$dir/reference.img"
    echo "$size_mib" >"$dir/size"
fi
image_bytes=$(stat -c %s "$img")
disk_bytes=$(stat -c %s "$dir/reference.img")
echo "bench: image $image_bytes bytes, disk $disk_bytes bytes; link $rate; $clients clients"

# --- the network ------------------------------------------------------------------
mkdir -p "$dir/tmpfs"
mount -t tmpfs -o size=$(((clients + 1) * disk_bytes / 1048576 + 64))m lifeboat-bench "$dir/tmpfs"
multicast_bridge "$ns" 10.79.0.1/24
tc -n "$ns" qdisc add dev br0 root tbf rate "$rate" burst 256kb latency 500ms
for n in $(seq "$clients"); do
    c=$ns-c$n
    ip netns add "$c"
    ip link add "b$$s$n" type veth peer name "c$n" netns "$c"
    ip link set "b$$s$n" netns "$ns"
    ip -n "$ns" link set "b$$s$n" master br0 up
    ip -n "$c" link set lo up
    ip -n "$c" addr add "10.79.0.$((10 + n))/24" brd + dev "c$n"
    ip -n "$c" link set "c$n" up
    ip -n "$c" route add 224.0.0.0/4 dev "c$n"
done
mkdir -p "$dir/www" && ln -sf "$img" "$dir/www/lab.lbi"
cat >"$dir/nginx.conf" <<CONF
user root; worker_processes 2; daemon off; pid $dir/nginx.pid; error_log stderr;
events { worker_connections 256; }
http { access_log off; sendfile on; server { listen 10.79.0.1:8080; root $dir/www; } }
CONF
ip netns exec "$ns" nginx -e stderr -c "$dir/nginx.conf" 2>"$dir/nginx.log" &
sleep 1

now() { date +%s.%N; }
check_targets() {  # every client's disk equals the reference
    local n
    for n in $(seq "$1"); do
        cmp -s "$dir/reference.img" "$dir/tmpfs/t$n.img" || { echo "bench: client $n's disk differs" >&2; exit 1; }
    done
    rm -f "$dir"/tmpfs/t*.img
}

# multicast N: seconds from the sender's start to the last client's end.
multicast() {
    local n=$1 i pids=() t0 t1
    for i in $(seq "$n"); do
        ( ip netns exec "$ns-c$i" udp-receiver --nokbd --interface "c$i" --portbase 9000 --start-timeout 60 \
              --receive-timeout 20 2>/dev/null |
              "$lb" restore --yes --progress none - "$dir/tmpfs/t$i.img" ) &
        pids+=($!)
    done
    sleep 1
    t0=$(now)
    ip netns exec "$ns" /usr/bin/time -v -o "$dir/sender.time" udp-sender --nokbd --interface br0 --portbase 9000 \
        --min-receivers "$n" --max-wait 30 --file "$img" >"$dir/sender.log" 2>&1
    for i in "${pids[@]}"; do wait "$i"; done
    t1=$(now)
    check_targets "$n"
    echo "$t1 - $t0" | bc
}
# unicast N: N clients at once, each restoring from nginx.
unicast() {
    local n=$1 i pids=() t0 t1
    t0=$(now)
    for i in $(seq "$n"); do
        ip netns exec "$ns-c$i" "$lb" restore --yes --progress none http://10.79.0.1:8080/lab.lbi \
            "$dir/tmpfs/t$i.img" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
    t1=$(now)
    check_targets "$n"
    echo "$t1 - $t0" | bc
}

one=$(multicast 1)
sender_one=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$dir/sender.time")
many=$(multicast "$clients")
sender_cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$dir/sender.time")
sender_rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$dir/sender.time")
uni=$(unicast "$clients")
mb=$(echo "scale=1; $image_bytes / 1000000" | bc)
printf '\n%-44s %8s %10s\n' "restore of the $mb MB image onto $clients clients" "seconds" "vs 1 alone"
printf '%-44s %8.1f %10s\n' "multicast, 1 client alone" "$one" "1.00"
printf '%-44s %8.1f %10.2f\n' "multicast, $clients clients in one session" "$many" "$(echo "scale=3; $many / $one" | bc)"
printf '%-44s %8.1f %10.2f\n' "unicast HTTP, $clients clients at once" "$uni" "$(echo "scale=3; $uni / $one" | bc)"
echo "per-client rate in the session: $(echo "scale=1; $image_bytes / $many / 1000000" | bc) MB/s of image" \
     "($(echo "scale=1; $disk_bytes / $many / 1000000" | bc) MB/s of disk restored); Clonezilla's published 8 GB/min is 133 MB/s"
echo "udp-sender: $sender_cpu s of CPU, max RSS $((sender_rss / 1024)) MiB for $clients clients ($((sender_one / 1024)) MiB for one); the image read once per session"
