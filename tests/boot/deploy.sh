#!/bin/bash
# tools/lifeboat-deploy (issue 20): one session, four machines. A network
# namespace holds a bridge with the deployment server's address and a tap
# device per guest; lifeboat-deploy serves the image there as the DHCP server
# (pxe-server) and one udpcast session for four clients, at most 40 Mbit/s so
# that it lasts a while. All four netboot from it at once, each with one blank
# virtio disk, and report to it (lifeboat.report):
#   bios   SeaBIOS, iPXE; lifeboat.target=auto finds its disk;
#   uefi   OVMF with Secure Boot and its own PXE (no iPXE ROM): shim, then
#          Debian's signed GRUB over TFTP; named in --config: disk /dev/vda
#          (GRUB chose by its MAC);
#   lossy  OVMF, iPXE; 2% of the frames to it are dropped (nftables on the
#          bridge: the host kernel has no netem);
#   victim SeaBIOS, iPXE; killed mid-session, once it has reported progress.
# Judged here: the three disks (byte-identical to a restore made here onto the
# same size, the table, the checkers, every file), each
# guest's console, the sessions log, and lifeboat-deploy status: three clients
# ok with their firmware and disk, the victim shown silent (lost).
#   usage: deploy.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib.sh"
boot_init boot-deploy "${1:-}"
source "$LB_LIB_DIR/disk.sh"
source "$LB_LIB_DIR/network.sh"
disk_init
need_tools ip nft dnsmasq nginx udp-sender jq
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
limit=${BOOT_LIMIT:-400}

# 16 MiB that do not compress, on both filesystems: a session of some seconds.
head -c $((16 << 20)) /dev/urandom >"$DATA/random.bin"
tree_sums "$DATA" >"$DATA_SUMS"
src=$WORK/source.img
esp_root_disk "$src" 120M 155648
lb_ok "capture the disk the guests restore" capture --progress none "$src" "$WORK/lab.lbi" || die "capture"
say "image: $(stat -c %s "$WORK/lab.lbi") bytes"
guests=(bios uefi lossy victim)
for g in "${guests[@]}" reference; do truncate -s 160M "$WORK/$g.img"; done
lb_ok "the reference: a restore made here" restore --yes --progress none "$WORK/lab.lbi" "$WORK/reference.img" || die "restore"

ns=lifeboat-deploy-$$
deploy="" pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; [ -n "$deploy" ] && kill "$deploy" 2>/dev/null && wait "$deploy";
      ip netns del "$ns" 2>/dev/null; lb_cleanup' EXIT
multicast_bridge "$ns" 10.77.0.1/24 || skip "cannot make a network namespace"
for i in 0 1 2 3; do
    ip -n "$ns" tuntap add "lbtap$i" mode tap && ip -n "$ns" link set "lbtap$i" master br0 up || die "tap lbtap$i"
done
# The lossy guest's link: 2% of the frames the bridge sends it, forwarded or the server's own.
ip netns exec "$ns" nft -f - <<'END' || die "nft: packet loss on lbtap2"
table bridge loss {
    chain forward { type filter hook forward priority 0; oifname "lbtap2" numgen random mod 100 < 2 counter drop; }
    chain output { type filter hook output priority 0; oifname "lbtap2" numgen random mod 100 < 2 counter drop; }
}
END
cat >"$WORK/lab.conf" <<'END'
# the Secure Boot machine: its disk named, not found
52:54:00:12:00:02  restore  disk=/dev/vda
END

LIFEBOAT=$LB ip netns exec "$ns" "$LB_TOP/tools/lifeboat-deploy" --interface br0 --dhcp 10.77.0.100,10.77.0.150 \
    --image "$WORK/lab.lbi" --clients 4 --wait 300 --sessions 1 --after poweroff --max-bitrate 40m \
    --config "$WORK/lab.conf" --logs "$WORK/logs" >"$WORK/deploy.out" 2>&1 &
deploy=$!
for _ in $(seq 100); do grep -q 'session 1: waiting for clients' "$WORK/deploy.out" && break; sleep 0.2; done
check "lifeboat-deploy verified the image, printed its plan and waits for clients" \
    eval 'grep -q "checking .*lab.lbi as the clients will read it" "$WORK/deploy.out" &&
          grep -q "^  sessions:  udpcast multicast from 10.77.0.1, ports 9000-9001/udp, at most 40m bit/s" "$WORK/deploy.out" &&
          grep -q "^  except:    52:54:00:12:00:02: the multicast session onto /dev/vda, then poweroff" "$WORK/deploy.out" &&
          grep -q "session 1: waiting for clients" "$WORK/deploy.out"'

# Four guests at once: each one's QEMU_PID, SERIAL and STARTED are kept, and set again to wait on it.
QEMU_PREFIX="ip netns exec $ns"
declare -A pid serial started
for i in 0 1 2 3; do
    g=${guests[i]} mac=52:54:00:12:00:0$((i + 1))
    case $g in
    uefi)   # OVMF's own network stack (virtio-net, no option ROM): the firmware's PXE
        uefi_args secure "$g"
        start_qemu "$g" -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on "${UEFI_ARGS[@]}" \
            -netdev tap,id=n0,ifname=lbtap$i,script=no,downscript=no \
            -device virtio-net-pci,netdev=n0,mac=$mac,romfile=,bootindex=0 -drive "if=virtio,format=raw,file=$WORK/$g.img" ;;
    lossy)
        uefi_args "" "$g"
        start_qemu "$g" -machine q35 "${UEFI_ARGS[@]}" -netdev tap,id=n0,ifname=lbtap$i,script=no,downscript=no \
            -device e1000,netdev=n0,mac=$mac,bootindex=0 -drive "if=virtio,format=raw,file=$WORK/$g.img" ;;
    *)
        start_qemu "$g" -machine pc -netdev tap,id=n0,ifname=lbtap$i,script=no,downscript=no \
            -device e1000,netdev=n0,mac=$mac -boot n -drive "if=virtio,format=raw,file=$WORK/$g.img" ;;
    esac
    pid[$g]=$QEMU_PID serial[$g]=$SERIAL started[$g]=$STARTED
    pids+=("$QEMU_PID")
