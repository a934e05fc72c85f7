#!/bin/bash
# One image onto several machines at once by udpcast multicast (issue 20),
# each receiver piping the session into `lifeboat restore -`. A network
# namespace holds the server (a bridge, udp-sender, its rate held to 40 Mbit/s
# with tbf so that a session lasts a few seconds); each client is a namespace
# of its own on a veth to the bridge:
#   1. three clients receive one session (it starts when all four joined),
#      onto new files and onto disks of junk: each disk is byte-identical to
#      a restore from the file onto what it held, its table passes sgdisk -v,
#      its ext4 e2fsck -fn;
#   2. a fourth client's receiver is killed mid-session: the other three still
#      end identical; its restore stops with exit 3 saying the stream ended,
#      its old table untouched; restored again from the file (what the media's
#      lifeboat-unattended does over HTTP), it ends identical too;
#   3. a late client, started after the session began, is not taken into it
#      and is served by the next session;
#   4. 2% of the frames to client 3 are dropped at random (nftables on the
#      bridge: the host kernel has no netem): it still ends identical.
#   usage: deploy_multicast.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init multicast "${1:-}"
# shellcheck source=lib/disk.sh
source "$LB_LIB_DIR/disk.sh"
source "$LB_LIB_DIR/network.sh"
disk_init
need_tools udp-sender udp-receiver ip tc nft sgdisk e2fsck timeout

MiB=$((1 << 20))
ns=lbmc$$
NAMESPACES=()
mc_cleanup() {
    local n
    for n in "${NAMESPACES[@]}"; do
        ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
        ip netns del "$n" 2>/dev/null
    done
}
trap 'mc_cleanup; lb_cleanup' EXIT

# --- the image ---------------------------------------------------------------
src=$WORK/source.img
junk "$src" $((64 * MiB))
sfdisk -q "$src" <<'END' >/dev/null 2>&1 || die "sfdisk $src"
label: gpt
start=2048, size=98304, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
start=100352, size=16384, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F
END
put_fs "$src" 1 ext4 root
put_fs "$src" 2 swap swap
img=$WORK/lab.lbi
lb_ok "capture" capture --progress none "$src" "$img" || die "capture"
say "image: $(fsize "$img") bytes"

# --- the network -----------------------------------------------------------------
# The server's bridge and each client's veth have a broadcast address (udpcast's
# receivers find the sender by it) and a multicast route.
NAMESPACES+=("$ns")
multicast_bridge "$ns" 10.78.0.1/24 || skip "cannot make a network namespace"
tc -n "$ns" qdisc add dev br0 root tbf rate 40mbit burst 64kb latency 500ms || die "tbf on the server's bridge"
client() {  # client N: namespace $ns-cN, its veth cN with 10.78.0.(10+N)
    local n=$1 c=$ns-c$1
    ip netns add "$c" && NAMESPACES+=("$c")
    ip link add "mc$$s$n" type veth peer name "c$n" netns "$c" || die "veth for client $n"
    ip link set "mc$$s$n" netns "$ns"
    ip -n "$ns" link set "mc$$s$n" master br0 up
    ip -n "$c" link set lo up
    ip -n "$c" addr add "10.78.0.$((10 + n))/24" brd + dev "c$n"
    ip -n "$c" link set "c$n" up
    ip -n "$c" route add 224.0.0.0/4 dev "c$n"
}
for n in 1 2 3 4 5; do client "$n"; done
# Client 3's link loses 2% of what the bridge sends it: forwarded frames, and the
# sender's own (it runs on the bridge's address: the output hook).
ip netns exec "$ns" nft -f - <<END || die "nft: packet loss on client 3's link"
table bridge loss {
    chain forward { type filter hook forward priority 0; oifname "mc$$s3" numgen random mod 100 < 2 counter drop; }
    chain output { type filter hook output priority 0; oifname "mc$$s3" numgen random mod 100 < 2 counter drop; }
}
END

# receive N TARGET: client N receives a session into `lifeboat restore --yes - TARGET`;
# its exit code lands in $WORK/rcN, the receiver's PID in $WORK/receiverN.
receive() {
    local n=$1 target=$2
    (
        ip netns exec "$ns-c$n" timeout 120 udp-receiver --nokbd --interface "c$n" --portbase 9000 \
            --start-timeout 60 --receive-timeout 10 2>"$WORK/receiver$n.log" &
        echo $! >"$WORK/receiver$n"
        wait $!
    ) | "$LB" restore --yes --progress none - "$target" >"$WORK/restore$n.out" 2>"$WORK/restore$n.err"
    echo $? >"$WORK/rc$n"
}
# session MIN: one udp-sender session of the image, started once MIN receivers joined.
session() {
    ip netns exec "$ns" timeout 120 udp-sender --nokbd --interface br0 --portbase 9000 --min-receivers "$1" \
        --max-wait 30 --retries-until-drop 15 --file "$img" >"$WORK/sender.log" 2>&1
}

