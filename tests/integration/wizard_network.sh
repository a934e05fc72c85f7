#!/bin/bash
# The wizard's "Network image store..." (issue 19), end to end in an 80x24
# tmux pane with TERM=linux and every terminfo database hidden, against real
# servers started here in network namespaces of the test's own: nginx with a
# password (HTTP) and nfs-ganesha (NFS).
# Run 1, Restore: the picker offers "Network image store..."; the form
# (kind HTTP chosen with Right; server, folder, user; the password typed is
# shown as stars) -> Connect with a wrong password: the form says the server
# refused it and what to do, keeps what was typed; the right one -> the
# store's image listed by its URL -> contents -> a blank target loop disk ->
# plan -> its name typed -> "Restore finished". On the host: sgdisk -v and
# each partition judged (blkid identity, fsck, every file). The password is
# never on the screen, in the wizard's log or in the process list.
# Run 2, Verify: NFS (the form skips user and password): a server that
# refuses the connection is said so on the form; the right one -> the image
# listed -> "The image is whole".
# Run 3, Capture: the source loop disk -> "Network image store..." among the
# destinations -> the form (HTTP, the password) -> name and note -> summary
# (a network store, free space not known) -> "Capture finished", verified.
# On the host: the image alone in the server's folder (no partial), the CLI
# verifies it, its note is the one typed, and a CLI restore of it is judged.
# Usage: wizard_network.sh /path/to/lifeboat    (root; exit 77 = skipped)
source "$(dirname "$0")/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_network "$@"
source "$(dirname "$0")/lib/tmux.sh"
source "$(dirname "$0")/lib/disk.sh"
disk_init
need_tools sgdisk
tmux_init
TMUX_WAIT_SECONDS=30

password=Wiz4rd-$$-pw
src=$WORK/source.img target=$WORK/target.img
esp_root_disk "$src" 160M 200704
start_nfs "$WORK/nfs"  # first: it brings loopback up and gives the test a /run of its own
mkdir -p "$NFS_DIR/export/images"
"$LB" capture --progress none --note "on the export" "$src" "$NFS_DIR/export/images/nfs-$$.lbi" ||
    die "the CLI capture to the NFS export's folder"
start_nginx "$WORK/web" auth ann "$password"
mkdir -p "$WORK/web/www/images"
"$LB" capture --progress none --note "from the web" "$src" "$WORK/web/www/images/net-$$.lbi" ||
    die "the CLI capture to the web server's folder"
