#!/bin/bash
# Images on an NFS export (issue 19), against nfs-ganesha and rpcbind started
# here, in network and mount namespaces of the test's own: the stores' round
# trip (lib/store_suite.sh: a whole disk and a split filesystem captured,
# listed, verified, restored in place and judged; a byte altered on the server
# is damage); a path no export holds; a server killed mid-capture (error
# within 60 s, no image; a partial is never listed and the next capture
# clears it) and mid-restore (the aftermath said); the export listed by its
# own address; a server that serves only NFSv4.
#   usage: store_nfs.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib/common.sh"
lb_init store-nfs "${1:-}"
source "$(dirname "$0")/lib/disk.sh"
source "$(dirname "$0")/lib/store_suite.sh"
disk_init
need_tools sgdisk tc

start_nfs "$WORK/nfs"
files=$WORK/nfs/export
mkdir -p "$files/images"
url=$NFS_URL/images

store_round_trip nfs "$url" "$files/images"

cp "$files/images/pc.lbi" "$files/top.lbi"
lb_ok "the export listed by its own address, no '/' after it" list --json "$NFS_URL" &&
    check "shows the image in it" test "$(jq -r '[.machines[].images[].path] | join(" ")' "$OUT")" = "$NFS_URL/top.lbi"
rm "$files/top.lbi"
lb_ok "a folder with options listed" list --json "$url?uid=0&gid=0" && {
    first=$(jq -r '[.machines[].images[].path] | sort | .[0]' "$OUT")
    check "its images keep the options" test "$first" = "$url/pc.lbi?uid=0&gid=0"
    lb_ok "and such an image is read" info "$first"
}

lb_expect 7 "a path no export holds" info "nfs://127.0.0.1/srv/nowhere/pc.lbi" && {
    err_has "says so" "127.0.0.1 exports no folder that holds it"
    err_has "and how to see the exports" "showmount -e 127.0.0.1"
}

big=$WORK/big.img
head -c $((120 << 20)) /dev/urandom >"$big"
server_dies_during "a capture" stop_nfs "127.0.0.1 (cannot be reached|stopped answering)" \
    capture --progress none --level 19 "$big" "$url/big.lbi"
check "no image under its name" test ! -e "$files/images/big.lbi"
restart_nfs
lb_ok "list after the kill" list --json "$url/" &&
    check "the partial is not listed" sh -c '! grep -q "big.lbi" "$1"' sh "$OUT"
lb_ok "a new capture of the name" capture --progress none --level 1 "$big" "$url/big.lbi" &&
    check "cleared the partial" test ! -e "$files/images/big.lbi.partial"

# Loopback at 16 MiB/s (tbf): 2 s in, the restore of 120 MiB is under way.
tc qdisc add dev lo root tbf rate 128mbit burst 256kb latency 400ms || die "tc on loopback"
server_dies_during "a restore" stop_nfs "127.0.0.1 (cannot be reached|stopped answering)" \
    restore --yes --progress none "$url/big.lbi" "$WORK/target2.img"
check "and says what the target holds now" grep -q "target2.img" "$WORK/dies.out"
tc qdisc del dev lo root

# A server that serves only NFSv4: a plain address falls back to the kernel's
# NFSv4 client (tests/boot/nfs_store.sh, in the rescue kernel), which this
# machine's kernel lacks: the NFSv3 failure is said, and why v4 was no way out.
nfs_protocols 4
if grep -q 'nfs4$' /proc/filesystems || [ -d "/lib/modules/$(uname -r)/kernel/fs/nfs" ]; then
    lb_ok "an NFSv4-only server, through this kernel's NFSv4 client" list "$url/"
else
    lb_expect 1 "an NFSv4-only server, on a kernel without an NFSv4 client" list "$url/" &&
        err_has "says what was missing" "serves only NFSv4 needs the kernel's NFSv4 client, which this system lacks"
fi
lb_finish
