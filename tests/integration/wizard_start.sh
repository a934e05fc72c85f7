#!/bin/bash
# The wizard's start screen, run for real in an 80x24 tmux pane as on a bare
# initramfs: every terminfo database is hidden (empty tmpfs mounts in a private
# mount namespace), so the screen only appears if the binary's built-in entries
# work. Checks the screen shows the actions (1. Restore ... 7. Power off) and
# the "Lifeboat <version>" status line, that Browse disks lists a loop-device
# disk with its ext4 partition, that q/Esc leave Browse disks and then exit 0,
# that Shell hands the terminal to a shell and comes back after "exit", that
# Reboot asks first (answered Back here, of course), that it redraws on a
# resize, that Ctrl+C, SIGHUP, SIGTERM, SIGABRT and SIGSEGV end it too, and that
# the terminal is sane (icanon, echo, a shell prompt) after every way out.
# TERM=linux, vt100 and xterm-256color.
# Usage: wizard_start.sh /path/to/lifeboat    (exit 77 = skipped)
set -u

source "$(dirname "$0")/lib/common.sh"
lb_init wizard_start "$@"
source "$(dirname "$0")/lib/tmux.sh"
need_tools losetup sgdisk mkfs.ext4 pgrep
need_loop
tmux_init
bin=$LB work=$WORK

# A GPT disk with one ext4 partition at 1 MiB, reached by offset (the kernel
# here makes no partition nodes).
truncate -s 64M "$work/disk.img"
sgdisk -n 1:2048:+32M -t 1:8300 "$work/disk.img" >/dev/null || die "sgdisk"
mkfs.ext4 -q -F -L LBWIZARD -E offset=1048576 "$work/disk.img" 32M || die "mkfs.ext4"
attach loop "$work/disk.img"

version=$("$bin" --version | awk '{print $2}')
[ -n "$version" ] || die "no version from $bin --version"
status_re="^Lifeboat ${version//./\\.}  Up/Down: move"
fail() {
    tmux_show
    die "$*"
}
send() { tmux_send "$@"; }
type_line() { tmux_type "$1"; }
pane() { tmux_pane; }
wait_for() { tmux_wait "$1" "$2"; }
# Waits for row $1 (from 1) of the pane to match the regex $2.
wait_row() {
    local i
    for i in $(seq 100); do
        tmux_row "$1" | grep -qE -- "$2" && return 0
        sleep 0.2
    done
    fail "timed out waiting for row $1 to match /$2/ ($3)"
}

# Starts the wizard as run N with TERM=$1 and waits for its screen.
run=0
start_wizard() {
    run=$((run + 1))
    type_line "TERM=$1 $bin; echo exit-$run=\$?"
    wait_for "$status_re" "the status line with TERM=$1"
    wait_for "^Lifeboat ${version//./\\.}: rescue and restore disks" "the title with TERM=$1"
    wait_for '^> 1\. Restore a system image +put an image back onto a disk' "the first action under the cursor"
    wait_for '^  7\. Power off' "the last action"
    wait_for '^Disks on this machine \([0-9]+ disks?\)' "the disks below the actions"
}

# Moves the cursor to the loop device (paging if the list is long), then to
# its partition, and checks both lines.
check_loop_device() {
    local i screen
    send 4
    wait_for '^Restore wizard: disks on this machine' "Browse disks"
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
    tmux_sane "$run" "$1"
    ok "TERM=$term run $run: exit code $1, the terminal is sane"
}

wizard_pid() { tmux_wizard_pid || fail "no lifeboat process under the pane's shell"; }

for term in linux vt100 xterm-256color; do
    echo "== TERM=$term"
    tmux_start "$term"
    tmux_hidden "$term"

    start_wizard "$term"
    check_loop_device
    if [ "$term" = vt100 ]; then send Escape; else send q; fi
    wait_for '^> 4\. Browse disks' "the actions again after leaving Browse disks"
    if [ "$term" = vt100 ]; then send Escape; else send q; fi
    check_sane 0

    case $term in
    linux)
        start_wizard "$term"
        send 5
        wait_for '^Lifeboat: a shell\. Type exit to return to Lifeboat\.$' "the shell's greeting"
        wait_for '^The log of the wizard: /run/lifeboat/lifeboat\.log$' "where the log is"
        type_line "echo in-shell-\$((6*7)) >$work/shell.out; exit"
        wait_for '^> 5\. Shell' "the start screen after exit"
        [ "$(cat "$work/shell.out" 2>/dev/null)" = in-shell-42 ] || fail "the command typed in the shell did not run"
        send 6
        wait_for 'Restart the machine now\?' "the reboot question"
        wait_for '>\[ Back \]<' "Back chosen by default"
        send Escape
        wait_for '^> 6\. Reboot' "the start screen after answering Back"
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
        tmux -S "$TMUX_SOCK" resize-window -t lbt -x 100 -y 30
        wait_row 30 "$status_re" "the status line on row 30 after a resize to 100x30"
        kill -SEGV "$(wizard_pid)"
        check_sane '[1-9][0-9]*'  # 139, or ASan's report and 1 in the dev build
        ;;
    esac
done
lb_finish