truncate -s 160M "$target"
attach targetloop "$target"
# shellcheck disable=SC2154  # set by attach
targetname=${targetloop#/dev/}

# pane_says REGEX: the pane's text, its lines joined (wrapped text), matches.
pane_says() { tmux_pane | sed 's/^ *//' | tr '\n' ' ' | tr -s ' ' | grep -qE -- "$1"; }
# The password must never be drawn, whatever the screen.
no_password_shown() { ! tmux_pane | grep -qF -- "$password"; }
# backspaces N: N presses of Backspace.
backspaces() { local i; for ((i = 0; i < $1; i++)); do tmux_send BSpace; done; }

# ---------------------------------------------------- run 1: Restore, HTTP --
tmux_start network
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
tmux_send Enter
tmux_wait 'Restore: choose an image' "the image picker" 60
tmux_choose_row 'Network image store\.\.\. \(NFS, SMB, SSH, HTTP\)'
tmux_send Enter
tmux_wait 'Restore: choose an image on a network store' "the form"
check "the form starts on the kind, SMB" quiet tmux_try '^> Kind +< SMB: a Windows or Samba share >' 2
tmux_send Right Right Right
tmux_wait '< HTTP: a web server, not encrypted >' "HTTP chosen with Right"
tmux_send Down
tmux_send -l "127.0.0.1:$NGINX_PORT"
tmux_send Enter
tmux_wait '^> Folder ' "the folder line"
tmux_send -l images
tmux_send Enter
tmux_send -l ann
tmux_send Enter
tmux_wait '^> Password ' "the password line"
tmux_send -l "wrong-$password"
check "the password is shown as stars" quiet tmux_try "^> Password +\*{$((${#password} + 6))}_" 2
check "the address says where, without a password" quiet tmux_try "^Address: http://ann@127\.0\.0\.1:$NGINX_PORT/images\$" 2
tmux_send Enter
tmux_wait '>\[ Connect \]<' "Connect"
tmux_send Enter
tmux_wait 'Could not connect' "the refusal on the form"
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "the refusal: the server refused the password" pane_says "127\.0\.0\.1:$NGINX_PORT refused the user name or password"
check "and what to do, in the wizard's words" pane_says 'Check the user name and password'
check "the form kept what was typed" quiet tmux_try "^  Server +127\.0\.0\.1:$NGINX_PORT" 2
check "no password on the screen" no_password_shown
tmux_send Up
tmux_wait '^> Password ' "back on the password"
backspaces $((${#password} + 6))
tmux_send -l "$password"
tmux_send Enter Enter
tmux_wait "Restore: choose an image on a network store" "the store's images" 60
tmux_wait "net-$$\.lbi" "the image on the web server" 60
tmux_choose_row " .*net-$$\.lbi"
tmux_wait "^File: http://ann@127\.0\.0\.1:$NGINX_PORT/images/net-$$\.lbi\$" "the image's URL"
tmux_send Enter
tmux_wait "Restore: what net-$$\.lbi holds" "the contents" 60
check "contents: the note" quiet tmux_try '^  Note: from the web$' 2
tmux_send Enter
tmux_wait 'Restore: choose the disk to restore to' "the target list"
tmux_choose_row "$targetname "
tmux_send Enter
tmux_wait "Restore: the plan for $targetname" "the plan" 60
tmux_send Enter
tmux_wait "type the disk's name: $targetname" "the confirmation"
tmux_send -l "$targetname"
tmux_send Enter
tmux_wait 'Restore finished' "the result" 120
check "the result names the image by its URL" pane_says "$targetname now holds the system from http://ann@127\.0\.0\.1:$NGINX_PORT/images/net-$$\.lbi"
check "no password on the screen" no_password_shown
tmux_send Enter
tmux_wait '^> 1\. Restore a system image' "the start screen again" 60
printf '%s\n' "$password" >"$WORK/password"  # grep -f: a grep given it as an argument would find itself
check "no password in any process's arguments" test -z "$(grep -lF -f "$WORK/password" /proc/[0-9]*/cmdline 2>/dev/null)"
tmux_send q
tmux_sane 1 0
ok "run 1: the terminal is sane after quitting"
check "the wizard wrote its log" test -s /run/lifeboat/lifeboat.log
check "the log names the image's URL" grep -qF "http://ann@127.0.0.1:$NGINX_PORT/images/net-$$.lbi" /run/lifeboat/lifeboat.log
check "no password in the log" eval "! grep -qF -f $WORK/password /run/lifeboat/lifeboat.log"

gpt_at_end "$target" "restored from HTTP"
judge_part "$src" "$target" 1 fat32 "restored from HTTP"
judge_part "$src" "$target" 2 ext4 "restored from HTTP"

# ------------------------------------------------------- run 2: Verify, NFS --
tmux_type "clear; TERM=linux $LB; echo exit-2=\$?"
tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
tmux_choose_row '[0-9]\. Verify an image'
tmux_send Enter
tmux_wait 'Verify: choose an image to check' "the image picker" 60
tmux_choose_row 'Network image store\.\.\.'
tmux_send Enter
tmux_wait 'Verify: choose an image to check on a network store' "the form"
tmux_send Left
tmux_wait '< NFS: a Unix or NAS export \(NFSv3\) >' "NFS chosen with Left"
check "NFS takes no user" quiet tmux_try '^  User +\(not used by NFS\)' 2
tmux_send Down
tmux_send -l "127.0.0.1:1"
tmux_send Enter
tmux_send -l "$NFS_DIR/export/images"
tmux_send Enter
tmux_wait '>\[ Connect \]<' "Connect, past user and password"
tmux_send Enter
tmux_wait 'Could not connect' "a server that refuses" 60
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "the refusal names the server" pane_says '127\.0\.0\.1:1'
tmux_send Up Up
tmux_wait '^> Server ' "back on the server"
backspaces 2
tmux_send Enter Down Enter
tmux_wait "nfs-$$\.lbi" "the image on the NFS export" 60
tmux_choose_row " .*nfs-$$\.lbi"
tmux_wait "^File: nfs://127\.0\.0\.1$NFS_DIR/export/images/" "the image's URL (cut at 80 columns)"
tmux_send Enter
tmux_wait 'The image is whole\.' "the verification's result" 120
check "whole: every chunk checked" pane_says 'Every chunk checked: [0-9]+ chunks'
tmux_send Right Enter
tmux_wait '^[> ] 1\. Restore a system image' "the start screen again" 60
tmux_send q
tmux_sane 2 0
ok "run 2: the terminal is sane after quitting"

# ---------------------------------------------------- run 3: Capture, HTTP --
attach srcloop "$src" -r
# shellcheck disable=SC2154  # set by attach
srcname=${srcloop#/dev/}
tmux_type "clear; TERM=linux $LB; echo exit-3=\$?"
tmux_wait '^Lifeboat .*' "the start screen's status line"
tmux_send 2
tmux_wait 'Capture: choose the disk to capture' "the source list"
tmux_choose_row "$srcloop  160\.0 MiB  loop  gpt"
tmux_send Enter
tmux_wait ': where to write the image' "the destination screen"
tmux_choose_row 'Network image store\.\.\. \(NFS, SMB, SSH, HTTP\)'
tmux_send Enter
tmux_wait "Capture $srcname: where to write the image on a network store" "the form"
tmux_send Right Right Right
tmux_wait '< HTTP: a web server, not encrypted >' "HTTP chosen with Right"
tmux_send Down
tmux_send -l "127.0.0.1:$NGINX_PORT"
tmux_send Enter
tmux_send -l images
tmux_send Enter
tmux_send -l ann
tmux_send Enter
tmux_send -l "$password"
tmux_send Enter Enter
tmux_wait 'name and note' "the name screen, once connected" 60
tmux_send End
for ((i = 0; i < 70; i++)); do tmux_send BSpace; done
tmux_send -l "wizcap-$$"
tmux_wait "Saved as http://ann@127\.0\.0\.1:$NGINX_PORT/images/wizcap-$$\.lbi\." "where it will be saved"
tmux_send Tab
tmux_send -l "to the web server"
tmux_send Enter
tmux_wait 'compression level' "the level screen"
tmux_send Enter
tmux_wait ': ready' "the summary"
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "the summary: a network store, its free space not known" \
    quiet tmux_try "^Destination: http://ann@127\.0\.0\.1:$NGINX_PORT/images, a network store \(its free space" 2
tmux_send Enter
tmux_wait 'Capture finished' "the result" 180
check "the result says verified" quiet tmux_try '^Verified: every chunk' 2
check "no password on the screen" no_password_shown
tmux_send Enter
tmux_wait '^Lifeboat .*' "the start screen again" 60
tmux_send q
tmux_sane 3 0
ok "run 3: the terminal is sane after quitting"
captured=$WORK/web/www/images/wizcap-$$.lbi
check "the image is on the web server under its name, nothing beside it" \
    test "$(cd "$WORK/web/www/images" && echo *)" = "net-$$.lbi wizcap-$$.lbi"
lb_ok "the CLI verifies the wizard's capture" verify --progress none "$captured" &&
    check "every chunk checked" grep -q ': OK, ' "$OUT"
lb_ok "info on the wizard's capture" info --json "$captured" &&
    check "the note typed is in the image" test "$(jq -r .manifest.note "$OUT")" = "to the web server"
detach "$srcloop"
junk "$WORK/again.img" $((160 << 20))
lb_ok "restore the wizard's capture with the CLI" restore --yes --progress none "$captured" "$WORK/again.img" && {
    judge_part "$src" "$WORK/again.img" 1 fat32 "captured by the wizard to HTTP"
    judge_part "$src" "$WORK/again.img" 2 ext4 "captured by the wizard to HTTP"
}

lb_finish
