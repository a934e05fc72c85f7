# shellcheck shell=bash
# Shared by the boot tests: boots Lifeboat's media in QEMU under software
# emulation (TCG; never KVM here) and waits for lines on the serial port. On
# top of tests/integration/lib/common.sh (ok / bad / check, $WORK, cleanup).
#
#   source "$(dirname "$0")/lib.sh"
#   boot_init NAME LIFEBOAT       # as lb_init, and the media's paths
#   start_qemu NAME QEMU-ARGS...  # boots in the background, serial to a file
#   wait_for REGEX SECONDS        # a serial line matching, or fail; $elapsed
#   expect REGEX WHAT             # ok when the serial output has such a line
#   wait_for_exit SECONDS         # the guest powers off by itself
#   serial_send TEXT              # types TEXT and Enter on the serial console
#   wait_screen REGEX WHAT [SECONDS]  # the wizard's screen on the serial console
#                                 # shows it (escape sequences read as spaces)
#   key KEYS / key_down           # sends bytes to the wizard as they are / the Down key
#   iso_kernel                    # $WORK/vmlinuz and $WORK/initrd.img from the ISO
#   slow_random_disk              # $WORK/random.img (96 MiB of random bytes) and
#                                 # loopback at 8 MiB/s, for a capture to outlive its server
#   server_dies_mid_capture PARTIAL STOP
#                                 # STOP once the guest's PARTIAL file passes 16 MiB:
#                                 # its capture fails within 60 s and leaves no image
#   guest_toolbox NAME SCRIPT MODULES PROGRAMS QEMU-ARGS...
#                                 # runs a script with host tools in the media's kernel
#                                 # (and $TOOLBOX_TREES, host folders they read)
#   toolbox_start NAME SCRIPT MODULES PROGRAMS QEMU-ARGS...
#                                 # starts it, for a test that talks to it while it runs
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib/common.sh"

boot_init() {
    lb_init "$@"
    LB_TOP=$(cd "$LB_LIB_DIR/../../.." && pwd)
    ISO="$LB_TOP/build/lifeboat.iso"
    NETBOOT="$LB_TOP/build/netboot"
    need_tools qemu-system-x86_64 xorriso bc python3
    [ -f "$ISO" ] && [ -f "$NETBOOT/initrd.img" ] || die "no media in $LB_TOP/build; run tools/build-media"
    QEMU_PID=""
    trap 'stop_qemu; lb_cleanup' EXIT
}

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_CODE_SB=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
OVMF_VARS_MS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd   # Microsoft's keys enrolled: shim is signed by them

# uefi_args [secure] [NAME]: sets UEFI_ARGS to QEMU's OVMF arguments, with a
# private copy of the variable store (one per NAME, for guests side by side);
# secure: Secure Boot on (OVMF_CODE_SB, Microsoft's keys), for a q35 machine
# with SMM: -machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on.
uefi_args() {
    local code=$OVMF_CODE vars=$OVMF_VARS
    if [ "${1:-}" = secure ]; then code=$OVMF_CODE_SB vars=$OVMF_VARS_MS; fi
    [ -f "$code" ] && [ -f "$vars" ] ||
        die "$code or $vars is missing (package ovmf: run tools/install-deps as root)"
    cp "$vars" "$WORK/vars${2:+-$2}.fd"
    UEFI_ARGS=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
               -drive "if=pflash,format=raw,unit=1,file=$WORK/vars${2:+-$2}.fd")
}

start_qemu() {
    local name=$1
    shift
    SERIAL="$WORK/$name.serial"
    : >"$SERIAL"
    STARTED=$(date +%s.%N)
    # The serial port is a socket (serial_send types into it) that also logs
    # everything the guest writes to $SERIAL.
    SERIAL_SOCKET="$WORK/$name.sock"
    # $QEMU_PREFIX: a command QEMU runs under (`ip netns exec NS` to reach a tap device there).
    ${QEMU_PREFIX:-} qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -display none -monitor none -no-reboot \
        -chardev "socket,id=serial0,path=$SERIAL_SOCKET,server=on,wait=off,logfile=$SERIAL" \
        -serial chardev:serial0 "$@" >"$WORK/$name.qemu" 2>&1 &
    QEMU_PID=$!
}

