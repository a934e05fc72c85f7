#!/bin/bash
# The wizard on two consoles at once, as on the media (the screen and the
# serial port): two tmux servers, each 80x24 with TERM=linux. Console one
# opens Restore (which mounts every filesystem under /run/lifeboat); console
# two's Restore is refused with a notice naming the flow, console one's
# terminal and since when, and mounts nothing. Once console one has left
# Restore, console two's Verify opens. Both end with exit 0 and sane terminals.
#   usage: wizard_consoles.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_consoles "$@"
source "$(dirname "$0")/lib/tmux.sh"
need_tools losetup sgdisk mkfs.ext4 findmnt nsenter
need_loop
tmux_init

# A disk with an ext4 for the flows to mount.
truncate -s 64M "$WORK/disk.img"
sgdisk -n 1:2048:+32M -t 1:8300 "$WORK/disk.img" >/dev/null || die "sgdisk"
mkfs.ext4 -q -F -L LBCONSOLES -E offset=1048576 "$WORK/disk.img" 32M || die "mkfs.ext4"
attach loop "$WORK/disk.img"
# Mounts under /run/lifeboat that the current console's wizard sees (each
# console's shell has a mount namespace of its own: lib/tmux.sh).
mounts() { nsenter -t "$(tmux_wizard_pid)" -m findmnt -rn -o TARGET | grep -c '^/run/lifeboat/' || true; }

# The start screen, the cursor on action N (1: the wizard keeps the last one chosen).
start_screen() { tmux_wait "^> ${2:-1}\\. " "$1"; }

tmux_start one
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
start_screen "console one's start screen"
tmux_send Enter
tmux_wait 'Restore: choose an image' "console one's image picker" 60
one_tty=$(tmux -S "$TMUX_SOCK" display-message -p -t lbt '#{pane_tty}')
held=$(mounts)
check "console one's Restore mounted the machine's filesystems ($held under /run/lifeboat)" [ "$held" -gt 0 ]

tmux_also two
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-2=\$?"
start_screen "console two's start screen"
before=$(mounts)
tmux_send Enter
tmux_wait 'Lifeboat is busy' "console two's notice"
check "the notice names the flow, console one's terminal and since when" \
    eval "tmux_pane | sed 's/^ *//' | tr '\n' ' ' | tr -s ' ' | grep -qE 'Lifeboat runs Restore on ${one_tty//\//\\/}, since [0-2][0-9]:[0-5][0-9]\.'"
check "console two mounted nothing" [ "$(mounts)" = "$before" ]
tmux_send Enter
start_screen "console two's start screen after the notice"

tmux_use one
tmux_send Escape
start_screen "console one's start screen after leaving Restore"
check "console one's mounts went with its Restore" [ "$(mounts)" = 0 ]

tmux_use two
tmux_send 3
tmux_wait 'Verify: choose an image to check' "console two's Verify, now that no flow runs" 60
tmux_send Escape
start_screen "console two's start screen after Verify" 3
tmux_send q
tmux_sane 2 0
ok "console two: exit 0, the terminal is sane"

tmux_use one
tmux_send q
tmux_sane 1 0
ok "console one: exit 0, the terminal is sane"
lb_finish