done
use() { QEMU_PID=${pid[$1]} SERIAL=${serial[$1]} STARTED=${started[$1]}; }

# The victim: killed once its report shows the restore under way.
report=$WORK/logs/clients/52-54-00-12-00-04.json
deadline=$(($(date +%s) + limit))
until jq -e '.phase == "restore" and .progress.done > 0' "$report" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] && kill -0 "${pid[victim]}" 2>/dev/null || break
    sleep 0.5
done
victim_done=$(jq -r '.progress.done' "$report" 2>/dev/null)
kill -9 "${pid[victim]}" 2>/dev/null
check "victim: reported its restore under way ($victim_done bytes), then killed" [ "${victim_done:-0}" -gt 0 ]

declare -A started_by=([bios]="BIOS" [uefi]="UEFI, Secure Boot on" [lossy]="UEFI, Secure Boot off")
for g in bios uefi lossy; do
    use "$g"
    if wait_for 'lifeboat: done restore rc=[0-9]+' "$limit"; then
        say "$g: power-on to done $elapsed s"
        expect "started by ${started_by[$g]};" "$g: started by ${started_by[$g]}"
        if [ "$g" = uefi ]; then
            check "$g: booted by GRUB (the firmware's PXE, shim): its menu went by TFTP" \
                eval 'grep -Eq "sent .*/bootx64\.efi to " "$WORK/logs/server.log" &&
                      grep -Eq "sent .*/grub/grub\.cfg to " "$WORK/logs/server.log"'
            check "$g: its disk came from --config, not auto" eval '! serial_has "lifeboat\.target=auto"'
        else
            expect 'lifeboat: lifeboat.target=auto: /dev/vda, the one internal disk' "$g: auto chose /dev/vda"
        fi
        expect 'lifeboat: restore from the multicast session on port 9000 \(eth0\) onto /dev/vda' \
            "$g: restored from the multicast session"
        expect 'lifeboat: done restore rc=0$' "$g: the restore exits 0"
        check "$g: no fallback to HTTP was needed" eval '! serial_has "the multicast session failed"'
    fi
    wait_for_exit 60
done
pids=()
if wait "$deploy"; then ok "lifeboat-deploy ended after its one session and the last reports"; else bad "lifeboat-deploy exited $?"; fi
deploy=""
sed 's/^/     | /' "$WORK/logs/sessions.log" "$WORK/logs/clients.log" 2>/dev/null
check "the sessions log: three guests served, the victim dropped" \
    grep -Eq 'session 1: udp-sender exited 0; sent to: 10\.77\.0\.1[0-9]{2} 10\.77\.0\.1[0-9]{2} 10\.77\.0\.1[0-9]{2}; dropped: 1 \(10\.77\.0\.1[0-9]{2}\)$' \
    "$WORK/logs/sessions.log"
lost=$(ip netns exec "$ns" nft list table bridge loss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | paste -sd+ | bc)
check "the lossy guest's link lost frames ($lost)" [ "${lost:-0}" -gt 0 ]
check "lifeboat-deploy stopped its netboot server" eval '[ -z "$(ip netns pids "$ns")" ]'

"$LB_TOP/tools/lifeboat-deploy" status --logs "$WORK/logs" >"$WORK/status.out" 2>&1
sed 's/^/     | /' "$WORK/status.out"
row() { grep "^$1 " "$WORK/status.out" | sed 's/  */ /g'; }
for i in 0 1 2; do
    g=${guests[i]} firmware=BIOS
    [ "$g" = bios ] || firmware=UEFI
    check "status: $g ok, by the multicast session" eval \
        'row 52:54:00:12:00:0$((i + 1)) | grep -Eq "^52:54:00:12:00:0$((i + 1)) 10\.77\.0\.1[0-9]{2} $firmware /dev/vda done 100% [0-9.]+ MB/s ok \("'
    check "clients.log: $g done" grep -Eq "client 52:54:00:12:00:0$((i + 1)) 10\.77\.0\.1[0-9]{2}: restore done \(exit 0\) on /dev/vda by multicast session, port 9000$" \
        "$WORK/logs/clients.log"
done
check "status: the victim is shown lost" eval \
    'row 52:54:00:12:00:04 | grep -Eq "^52:54:00:12:00:04 10\.77\.0\.1[0-9]{2} BIOS /dev/vda restore [0-9]+% .* silent for [0-9]+ s \(lost\?\)"'
for g in bios uefi lossy; do
    t=$WORK/$g.img
    check "$g: byte-identical to the restore made here (cmp)" cmp -s "$WORK/reference.img" "$t"
    same_table "$src" "$t" "$g"
    gpt_at_end "$t" "$g"
    judge_part "$src" "$t" 1 fat32 "$g"
    judge_part "$src" "$t" 2 ext4 "$g"
done
lb_finish