# unix_send SOCKET TEXT [burst]: writes TEXT to a listening unix socket (a
# serial port, QEMU's monitor), a character at a time as a person types, or
# at once as a terminal sends a key's escape sequence.
unix_send() {
    python3 - "$1" "$2" "${3:-}" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for ch in ([sys.argv[2]] if sys.argv[3] == "burst" else sys.argv[2]):
    s.sendall(ch.encode())
    time.sleep(0.05)
time.sleep(0.5)
PY
}

# serial_send TEXT: types TEXT and Enter on the guest's serial console.
serial_send() { unix_send "$SERIAL_SOCKET" "$1"$'\r'; }

# The screen as text: every escape sequence (cursor moves included) becomes a
# space, so words drawn apart by cursor moves are still found, one space apart.
screen_has() {
    tr -d '\r' <"$SERIAL" | sed -E 's/\x1b\[[0-9;?]*[A-Za-z]/ /g; s/\x1b[()][0-9AB]//g; s/\x1b[=>]//g; s/ +/ /g' |
        grep -Eq "$1"
}
wait_screen() {
    local deadline=$(($(date +%s) + ${3:-60}))
    until screen_has "$1"; do
        if ! kill -0 "$QEMU_PID" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
            bad "the wizard never showed $2 (/$1/)"
            show_tail
            return 1
        fi
        sleep 0.5
    done
    ok "the wizard shows $2"
}
key() { unix_send "$SERIAL_SOCKET" "$1"; }
key_down() { unix_send "$SERIAL_SOCKET" $'\eOB' burst; }  # vt100's cursor-down in keypad mode

# iso_kernel: the kernel and initramfs inside the ISO, as its boot loaders
# load them, into $WORK/vmlinuz and $WORK/initrd.img.
iso_kernel() {
    xorriso -osirrox on -indev "$ISO" -extract /boot/vmlinuz "$WORK/vmlinuz" \
        -extract /boot/initrd.img "$WORK/initrd.img" >/dev/null 2>&1 || die "cannot read /boot from $ISO"
}

