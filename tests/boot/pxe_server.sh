#!/bin/bash
# tools/pxe-server as the DHCP server of an isolated network: a network
# namespace with a tap device, the server on it, and a QEMU machine with
# SeaBIOS and iPXE netbooting from it. iPXE gets lifeboat.ipxe over HTTP and
# the kernel and initramfs after it; init then gets an address from the same
# server.
#   usage: pxe_server.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-pxe-server "${1:-}"
need_tools ip dnsmasq python3
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
limit=${BOOT_LIMIT:-300}

ns=lifeboat-pxe-$$
ip netns add "$ns" || skip "cannot make a network namespace"
server=""
trap 'stop_qemu; [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server"; ip netns del "$ns"; lb_cleanup' EXIT
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip tuntap add lbtap0 mode tap
ip netns exec "$ns" ip addr add 10.77.0.1/24 dev lbtap0
ip netns exec "$ns" ip link set lbtap0 up

ip netns exec "$ns" "$LB_TOP/tools/pxe-server" --interface lbtap0 --dhcp 10.77.0.100,10.77.0.150 \
    >"$WORK/server.log" 2>&1 &
server=$!
sleep 2
check "pxe-server is running" kill -0 "$server"

# QEMU joins the namespace to reach the tap device.
QEMU_PREFIX="ip netns exec $ns"
start_qemu pxe -machine pc -netdev tap,id=n0,ifname=lbtap0,script=no,downscript=no -device e1000,netdev=n0 -boot n
if wait_for 'Lifeboat [0-9][^ ]* ready' "$limit"; then
    say "boot through pxe-server: power-on to ready line $elapsed s"
    expect 'network: eth0 up \(10\.77\.0\.(1[0-4][0-9]|150)/24\)' "init got an address from pxe-server's range"
fi
check "iPXE fetched lifeboat.ipxe over HTTP" grep -q 'GET /lifeboat.ipxe' "$WORK/server.log"
check "and the kernel and initramfs over HTTP" eval 'grep -q "GET /vmlinuz" "$WORK/server.log" && grep -q "GET /initrd.img" "$WORK/server.log"'
check "dnsmasq leased an address" grep -q 'DHCPACK(lbtap0) 10.77.0.1' "$WORK/server.log"
stop_qemu
kill "$server" && wait "$server"
server=""
check "pxe-server stopped its HTTP server too" eval '! pgrep -f "lifeboat-pxe.*nginx.conf" >/dev/null'
lb_finish
