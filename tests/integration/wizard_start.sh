#!/bin/bash
# The wizard's start screen, run for real in an 80x24 tmux pane as on a bare
# initramfs: every terminfo database is hidden (empty tmpfs mounts in a private
# mount namespace), so the screen only appears if the binary's built-in entries
# work. Checks the screen shows a loop-device disk with its ext4 partition and
# the "Lifeboat <version>" status line, that q/Esc exit 0, that it redraws on a
# resize, that Ctrl+C, SIGHUP, SIGTERM, SIGABRT and SIGSEGV end it too, and that
# the terminal is sane (icanon, echo, a shell prompt) after every way out.
# TERM=linux, vt100 and xterm-256color.
# Usage: wizard_start.sh /path/to/lifeboat    (exit 77 = skipped)
set -u

bin=$(readlink -f "${1:?usage: $0 /path/to/lifeboat}")
skip() { echo "SKIP: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    echo "--- pane:"
    pane
    exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (loop devices, mount namespaces)"
for tool in tmux unshare losetup sgdisk mkfs.ext4 pgrep; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare -m true 2>/dev/null || skip "cannot create a mount namespace here"

work=$(mktemp -d /tmp/lifeboat-wizard.XXXXXX)
# Private tmux servers, one per terminal type (reusing a socket races with the
# old server's exit), with their sockets in $work: nobody else's sessions are
# touched and nothing is left behind.
sock=""
socks=()
loop=""
cleanup() {
    for s in "${socks[@]}"; do tmux -S "$s" kill-server 2>/dev/null; done
    [ -n "$loop" ] && losetup -d "$loop"
    rm -rf "$work"
}
trap cleanup EXIT

# A GPT disk with one ext4 partition at 1 MiB, reached by offset (the kernel
# here makes no partition nodes).
truncate -s 64M "$work/disk.img"
sgdisk -n 1:2048:+32M -t 1:8300 "$work/disk.img" >/dev/null || fail "sgdisk"
mkfs.ext4 -q -F -L LBWIZARD -E offset=1048576 "$work/disk.img" 32M || fail "mkfs.ext4"
loop=$(losetup -f --show "$work/disk.img") || skip "cannot attach a loop device"

version=$("$bin" --version | awk '{print $2}')
[ -n "$version" ] || fail "no version from $bin --version"
status_re="^Lifeboat ${version//./\\.}  Up/Down: move"
mkdir -p "$work/home" "$work/tmp"

# The pane's shell hides the databases; TERMINFO, TERMINFO_DIRS and
# ~/.terminfo could otherwise still provide entries.
cat >"$work/rc" <<EOF
PS1='lbt\$ '
unset TERMINFO TERMINFO_DIRS
export HOME=$work/home TMPDIR=$work/tmp
for d in /usr/share/terminfo /lib/terminfo /etc/terminfo; do
    [ -d "\$d" ] && mount -t tmpfs -o size=64k,mode=0755 lifeboat-empty "\$d"
done
EOF

pane() { tmux -S "$sock" capture-pane -p -t lbt 2>/dev/null; }
send() { tmux -S "$sock" send-keys -t lbt "$@"; }
type_line() { send -l "$1" && send Enter; }

# Waits up to 20 s for an extended regex to match a line of the pane.
wait_for() {
    local i
    for i in $(seq 100); do
        pane | grep -qE -- "$1" && return 0
        sleep 0.2
    done
    fail "timed out waiting for /$1/ ($2)"
}

# Waits for row $1 (from 1) of the pane to match the regex $2.
wait_row() {
    local i
    for i in $(seq 100); do
        pane | sed -n "${1}p" | grep -qE -- "$2" && return 0
        sleep 0.2
    done
    fail "timed out waiting for row $1 to match /$2/ ($3)"
}

start_shell() {
    [ -n "$sock" ] && tmux -S "$sock" kill-server 2>/dev/null
    sock="$work/tmux-$1"
    socks+=("$sock")
    tmux -S "$sock" new-session -d -s lbt -x 80 -y 24 \
        "unshare -m bash --noprofile --rcfile $work/rc -i" || fail "tmux new-session"
    wait_for '^lbt\$' "the shell prompt"
}

# Starts the wizard as run N with TERM=$1 and waits for its screen.
run=0
start_wizard() {
    run=$((run + 1))
    type_line "TERM=$1 $bin; echo exit-$run=\$?"
    wait_for "$status_re" "the status line with TERM=$1"
    wait_for '^Restore wizard: disks on this machine' "the title with TERM=$1"
}

# Moves the cursor to the loop device (paging if the list is long), then to
# its partition, and checks both lines.
check_loop_device() {
    local i screen
    for i in $(seq 120); do
        screen=$(pane)
        grep -qE "^> $loop " <<<"$screen" && break
        if grep -qE "^  $loop " <<<"$screen"; then send Down; else send NPage; fi
        sleep 0.15
    done
    wait_for "^> $loop +- +64\.0 MiB  loop +gpt" "the loop device's line"
    send Down
    wait_for '^> +1  ext4 +LBWIZARD +32\.0 MiB  Linux filesystem$' "its ext4 partition"
}

# After run N ended with exit code pattern $1: a prompt, canonical mode, echo.
check_sane() {
    wait_for "^exit-$run=$1\$" "exit code $1"
    type_line "stty -a | tr -s ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | paste -sd, - | sed 's/^/stty-$run=/'"
    wait_for "^stty-$run=" "stty output"
    pane | grep -qx "stty-$run=icanon,echo" || fail "terminal not sane after run $run"
    [ "$(pane | sed '/^$/d' | tail -n 1)" = 'lbt$' ] || fail "no shell prompt after run $run"
    [ -z "$(ls -A "$work/tmp")" ] || fail "the private terminfo directory was left behind"
}

wizard_pid() {
    local shell
    shell=$(tmux -S "$sock" display-message -p -t lbt '#{pane_pid}')
    pgrep -P "$shell" -x lifeboat || fail "no lifeboat process under the pane's shell"
}

for term in linux vt100 xterm-256color; do
    echo "== TERM=$term"
    start_shell "$term"
    type_line "tput -T $term cols >/dev/null 2>&1; echo hidden=\$?"
    wait_for '^hidden=[0-9]+$' "the database check"
    pane | grep -qx 'hidden=0' && fail "the system's terminfo is still visible: the test proves nothing"

    start_wizard "$term"
    check_loop_device
    if [ "$term" = vt100 ]; then send Escape; else send q; fi
    check_sane 0

    case $term in
    linux)
        start_wizard "$term"
        send C-c
        check_sane 130
        start_wizard "$term"
        kill -HUP "$(wizard_pid)"
        check_sane 129
        ;;
    vt100)
        start_wizard "$term"
        kill -TERM "$(wizard_pid)"
        check_sane 143
        start_wizard "$term"
        kill -ABRT "$(wizard_pid)"
        check_sane 134
        ;;
    xterm-256color)
        start_wizard "$term"
        tmux -S "$sock" resize-window -t lbt -x 100 -y 30
        wait_row 30 "$status_re" "the status line on row 30 after a resize to 100x30"
        kill -SEGV "$(wizard_pid)"
        check_sane '[1-9][0-9]*'  # 139, or ASan's report and 1 in the dev build
        ;;
    esac
done
echo "PASS"