# The serial output as lines of text: no carriage returns, no escape codes.
serial_text() { tr -d '\r' <"$SERIAL" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'; }
# serial_has PATTERN: whether a line matches. Not `serial_text | grep -q`: grep
# leaving at the first match makes sed's next write fail, and pipefail reports it.
serial_has() { grep -Eq -- "$1" <<<"$(serial_text)"; }

slow_random_disk() {
    need_tools tc
    head -c $((96 << 20)) /dev/urandom >"$WORK/random.img"
    tc qdisc add dev lo root tbf rate 64mbit burst 256kb latency 400ms || die "tc on loopback"
}

server_dies_mid_capture() {
    local partial=$1 stop=$2 killed took
    for _ in $(seq 300); do
        [ "$(stat -c %s "$partial" 2>/dev/null || echo 0)" -gt $((16 << 20)) ] && break
        sleep 1
    done
    $stop
    killed=$(date +%s)
    if wait_for 'lifeboat: done capture rc=[0-9]+' 120; then
        took=$(($(date +%s) - killed))
        say "a capture whose server was killed: failed $took s later"
        expect 'lifeboat: done capture rc=[1-9][0-9]*$' "a capture whose server was killed fails"
        check "within 60 s ($took s)" [ "$took" -le 60 ]
        expect "lifeboat: write .*${partial##*/}: " "says which image it was writing"
    fi
    wait_for_exit 60
    check "no image under its name" test ! -e "${partial%.partial}"
}

wait_for() {
    local pattern=$1 limit=$2 deadline
    deadline=$(($(date +%s) + limit))
    while ! serial_has "$pattern"; do
        if ! kill -0 "$QEMU_PID" 2>/dev/null; then
            bad "QEMU ended before a line matching '$pattern'"
            show_tail
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            bad "no line matching '$pattern' within $limit s"
            show_tail
            return 1
        fi
        sleep 0.5
    done
    elapsed=$(printf '%.1f' "$(echo "$(date +%s.%N) - $STARTED" | bc)")
    ok "'$pattern' after $elapsed s"
}

wait_for_exit() {
    local deadline=$(($(date +%s) + $1))
    while kill -0 "$QEMU_PID" 2>/dev/null; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            bad "the guest still runs after $1 s"
            show_tail
            return 1
        fi
        sleep 0.5
    done
    wait "$QEMU_PID" 2>/dev/null
    QEMU_PID=""
    ok "the guest powered off"
}

stop_qemu() {
    [ -n "${QEMU_PID:-}" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null
    QEMU_PID=""
    return 0
}

show_tail() {
    say "     --- the serial port's last lines:"
    serial_text | tail -n 25 | sed 's/^/     | /'
    say "     --- QEMU:"
    tail -n 5 "${SERIAL%.serial}.qemu" | sed 's/^/     | /'
}

expect() {
    if serial_has "$1"; then ok "$2"; else bad "$2 (no line matching '$1')"; fi
}

# guest_toolbox NAME SCRIPT "MODULES" "PROGRAMS" QEMU-ARGS...: runs SCRIPT (a
# file of busybox sh) in the media's kernel in place of Lifeboat's init, for
# what a test must make or judge with the real kernel (an md array's
# superblock, a device-mapper table): a cpio put before the media's
# initramfs adds the host's PROGRAMS (each with the libraries it loads) and
# the kernel MODULES (names, loaded in that order, from the media's kernel
# package). The disks are in QEMU-ARGS (virtio). The guest powers off when
# SCRIPT ends; its exit code is on the serial port as "toolbox: rc=N", which
# this waits for (2 minutes at most) and checks is 0.
guest_toolbox() {
    toolbox_start "$@" || return 1
    wait_for 'toolbox: rc=[0-9]+' 120 || return 1
    serial_has 'toolbox: rc=0$' || show_tail  # its script's trace says why
    expect 'toolbox: rc=0$' "$1: the guest's script exits 0"
    wait_for_exit 30
}
# toolbox_start ...: the same guest, started (QEMU_PID, SERIAL), not waited for.
toolbox_start() {
    local name=$1 script=$2 modules=$3 programs=$4 tree=$WORK/toolbox-$1 kdir p lib m
    shift 4
    [ -f "$WORK/vmlinuz" ] || iso_kernel
    kdir=$(echo "$LB_TOP"/build/media/pkgs/kernel/lib/modules/*)
    [ -d "$kdir" ] || die "no kernel modules in $LB_TOP/build/media/pkgs (tools/build-media)"
    rm -rf "$tree" && mkdir -p "$tree/toolbox/bin" "$tree/toolbox/modules"
    for p in $programs; do
        p=$(command -v "$p") || die "guest_toolbox: $p is not installed (tools/install-deps)"
        cp "$p" "$tree/toolbox/bin/"
        for lib in $(ldd "$p" | grep -o '/[^ ]*'); do
            mkdir -p "$tree$(dirname "$lib")" && cp -L "$lib" "$tree$lib"
        done
    done
    for p in ${TOOLBOX_TREES:-}; do  # folders the programs read (GRUB's modules), at their paths
        mkdir -p "$tree$(dirname "$p")" && cp -a "$p" "$tree$p" || die "guest_toolbox: cannot copy $p"
    done
    for m in $modules; do
        find "$kdir" -name "$m.ko" -exec cp {} "$tree/toolbox/modules/" \;
        [ -f "$tree/toolbox/modules/$m.ko" ] || die "guest_toolbox: no module $m in $kdir"
    done
    cp "$script" "$tree/toolbox/script"
    cat >"$tree/toolbox/run" <<RUN
#!/bin/sh
export PATH=/toolbox/bin:/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
modprobe virtio_pci; modprobe virtio_blk
for m in $modules; do insmod /toolbox/modules/\$m.ko || echo "toolbox: insmod \$m failed"; done
sleep 1
sh -x /toolbox/script
echo "toolbox: rc=\$?"
sync
poweroff -f
RUN
    chmod +x "$tree/toolbox/run"
    (cd "$tree" && find . | cpio -o -H newc --quiet) >"$WORK/toolbox-$name.cpio" || die "cpio of the toolbox"
    # First: the kernel reads on after a plain cpio, not after the media's zstd-compressed one.
    cat "$WORK/toolbox-$name.cpio" "$WORK/initrd.img" >"$WORK/toolbox-$name.img"
    start_qemu "$name" -machine q35 -kernel "$WORK/vmlinuz" -initrd "$WORK/toolbox-$name.img" \
        -append "console=ttyS0,115200n8 rdinit=/toolbox/run" "$@"
}
