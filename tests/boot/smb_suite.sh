#!/bin/bash
# SMB's store conformance (issue 19): the round trip every network store's
# integration test runs (lib/store_suite.sh: a whole disk and a filesystem in
# 2 MiB volumes captured, described, listed, verified and restored in place,
# judged by sgdisk -v, the checkers and every file; a byte altered on the
# server is damage naming its volume) and a wrong password (exit 8), against
# Samba's smbd run here. This host's kernel has no CIFS client, so lifeboat
# runs in the rescue system's kernel: a QEMU guest (the ISO's kernel and
# initramfs, with 9p) that shares this test's folder at the same path and
# runs each lifeboat command the suite gives it (guest_lifeboat, below);
# everything else, making disks and judging them, happens here.
#   usage: smb_suite.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/../integration/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib.sh"
boot_init boot-smb-suite "${1:-}"
source "$LB_LIB_DIR/disk.sh"
source "$LB_LIB_DIR/store_suite.sh"
disk_init
need_tools sgdisk mkfs.ext4

password='Sh4re,pass word'
start_smb "$WORK/smb" root "$password"
mkdir -p "$WORK/smb/share/machines"

# The guest: lifeboat's commands arrive as files in $WORK/guest (one argument
# per line, N.cmd); it runs each, leaving N.out, N.err and then N.rc, until
# $WORK/guest/stop appears. Its network is QEMU's user mode: 10.0.2.2 is this
# namespace's loopback, where smbd listens.
queue=$WORK/guest
mkdir "$queue"
cat >"$WORK/guest.sh" <<GUEST
set +x  # the toolbox traces its script: not this loop
modprobe -a e1000 cifs
ip link set lo up && ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
mkdir -p "$WORK" && mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work "$WORK" || exit 1
echo "toolbox: serving $queue"
until [ -e "$queue/stop" ]; do
    for c in "$queue"/*.cmd; do
        [ -e "\$c" ] || continue
        n=\${c%.cmd}
        mv "\$c" "\$n.run"
        set --
        while IFS= read -r a; do set -- "\$@" "\$a"; done <"\$n.run"
        lifeboat "\$@" </dev/null >"\$n.out" 2>"\$n.err"
        echo \$? >"\$n.rc.tmp" && mv "\$n.rc.tmp" "\$n.rc"
    done
    sleep 0.2
done
GUEST
toolbox_start smb "$WORK/guest.sh" "netfs fscache 9pnet 9pnet_virtio 9p" "" \
    -netdev user,id=n0 -device e1000,netdev=n0 \
    -fsdev "local,id=work,path=$WORK,security_model=passthrough" -device virtio-9p-pci,fsdev=work,mount_tag=work
wait_for 'toolbox: serving' 120 || { stop_qemu; lb_finish; }

# guest_lifeboat ARGS...: lifeboat ARGS run in the guest; its output and exit
# code as if here (125 when the guest is gone).
cat >"$WORK/guest-lifeboat" <<RUN
#!/bin/bash
n=\$(date +%s%N)
printf '%s\n' "\$@" >"$queue/\$n.tmp" && mv "$queue/\$n.tmp" "$queue/\$n.cmd"
until [ -e "$queue/\$n.rc" ]; do
    kill -0 $QEMU_PID 2>/dev/null || { echo "guest-lifeboat: the guest is gone (see $SERIAL)" >&2; exit 125; }
    sleep 0.1
done
cat "$queue/\$n.out"; cat "$queue/\$n.err" >&2
exit "\$(cat "$queue/\$n.rc")"
RUN
chmod +x "$WORK/guest-lifeboat"
host_lb=$LB LB=$WORK/guest-lifeboat

url=smb://root@10.0.2.2/images/machines
# smb:// needs the kernel's CIFS client, which this host lacks: an SMB command
# that works ran in the guest.
lb_ok "the guest's lifeboat answers" --version && check "it is this build" [ "$(cat "$OUT")" = "$("$host_lb" --version)" ]
printf 'user = root\npassword = not it\n' >"$WORK/wrong.creds"
lb_expect 8 "a wrong password is refused" list --credentials "$WORK/wrong.creds" "$url/" &&
    err_has "says the server refused the login" "10\.0\.2\.2 refused the user name or password"
check "the password never shows" sh -c '! grep -qF "not it" "$1"' sh "$ERR"

store_round_trip smb "$url" "$WORK/smb/share/machines" --credentials "$SMB_CREDS"

touch "$queue/stop"
wait_for 'toolbox: rc=[0-9]+' 60 && expect 'toolbox: rc=0$' "the guest's script exits 0"
wait_for_exit 30
lb_finish
