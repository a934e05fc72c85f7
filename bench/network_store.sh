#!/usr/bin/env bash
# Network store benchmark (issue 19): restore and capture over HTTP, NFS and S3
# on a link shaped to a rate (tc tbf, default 1 Gbit/s; a delay too with
# BENCH_DELAY and tc netem), between two network namespaces this script makes
# (veth), nginx, nfs-ganesha (NFSv3, with its rpcbind) and OpenStack Swift's
# s3api (the S3 service the tests use) serving the server's side. A benchmark,
# not a test: it prints numbers; nothing fails on a slow result.
#
# usage: bench/network_store.sh [SIZE_MIB]     (as root; default 1024: an ext4 of that size, ~60% files)
#
# Environment: LIFEBOAT (binary; default build/release/lifeboat), BENCH_DIR (default
# /var/tmp/lifeboat-netbench), BENCH_RATE (tc rate, default 1gbit), BENCH_DELAY (each way,
# e.g. 250us for a LAN's round trip of 0.5 ms; default 0: none, as this machine's kernel has no
# netem), BENCH_RUNS (default 2).
#
# Measured, each the best of BENCH_RUNS, the page cache dropped before each:
#   link     curl of the image to /dev/null: what the link carries (the floor of any reader)
#   lifeboat restore http://SERVER/pc.lbi onto a target file (in place: range requests), and
#            the same image from a local file (what the restore costs without the link)
#   stream   curl URL | zstd -d | partclone.ext4 -r: Clonezilla's restore reading its image from
#            a share (here the same bytes streamed from the same server on the same link;
#            this machine's kernel has no NFS or CIFS client to mount one); for NFS the
#            same with nfs-cat (libnfs-utils) reading the export
#   capture  lifeboat capture SOURCE http://SERVER/new.lbi (WebDAV), nfs://SERVER/...,
#            s3://bench/... and to a local file
#   s3       the same restore and capture against Swift's s3api, with s3cmd get of the image
#            (what an S3 client of this service receives) as its reference
set -euo pipefail
SIZE_MIB=${1:-1024}
RATE=${BENCH_RATE:-1gbit}
DELAY=${BENCH_DELAY:-0}
RUNS=${BENCH_RUNS:-2}
W=${BENCH_DIR:-/var/tmp/lifeboat-netbench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LB=${LIFEBOAT:-$ROOT/build/release/lifeboat}
die() { echo "network_store.sh: $*" >&2; exit 1; }
source "$ROOT/tests/integration/lib/swift.sh"  # the S3 service's configuration, as the tests'

[[ $(id -u) == 0 ]] || die "run as root"
[[ -x $LB ]] || die "no lifeboat binary at $LB: build the release preset or set LIFEBOAT"
for t in nginx curl zstd partclone.ext4 mkfs.ext4 e2fsck tc ip /usr/bin/time ganesha.nfsd rpcbind nfs-cat \
    swift-proxy-server swift-ring-builder s3cmd; do
    command -v "$t" >/dev/null || die "$t is missing: run bench/install-deps and tools/install-deps"
done

srv=lbbench-srv-$$ cli=lbbench-cli-$$
mkdir -p "$W/www" "$W/tmp"
cleanup() {
    [[ -f $W/nginx.pid ]] && kill "$(cat "$W/nginx.pid")" 2>/dev/null
    ip netns pids "$srv" 2>/dev/null | xargs -r kill -KILL  # rpcbind, ganesha and Swift
    ip netns del "$srv" 2>/dev/null; ip netns del "$cli" 2>/dev/null
    rm -f "$W"/target.img "$W"/www/*.lbi* "$W"/local.lbi
}
trap cleanup EXIT
ip netns add "$srv" && ip netns add "$cli"
ip link add lbb-s type veth peer name lbb-c
ip link set lbb-s netns "$srv" && ip link set lbb-c netns "$cli"
ip -n "$srv" addr add 10.79.0.1/24 dev lbb-s && ip -n "$cli" addr add 10.79.0.2/24 dev lbb-c
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set lbb-s up && ip -n "$cli" link set lbb-c up
# The rate by tbf; with BENCH_DELAY, netem adds half a round trip each way
# (a LAN's 0.2 to 1 ms) where the kernel has it.
for end in "$srv lbb-s" "$cli lbb-c"; do
    read -r ns dev <<<"$end"
    if [[ $DELAY != 0 ]]; then
        tc -n "$ns" qdisc add dev "$dev" root netem rate "$RATE" delay "$DELAY" limit 100000 ||
            die "this kernel has no netem (sch_netem): run with BENCH_DELAY=0"
    else
        tc -n "$ns" qdisc add dev "$dev" root tbf rate "$RATE" burst 1mbit latency 50ms
    fi
done

cat >"$W/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
user root; worker_processes 2; pid $W/nginx.pid; error_log $W/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $W/tmp; sendfile on; client_max_body_size 0;
  server { listen 10.79.0.1:8080; root $W/www; dav_methods PUT DELETE MOVE; dav_ext_methods PROPFIND; } }
CONF
ip netns exec "$srv" nginx -c "$W/nginx.conf"
# NFS: rpcbind and ganesha in the server's namespace, with a /run of their own
# (rpcbind's socket /run/rpcbind.sock is the machine's otherwise).
mkdir -p "$W/recovery"
cat >"$W/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 3; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryRoot = $W/recovery; }
EXPORT { Export_Id = 1; Path = $W/www; Pseudo = /www; Access_Type = RW; Squash = No_Root_Squash;
         Protocols = 3; Transports = TCP; SecType = sys; FSAL { Name = VFS; } }
LOG { Default_Log_Level = WARN; }
CONF
ip netns exec "$srv" unshare --mount --propagation private sh -c \
    "mount -t tmpfs tmpfs /run && rpcbind && sleep 0.5 && ganesha.nfsd -L '$W/ganesha.log' -f '$W/ganesha.conf' -p '$W/ganesha.pid'"
for _ in $(seq 100); do ip netns exec "$srv" rpcinfo -T tcp 127.0.0.1 mountd 3 >/dev/null 2>&1 && break; sleep 0.1; done
sleep 0.5
# S3: Swift (its back-end servers on the server's loopback, the proxy with
# s3api on the link) in a mount namespace where its configuration is /etc/swift.
rm -rf "$W/swift"
swift_config "$W/swift" 10.79.0.1 8081 2 >/dev/null || die "the Swift configuration"
ip netns exec "$srv" unshare --mount --propagation private sh -c "mount --bind '$W/swift/etc' /etc/swift &&
    for s in object container account proxy; do swift-\$s-server '$W/swift/etc/'\$s-server.conf >>'$W/swift/'\$s.log 2>&1 & done"
for _ in $(seq 300); do [[ $(ip netns exec "$cli" curl -s http://10.79.0.1:8081/healthcheck) == OK ]] && break; sleep 0.1; done
printf 'user = test:tester\npassword = testing\nendpoint = http://10.79.0.1:8081\n' >"$W/s3.creds"
s3cmd=(s3cmd --config=/dev/null --access_key=test:tester --secret_key=testing --host=10.79.0.1:8081
       --host-bucket=10.79.0.1:8081 --no-ssl --region=us-east-1)
ip netns exec "$cli" "${s3cmd[@]}" mb s3://bench >/dev/null || die "s3cmd mb: is Swift up? ($W/swift/*.log)"

src=$W/source.img
if [[ ! -f $src || $(stat -c %s "$src") != $((SIZE_MIB << 20)) ]]; then
    echo "building a ${SIZE_MIB} MiB ext4 from files under /usr ..."
    rm -rf "$W/files" && mkdir -p "$W/files"
    budget=$((SIZE_MIB * 6 / 10 << 20))
    find /usr/lib /usr/share /usr/bin -type f -size -8M -printf '%s %p\n' 2>/dev/null | sort -k2 |
        awk -v b="$budget" '{ if (t + $1 > b) exit; t += $1; print $2 }' |
        cpio -pdm --quiet "$W/files" 2>/dev/null || true
    truncate -s "${SIZE_MIB}M" "$src.tmp" && mkfs.ext4 -q -F -d "$W/files" "$src.tmp" && mv "$src.tmp" "$src"
    rm -rf "$W/files"
fi
"$LB" capture --progress none --force "$src" "$W/www/pc.lbi" >/dev/null 2>&1
partclone.ext4 -c -a0 -z 10485760 -q -s "$src" -o - 2>/dev/null | zstd -q -T0 -3 > "$W/www/pc.pcl.zst"
image=$(stat -c %s "$W/www/pc.lbi") pcl=$(stat -c %s "$W/www/pc.pcl.zst")
ip netns exec "$cli" "${s3cmd[@]}" put "$W/www/pc.lbi" s3://bench/pc.lbi >/dev/null || die "s3cmd put"
url=http://10.79.0.1:8080
nfs=nfs://10.79.0.1$W/www

# best SECONDS-VARIABLE COMMAND...: the best wall time of RUNS runs, page cache dropped before each.
best() {
    local var=$1 b=999999 t s e
    shift
    for _ in $(seq "$RUNS"); do
        sync && echo 3 >/proc/sys/vm/drop_caches
        s=$(date +%s.%N)
        "$@" >/dev/null 2>"$W/last.err" || { cat "$W/last.err" >&2; die "failed: $*"; }
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc)
        (($(echo "$t < $b" | bc))) && b=$t
    done
    printf -v "$var" '%s' "$b"
}
in_cli() { ip netns exec "$cli" "$@"; }
restore_lb() { rm -f "$W/target.img"; in_cli "$LB" restore --yes --progress none "$url/pc.lbi" "$W/target.img" && sync "$W/target.img"; }
restore_local() { rm -f "$W/target.img"; "$LB" restore --yes --progress none "$W/www/pc.lbi" "$W/target.img" && sync "$W/target.img"; }
restore_stream() {
    rm -f "$W/target.img"; truncate -s "$(stat -c %s "$src")" "$W/target.img"
    in_cli sh -c "curl -sf '$url/pc.pcl.zst' | zstd -d -q | partclone.ext4 -r -q -z 10485760 -s - -O '$W/target.img'" 2>/dev/null
    sync "$W/target.img"
}
restore_nfs() { rm -f "$W/target.img"; in_cli "$LB" restore --yes --progress none "$nfs/pc.lbi" "$W/target.img" && sync "$W/target.img"; }
restore_nfs_stream() {
    rm -f "$W/target.img"; truncate -s "$(stat -c %s "$src")" "$W/target.img"
    in_cli sh -c "nfs-cat '$nfs/pc.pcl.zst' | zstd -d -q | partclone.ext4 -r -q -z 10485760 -s - -O '$W/target.img'" 2>/dev/null
    sync "$W/target.img"
}
restore_s3() {
    rm -f "$W/target.img"
    in_cli "$LB" restore --yes --progress none --credentials "$W/s3.creds" s3://bench/pc.lbi "$W/target.img" && sync "$W/target.img"
}
capture_s3() { in_cli "$LB" capture --progress none --force --no-verify --credentials "$W/s3.creds" "$src" s3://bench/new.lbi; }
capture_http() { in_cli "$LB" capture --progress none --force --no-verify "$src" "$url/new.lbi"; }
capture_nfs() { in_cli "$LB" capture --progress none --force --no-verify "$src" "$nfs/new.lbi"; }
capture_local() { "$LB" capture --progress none --force --no-verify "$src" "$W/local.lbi" && sync "$W/local.lbi"; }

best t_link in_cli curl -sf -o /dev/null "$url/pc.lbi"
best t_lb restore_lb
e2fsck -fn "$W/target.img" >/dev/null 2>&1 || die "lifeboat's restore is not clean (e2fsck)"
best t_local restore_local
best t_stream restore_stream
e2fsck -fn "$W/target.img" >/dev/null 2>&1 || die "the partclone restore is not clean (e2fsck)"
best t_nfs restore_nfs
e2fsck -fn "$W/target.img" >/dev/null 2>&1 || die "lifeboat's restore from nfs is not clean (e2fsck)"
best t_nfs_stream restore_nfs_stream
e2fsck -fn "$W/target.img" >/dev/null 2>&1 || die "the partclone restore from nfs-cat is not clean (e2fsck)"
best t_s3_get in_cli "${s3cmd[@]}" get s3://bench/pc.lbi -
best t_s3 restore_s3
e2fsck -fn "$W/target.img" >/dev/null 2>&1 || die "lifeboat's restore from s3 is not clean (e2fsck)"
best t_cap_s3 capture_s3
best t_cap_http capture_http
best t_cap_nfs capture_nfs
best t_cap_local capture_local
rm -f "$W/target.img"
read -r rss cpu < <( { in_cli /usr/bin/time -f '%M %U %S' "$LB" restore --yes --progress none "$url/pc.lbi" "$W/target.img" >/dev/null; } 2>&1 |
      awk 'END { print $1, $2 + $3 }')
rm -f "$W/target.img"
read -r rss_nfs cpu_nfs < <( { in_cli /usr/bin/time -f '%M %U %S' "$LB" restore --yes --progress none "$nfs/pc.lbi" "$W/target.img" >/dev/null; } 2>&1 |
      awk 'END { print $1, $2 + $3 }')

mib() { echo "scale=1; $1 / 1048576" | bc; }
rate() { echo "scale=1; $1 / 1048576 / $2" | bc; }
echo
echo "link $RATE, delay $DELAY each way, source $(mib "$(stat -c %s "$src")") MiB ext4, image $(mib "$image") MiB (lifeboat), $(mib "$pcl") MiB (partclone+zstd)"
printf '%-44s %8s %12s\n' "what" "seconds" "image MiB/s"
printf '%-44s %8.2f %12s\n' "link: curl of the image to /dev/null" "$t_link" "$(rate "$image" "$t_link")"
printf '%-44s %8.2f %12s\n' "lifeboat restore from http (in place)" "$t_lb" "$(rate "$image" "$t_lb")"
printf '%-44s %8.2f %12s\n' "lifeboat restore from a local file" "$t_local" "$(rate "$image" "$t_local")"
printf '%-44s %8.2f %12s\n' "curl | zstd -d | partclone.ext4 -r" "$t_stream" "$(rate "$pcl" "$t_stream")"
printf '%-44s %8.2f %12s\n' "lifeboat restore from nfs (in place)" "$t_nfs" "$(rate "$image" "$t_nfs")"
printf '%-44s %8.2f %12s\n' "nfs-cat | zstd -d | partclone.ext4 -r" "$t_nfs_stream" "$(rate "$pcl" "$t_nfs_stream")"
printf '%-44s %8.2f %12s\n' "s3cmd get of the image to /dev/null" "$t_s3_get" "$(rate "$image" "$t_s3_get")"
printf '%-44s %8.2f %12s\n' "lifeboat restore from s3 (in place)" "$t_s3" "$(rate "$image" "$t_s3")"
printf '%-44s %8.2f %12s\n' "lifeboat capture to s3, no verify" "$t_cap_s3" "$(rate "$image" "$t_cap_s3")"
printf '%-44s %8.2f %12s\n' "lifeboat capture to http (WebDAV), no verify" "$t_cap_http" "$(rate "$image" "$t_cap_http")"
printf '%-44s %8.2f %12s\n' "lifeboat capture to nfs, no verify" "$t_cap_nfs" "$(rate "$image" "$t_cap_nfs")"
printf '%-44s %8.2f %12s\n' "lifeboat capture to a local file, no verify" "$t_cap_local" "$(rate "$image" "$t_cap_local")"
echo "restore: lifeboat at $(echo "scale=2; $t_link / $t_lb" | bc)x the link's rate; $(echo "scale=2; $t_stream / $t_lb" | bc)x as fast as the stream"
echo "restore from nfs: lifeboat at $(echo "scale=2; $t_link / $t_nfs" | bc)x the link's rate; $(echo "scale=2; $t_nfs_stream / $t_nfs" | bc)x as fast as nfs-cat | zstd | partclone"
echo "restore from s3: lifeboat at $(echo "scale=2; $t_link / $t_s3" | bc)x the link's rate; $(echo "scale=2; $t_s3_get / $t_s3" | bc)x as fast as s3cmd get; capture to s3 at $(echo "scale=2; $t_cap_local / $t_cap_s3" | bc)x the local capture"
echo "capture: to http at $(echo "scale=2; $t_cap_local / $t_cap_http" | bc)x, to nfs at $(echo "scale=2; $t_cap_local / $t_cap_nfs" | bc)x the speed of the local capture"
echo "lifeboat restore from http: maximum resident memory $((rss / 1024)) MiB, $cpu CPU-seconds (user + system)"
echo "lifeboat restore from nfs: maximum resident memory $((rss_nfs / 1024)) MiB, $cpu_nfs CPU-seconds (user + system)"