# Targets: 1, 3 and 5 new files, 2 junk, 4 a disk with another table. Each one's
# reference is what a restore from the file makes of what it holds.
junk "$WORK/t2.img" $((80 * MiB))
old=$WORK/old.img
junk "$old" $((80 * MiB))
sgdisk -U 99999999-8888-7777-6666-555555555555 -n1:2048:+40M -t1:8300 "$old" >/dev/null || die "sgdisk $old"
cp "$old" "$WORK/t4.img"
old_head=$(head -c $((34 * 512)) "$old" | sha256sum)
for n in 1 2 3 4 5; do
    [ -e "$WORK/t$n.img" ] && cp "$WORK/t$n.img" "$WORK/ref$n.img"
    lb_ok "reference $n: a restore from the file" restore --yes --progress none "$img" "$WORK/ref$n.img" ||
        die "restore from the file"
done

say "--- session 1: clients 1-4 (4 killed mid-session), client 5 late"
receive 1 "$WORK/t1.img" &
receive 2 "$WORK/t2.img" &
receive 3 "$WORK/t3.img" &
receive 4 "$WORK/t4.img" &
session 4 &
sender=$!
# Mid-session: once the sender has sent some of the image (its progress line).
for _ in $(seq 100); do grep -q 'bytes=' "$WORK/sender.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
receive 5 "$WORK/t5.img" &
late=$!
kill "$(cat "$WORK/receiver4")" 2>/dev/null
wait "$sender"
check "session 1: udp-sender finished" grep -q 'Transfer complete' "$WORK/sender.log"
for _ in $(seq 100); do [ -s "$WORK/rc1" ] && [ -s "$WORK/rc2" ] && [ -s "$WORK/rc3" ] && [ -s "$WORK/rc4" ] && break; sleep 0.1; done
for n in 1 2 3; do
    t=$WORK/t$n.img
    if [ "$(cat "$WORK/rc$n" 2>/dev/null)" = 0 ]; then
        ok "client $n: restore - exit 0"
        check "client $n: the disk is byte-identical to a restore from the file (cmp)" \
            same_bytes "$WORK/ref$n.img" "$t"
        check "client $n: sgdisk -v finds no problem" eval 'sgdisk -v "$t" 2>&1 | grep -q "No problems found"'
        part_loop p "$t" 1
        check "client $n: e2fsck -fn of its root" quiet e2fsck -fn "$p"
        detach "$p"
    else
        bad "client $n: restore - exited $(cat "$WORK/rc$n" 2>/dev/null)"
        sed 's/^/     | /' "$WORK/restore$n.err" "$WORK/receiver$n.log" | head -n 12
    fi
done
lost=$(ip netns exec "$ns" nft list table bridge loss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | paste -sd+ | bc)
check "client 3's link lost frames ($lost) and it still ended identical" \
    eval '[ "${lost:-0}" -gt 0 ] && [ "$(cat "$WORK/rc3")" = 0 ] && same_bytes "$WORK/ref3.img" "$WORK/t3.img"'
check "client 4 (killed): restore - exit 3" [ "$(cat "$WORK/rc4" 2>/dev/null)" = 3 ]
check "client 4: the error says the stream ended before the image" \
    grep -q "standard input ended after [0-9]* bytes, before the image did" "$WORK/restore4.err"
check "client 4: the partition table was not written, its old one is untouched" \
    eval 'grep -q "the partition table was not written" "$WORK/restore4.err" &&
          [ "$(head -c $((34 * 512)) "$WORK/t4.img" | sha256sum)" = "$old_head" ]'
lb_ok "client 4: restored again from the file" restore --yes --progress none "$img" "$WORK/t4.img" &&
    check "client 4: then identical to a restore from the file (cmp)" same_bytes "$WORK/ref4.img" "$WORK/t4.img"

check "client 5 (late) was not taken into session 1: still waiting" kill -0 "$late"
say "--- session 2: the late client"
session 1
wait "$late"
check "session 2: udp-sender finished" grep -q 'Transfer complete' "$WORK/sender.log"
check "client 5: restore - exit 0" [ "$(cat "$WORK/rc5" 2>/dev/null)" = 0 ]
check "client 5: byte-identical to a restore from the file (cmp)" same_bytes "$WORK/ref5.img" "$WORK/t5.img"
lb_finish
