#!/bin/bash
# tools/lifeboat-deploy (issue 20): one session, two machines. A network
# namespace holds a bridge with the deployment server's address and a tap
# device per guest; lifeboat-deploy serves the image there as the DHCP
# server (pxe-server) and one udpcast session for two clients. A BIOS guest
# (SeaBIOS, iPXE) and a UEFI guest (OVMF, iPXE) netboot from it at once, each
# with one blank virtio disk (lifeboat.target=auto finds it), receive the
# session together and power off. Judged here: both disks (the table, the
# checkers, every file), each guest's console (its firmware, the disk auto
# chose, the multicast restore) and the sessions log (both addresses served).
#   usage: deploy.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-deploy "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools ip dnsmasq nginx udp-sender
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
limit=${BOOT_LIMIT:-400}

src=$WORK/source.img
esp_root_disk "$src" 120M 155648
lb_ok "capture the disk the guests restore" capture --progress none "$src" "$WORK/lab.lbi" || die "capture"
truncate -s 160M "$WORK/bios.img" "$WORK/uefi.img"

ns=lifeboat-deploy-$$
ip netns add "$ns" || skip "cannot make a network namespace"
deploy="" pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; [ -n "$deploy" ] && kill "$deploy" 2>/dev/null && wait "$deploy";
      ip netns del "$ns"; lb_cleanup' EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link add br0 type bridge mcast_snooping 0
ip -n "$ns" addr add 10.77.0.1/24 brd + dev br0
ip -n "$ns" link set br0 up
ip -n "$ns" route add 224.0.0.0/4 dev br0
for tap in lbtap0 lbtap1; do
    ip -n "$ns" tuntap add "$tap" mode tap && ip -n "$ns" link set "$tap" master br0 up || die "tap $tap"
done

LIFEBOAT=$LB ip netns exec "$ns" "$LB_TOP/tools/lifeboat-deploy" --interface br0 --dhcp 10.77.0.100,10.77.0.150 \
    --image "$WORK/lab.lbi" --clients 2 --wait 300 --sessions 1 --after poweroff --logs "$WORK/logs" \
    >"$WORK/deploy.out" 2>&1 &
deploy=$!
for _ in $(seq 100); do grep -q 'session 1: waiting for clients' "$WORK/deploy.out" && break; sleep 0.2; done
check "lifeboat-deploy verified the image, printed its plan and waits for clients" \
    eval 'grep -q "checking .*lab.lbi as the clients will read it" "$WORK/deploy.out" &&
          grep -q "^  sessions:  udpcast multicast from 10.77.0.1, ports 9000-9001/udp" "$WORK/deploy.out" &&
          grep -q "session 1: waiting for clients" "$WORK/deploy.out"'

# Two guests at once: each one's QEMU_PID, SERIAL and STARTED are kept, and set again to wait on it.
QEMU_PREFIX="ip netns exec $ns"
start_qemu bios -machine pc -netdev tap,id=n0,ifname=lbtap0,script=no,downscript=no \
    -device e1000,netdev=n0,mac=52:54:00:12:00:01 -boot n -drive "if=virtio,format=raw,file=$WORK/bios.img"
bios=("$QEMU_PID" "$SERIAL" "$STARTED")
pids+=("$QEMU_PID")
uefi_args
start_qemu uefi -machine q35 "${UEFI_ARGS[@]}" -netdev tap,id=n1,ifname=lbtap1,script=no,downscript=no \
    -device e1000,netdev=n1,mac=52:54:00:12:00:02,bootindex=0 -drive "if=virtio,format=raw,file=$WORK/uefi.img"
uefi=("$QEMU_PID" "$SERIAL" "$STARTED")
pids+=("$QEMU_PID")

for guest in bios uefi; do
    declare -n g=$guest
    QEMU_PID=${g[0]} SERIAL=${g[1]} STARTED=${g[2]}
    firmware=BIOS
    [ $guest = uefi ] && firmware=UEFI
    if wait_for 'lifeboat: done restore rc=[0-9]+' "$limit"; then
        say "$guest: power-on to done $elapsed s"
        expect "started by $firmware" "$guest: started by $firmware"
        expect 'lifeboat: lifeboat.target=auto: /dev/vda, the one internal disk' "$guest: auto chose /dev/vda"
        expect 'lifeboat: restore from the multicast session on port 9000 \(eth0\) onto /dev/vda' \
            "$guest: restored from the multicast session"
        expect 'lifeboat: done restore rc=0$' "$guest: the restore exits 0"
        check "$guest: no fallback to HTTP was needed" eval '! serial_text | grep -q "the multicast session failed"'
    fi
    wait_for_exit 60
    unset -n g
done
pids=()
if wait "$deploy"; then ok "lifeboat-deploy ended after its one session"; else bad "lifeboat-deploy exited $?"; fi
deploy=""
cat "$WORK/logs/sessions.log" 2>/dev/null | sed 's/^/     | /'
check "the sessions log says session 1 was sent to both guests" \
    grep -Eq 'session 1: udp-sender exited 0; sent to: 10\.77\.0\.1[0-9]{2} 10\.77\.0\.1[0-9]{2}; dropped: 0' \
    "$WORK/logs/sessions.log"
check "lifeboat-deploy stopped its netboot server" eval '! pgrep -f "lifeboat-pxe.*nginx.conf" >/dev/null'
for guest in bios uefi; do
    t=$WORK/$guest.img
    same_table "$src" "$t" "$guest"
    gpt_at_end "$t" "$guest"
    judge_part "$src" "$t" 1 fat32 "$guest"
    judge_part "$src" "$t" 2 ext4 "$guest"
done
lb_finish
