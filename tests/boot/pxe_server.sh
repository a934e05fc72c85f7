#!/bin/bash
# tools/pxe-server as the DHCP server of an isolated network, and its HTTP as
# an image store: a network namespace with a tap device, the server on it
# serving an image captured here, and a QEMU machine with SeaBIOS and iPXE
# netbooting from it with an unattended multicast restore on its kernel
# command line (pxe-server --append). iPXE gets lifeboat.ipxe over HTTP and
# the kernel and initramfs after it; init gets an address from the same
# server. The multicast session (udp-sender here) sends only the first half
# of the image: the guest's udp-receiver gets exactly those bytes, restore -
# stops saying so, and lifeboat-unattended falls back to lifeboat.image: the
# restore reads the image in place from http://SERVER/images/ onto the
# guest's blank disk, which is then judged here: the table, the checkers,
# every file. The guest reports to the server as it goes (lifeboat.report,
# pxe-server --status): its last report says done, over HTTP. The server's log
# is opened for appending: nginx reopens /dev/stderr, and nginx and dnsmasq
# write it at once.
#   usage: pxe_server.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-pxe-server "${1:-}"
source "$LB_LIB_DIR/disk.sh"
disk_init
need_tools ip dnsmasq nginx udp-sender jq
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
limit=${BOOT_LIMIT:-400}

src=$WORK/source.img target=$WORK/target.img
esp_root_disk "$src" 120M 155648
mkdir -p "$WORK/images" "$WORK/status"
lb_ok "capture the disk the guest restores" capture --progress none "$src" "$WORK/images/pc.lbi" || die "capture"
truncate -s 160M "$target"

ns=lifeboat-pxe-$$
ip netns add "$ns" || skip "cannot make a network namespace"
server=""
sender=""
trap 'stop_qemu; [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server"; [ -n "$sender" ] && kill "$sender" 2>/dev/null;
      ip netns del "$ns"; lb_cleanup' EXIT
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip tuntap add lbtap0 mode tap
ip netns exec "$ns" ip addr add 10.77.0.1/24 brd + dev lbtap0
ip netns exec "$ns" ip link set lbtap0 up
ip netns exec "$ns" ip route add 224.0.0.0/4 dev lbtap0

ip netns exec "$ns" "$LB_TOP/tools/pxe-server" --interface lbtap0 --dhcp 10.77.0.100,10.77.0.150 \
    --images "$WORK/images" --status "$WORK/status" --append "lifeboat.action=restore lifeboat.target=/dev/vda
    lifeboat.yes=1 lifeboat.after=poweroff lifeboat.multicast=9000 lifeboat.image=http://@SERVER@/images/pc.lbi
    lifeboat.report=http://@SERVER@/status/" \
    >>"$WORK/server.log" 2>&1 &
server=$!
# The multicast session: half of the image, as from a sender that died.
cut=$(($(fsize "$WORK/images/pc.lbi") / 2))
head -c "$cut" "$WORK/images/pc.lbi" >"$WORK/half.lbi"
ip netns exec "$ns" timeout "$limit" udp-sender --nokbd --interface lbtap0 --portbase 9000 --min-receivers 1 \
    --file "$WORK/half.lbi" >"$WORK/sender.log" 2>&1 &
sender=$!
for _ in $(seq 50); do grep -q 'HTTP http://10.77.0.1:8080/' "$WORK/server.log" && break; sleep 0.1; done
sleep 1
check "pxe-server is running" kill -0 "$server"

# QEMU joins the namespace to reach the tap device.
QEMU_PREFIX="ip netns exec $ns"
start_qemu pxe -machine pc -netdev tap,id=n0,ifname=lbtap0,script=no,downscript=no -device e1000,netdev=n0 -boot n \
    -drive "if=virtio,format=raw,file=$target"
if wait_for 'Lifeboat [0-9][^ ]* ready' "$limit"; then
    say "boot through pxe-server: power-on to ready line $elapsed s"
    expect 'network: eth0 up \(10\.77\.0\.(1[0-4][0-9]|150)/24\)' "init got an address from pxe-server's range"
fi
if wait_for 'lifeboat: done restore rc=[0-9]+' "$limit"; then
    say "unattended restore, multicast then http: power-on to done $elapsed s"
    expect 'lifeboat: restore from the multicast session on port 9000 \(eth0\) onto /dev/vda' "the multicast session is received on eth0"
    # udp-receiver passes on what reached it: the half image, or less when the guest (TCG, beside
    # another guest) lost the session's end; either way restore - must say its input ended early.
    got=$(serial_text | sed -n 's/.*standard input ended after \([0-9]*\) bytes, before the image did.*/\1/p')
    got=${got%%$'\n'*}
    check "restore - says its input ended early, after ${got:-no} of the session's $cut bytes" \
        eval '[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -le "$cut" ]'
    [ "${got:-0}" = "$cut" ] || serial_text | grep -i -E "multicast|standard input|udp" | tail -n 12 | sed 's/^/     | /'
    expect 'the partition table was not written' "the broken session left the table unwritten"
    expect 'lifeboat: the multicast session failed \(rc=3\); restoring from http://10\.77\.0\.1:8080/images/pc\.lbi instead' \
        "the unattended restore falls back to lifeboat.image"
    expect 'lifeboat: restore with http://10\.77\.0\.1:8080/images/pc\.lbi$' "the image is read from pxe-server's HTTP"
    expect 'lifeboat: done restore rc=0$' "the restore exits 0"
fi
wait_for_exit 60
check "udp-sender sent the session" grep -q 'Transfer complete' "$WORK/sender.log"
check "iPXE fetched lifeboat.ipxe over HTTP" grep -q 'GET /lifeboat.ipxe' "$WORK/server.log"
check "and the kernel and initramfs over HTTP" eval 'grep -q "GET /vmlinuz" "$WORK/server.log" && grep -q "GET /initrd.img" "$WORK/server.log"'
check "the image was read in parts (HTTP 206)" grep -q '"GET /images/pc.lbi HTTP/1.1" 206' "$WORK/server.log"
check "dnsmasq leased an address" grep -q 'DHCPACK(lbtap0) 10.77.0.1' "$WORK/server.log"
report=$WORK/status/52-54-00-12-34-56.json
sed 's/^/     | /' "$report"; echo
check "the guest's last report: done, exit 0, over HTTP, every byte" eval 'jq -e "
    .mac == \"52:54:00:12:34:56\" and .firmware == \"BIOS\" and .action == \"restore\" and .disk == \"/dev/vda\" and
    .phase == \"done\" and .exit_code == 0 and .how == \"http://10.77.0.1:8080/images/pc.lbi\" and
    .progress.done == .progress.total and .progress.total > 0" "$report" >/dev/null'
puts=$(grep -c '"PUT /status/52-54-00-12-34-56.json HTTP/1.0" 20[14]' "$WORK/server.log")
check "it reported on the way: booted, waiting, the fallback, progress, done ($puts reports)" [ "$puts" -ge 5 ]
same_table "$src" "$target" "restored over the network"
gpt_at_end "$target" "restored over the network"
judge_part "$src" "$target" 1 fat32 "restored over the network"
judge_part "$src" "$target" 2 ext4 "restored over the network"
kill "$server" && wait "$server"
server=""
check "pxe-server stopped its HTTP server too" eval '! pgrep -f "lifeboat-pxe.*nginx.conf" >/dev/null'
lb_finish
