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
# Run 4, Verify, network settings then S3: the form's Network line names the
# test namespace's two interfaces (veths: lan0, whose DHCP server, dnsmasq,
# is in a namespace of its own, and lan1, served by a udhcpc as the media's
# init starts it) -> Network settings: lan1 "DHCP asking" -> an address with
# a wrong number, then a gateway outside its network: each refused on the
# screen, on its line -> the right ones -> ip shows the address, the default
# route and (in this test's own /etc, an overlay) resolv.conf's DNS server,
# the init's udhcpc has been stopped, and the screen shows them; lan0 "Ask
# DHCP again" -> the lease from dnsmasq, shown, and udhcpc's script (the
# media's own) has written its DNS server; the form's Network line shows
# both. Then S3 (Swift's s3api): endpoint, bucket and folder, access key, a
# wrong secret key -> the refusal on the form -> the right one -> the image
# the CLI captured there -> "The image is whole". The secret is never on the
# screen or in the log.
# Usage: wizard_network.sh /path/to/lifeboat    (root; exit 77 = skipped)
source "$(dirname "$0")/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib/common.sh"
lb_init wizard_network "$@"
source "$(dirname "$0")/lib/tmux.sh"
source "$(dirname "$0")/lib/disk.sh"
disk_init
need_tools sgdisk busybox dnsmasq
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

# The network run 4 changes, the test's own: /etc (an overlay over the
# machine's, for resolv.conf and udhcpc's script, the media's own), udhcpc
# (busybox's, as on the media), lan0 whose DHCP server (dnsmasq) is in a
# namespace of its own, lan1 served by a udhcpc as the media's init starts it
# (initramfs/init: in the background, asking on). Veths, since this kernel may
# have no dummy interfaces; their peers are in the DHCP server's namespace, as
# on another machine (named in the test's own /run); interface names are the
# namespace's own.
mkdir -p "$WORK/etc/upper" "$WORK/etc/work" "$WORK/bin"
mount -t overlay lifeboat-etc -o "lowerdir=/etc,upperdir=$WORK/etc/upper,workdir=$WORK/etc/work" /etc ||
    die "an /etc of the test's own"
LB_MOUNTS+=(/etc)
mkdir -p /etc/udhcpc && install -m 755 "$(dirname "$0")/../../initramfs/rootfs/etc/udhcpc/default.script" /etc/udhcpc/ ||
    die "the media's udhcpc script"
printf 'nameserver 10.1.1.1\n' >/etc/resolv.conf
ln -s "$(command -v busybox)" "$WORK/bin/udhcpc"
ip netns add "lbdhcp$$" && ip link add lan0 type veth peer name dhcp0 && ip link set dhcp0 netns "lbdhcp$$" &&
    ip -n "lbdhcp$$" addr add 10.77.0.1/24 dev dhcp0 && ip -n "lbdhcp$$" link set dhcp0 up &&
    ip link add lan1 type veth peer name lan1-peer && ip link set lan1-peer netns "lbdhcp$$" &&
    ip -n "lbdhcp$$" link set lan1-peer up || die "the test's interfaces"
ip netns exec "lbdhcp$$" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --interface=dhcp0 \
    --bind-interfaces --dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h --dhcp-option=3,10.77.0.1 \
    --dhcp-option=6,10.77.0.53 --dhcp-leasefile="$WORK/dhcp.leases" --pid-file= 2>"$WORK/dnsmasq.log" &
LB_SERVERS+=("$!")
"$WORK/bin/udhcpc" -f -i lan1 -t 1 -T 1 -A 5 -S >/dev/null 2>&1 &
init_dhcp=$!
LB_SERVERS+=("$init_dhcp")

# After the overlay: Swift's configuration is bound over its /etc/swift.
start_s3 "$WORK/s3"
$S3CMD mb s3://lifeboat-images >"$WORK/s3cmd.out" 2>&1 || { cat "$WORK/s3cmd.out"; die "s3cmd mb"; }
s3_secret=testing  # tempauth's, for test:tester (servers.sh)
"$LB" capture --progress none --credentials "$S3_CREDS" --note "in a bucket" "$src" \
    "s3://lifeboat-images/office/s3-$$.lbi" || die "the CLI capture to the S3 bucket"

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
# verified_then_quit RUN: Enter on the chosen image's contents verifies it
# whole; then back to the start screen and q, leaving a sane terminal.
verified_then_quit() {
    tmux_send Enter
    tmux_wait 'The image is whole\.' "the verification's result" 120
    check "whole: every chunk checked" pane_says 'Every chunk checked: [0-9]+ chunks'
    tmux_send Right Enter
    tmux_wait '^[> ] 1\. Restore a system image' "the start screen again" 60
    tmux_send q
    tmux_sane "$1" 0
    ok "run $1: the terminal is sane after quitting"
}

# ---------------------------------------------------- run 1: Restore, HTTP --
tmux_start network
tmux_hidden linux
tmux_type "TERM=linux $LB; echo exit-1=\$?"
tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
tmux_send Enter
tmux_wait 'Restore: choose an image' "the image picker" 60
tmux_choose_row 'Network image store\.\.\. \(NFS, SMB, SSH, HTTP, S3\)'
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
tmux_wait '< NFS: a Unix or NAS export \(v3 or v4\) >' "NFS chosen with Left"
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
verified_then_quit 2

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
tmux_choose_row 'Network image store\.\.\. \(NFS, SMB, SSH, HTTP, S3\)'
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

# -------------------------------- run 4: Verify, network settings, then S3 --
# ended PID: the process is gone (or a zombie its parent has not waited for).
ended() { [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = Z ]; }
# The udhcpc processes of this test's namespace, and the interface each serves.
our_dhcp_clients() {
    local pid
    for pid in $(pgrep -x udhcpc); do
        [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ] &&
            printf '%s %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline")"
    done
}
tmux_type "clear; PATH=$WORK/bin:\$PATH TERM=linux $LB; echo exit-4=\$?"
tmux_wait '^> 1\. Restore a system image' "the start screen's actions"
tmux_choose_row '[0-9]\. Verify an image'
tmux_send Enter
tmux_wait 'Verify: choose an image to check' "the image picker" 60
tmux_choose_row 'Network image store\.\.\. \(NFS, SMB, SSH, HTTP, S3\)'
tmux_send Enter
tmux_wait 'Verify: choose an image to check on a network store' "the form"
tmux_send Down Down Down Down Down Down
tmux_wait '^> Network +' "the form's Network line, below Connect"
check "the Network line: both interfaces, no address yet" quiet tmux_try '^> Network +lan0 no address, lan1 no address$' 2
tmux_send Enter
tmux_wait '^ *Interface +Link +IPv4 address' "the network settings"
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "lan1: its DHCP client (the init's) is seen asking" \
    quiet tmux_try '^  lan1 +virtual, link up +no address, DHCP asking$' 2
check "the routes and DNS as they are" quiet tmux_try '^Default gateway none   DNS 10\.1\.1\.1$' 2
tmux_choose_row 'lan1 '
tmux_send Enter
tmux_wait '^  >\[ Ask DHCP again \]<' "lan1's settings"
tmux_send Down
tmux_send -l 10.88.0.300/24
tmux_send Enter
tmux_send -l 10.99.0.1
tmux_send Enter
tmux_send -l 10.88.0.53
tmux_send Enter Enter
tmux_wait "The address '10\.88\.0\.300' is not an IPv4 address" "a wrong number refused"
check "the cursor is back on the address" quiet tmux_try '^> Address/prefix +10\.88\.0\.300/24' 2
check "nothing was changed" test -z "$(ip -4 -o addr show dev lan1)"
backspaces 6
tmux_send -l 7/24
tmux_send Enter Enter Enter Enter
tmux_wait "The gateway 10\.99\.0\.1 is not a machine in this address's network 10\.88\.0\.0/24" "a gateway outside refused"
check "the cursor is on the gateway" quiet tmux_try '^> Gateway +10\.99\.0\.1' 2
backspaces 9
tmux_send -l 10.88.0.1
tmux_send Enter Enter Enter
tmux_wait '^Done: lan1 has 10\.88\.0\.7/24\.' "the address set"
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "ip: lan1 has that address alone" \
    test "$(ip -4 -o addr show dev lan1 | awk '{print $4}')" = 10.88.0.7/24
check "ip: the default route goes through the gateway typed" \
    test "$(ip route show default | sed 's/ *$//')" = "default via 10.88.0.1 dev lan1"
check "resolv.conf: the DNS server typed, alone" test "$(grep nameserver /etc/resolv.conf)" = "nameserver 10.88.0.53"
check "the init's udhcpc on lan1 was stopped (it would replace the address)" ended "$init_dhcp"
check "the screen shows lan1 now" quiet tmux_try '^Now: virtual, link up; 10\.88\.0\.7/24$' 2
check "and the gateway and DNS server" quiet tmux_try '^Default gateway 10\.88\.0\.1 \(lan1\)   DNS 10\.88\.0\.53$' 2
tmux_send Escape
tmux_wait '^[> ] lan1 +virtual, link up +10\.88\.0\.7/24$' "the list, lan1 with its address"
tmux_choose_row 'lan0 '
tmux_send Enter
tmux_wait '^  >\[ Ask DHCP again \]<' "lan0's settings"
tmux_send Enter
tmux_wait '^(DHCP gave|No DHCP server|Could not)' "DHCP's answer" 30
[ -n "${SHOW_PANES:-}" ] && tmux_show
lease=$(ip -4 -o addr show dev lan0 | awk '{print $4}')
check "ip: lan0 has an address from dnsmasq's range" grep -qE '^10\.77\.0\.(5[0-9]|60)/24$' <<<"$lease"
check "the screen says so" quiet tmux_try "^DHCP gave lan0 ${lease//./\\.}\\.\$" 2
mac=$(ip -o link show lan0 | sed -n 's|.*link/ether \([^ ]*\).*|\1|p')
check "dnsmasq leased it to lan0" grep -qE "^[0-9]+ $mac ${lease%/*} " "$WORK/dhcp.leases"
check "the media's udhcpc script wrote the lease's DNS server" grep -qx 'nameserver 10.77.0.53' /etc/resolv.conf
dhcp_clients=$(our_dhcp_clients)
check "one udhcpc serves lan0, in the background" test "$(grep -c -- '-i lan0 ' <<<"$dhcp_clients")" = 1
for pid in $(awk '{print $1}' <<<"$dhcp_clients"); do LB_SERVERS+=("$pid"); done  # stopped at the end
check "and none lan1" test "$(grep -c -- '-i lan1 ' <<<"$dhcp_clients")" = 0
tmux_send Escape
tmux_wait '^ *Interface +Link +IPv4 address' "the list again"
tmux_send Escape
tmux_wait '^> Network +' "the form again"
check "the Network line: both addresses" quiet tmux_try "^> Network +lan0 ${lease//./\\.}, lan1 10\.88\.0\.7/24\$" 2

# S3: Up to the kind, Left twice (SMB, NFS, S3).
tmux_send Up Up Up Up Up Up
tmux_wait '^> Kind ' "the kind line"
tmux_send Left Left
tmux_wait '< S3: an object store \(AWS, MinIO, Ceph\.\.\.\) >' "S3 chosen with Left"
check "S3: the server line is the endpoint" quiet tmux_try '^  Endpoint ' 2
check "S3: its region line" quiet tmux_try '^  Region ' 2
tmux_send Down
tmux_send -l "http://127.0.0.1:$S3_PORT"
tmux_send Enter
tmux_wait '^> Bucket and folder ' "the bucket line"
tmux_send -l lifeboat-images/office
tmux_send Enter
tmux_wait '^> Access key ' "the access key line"
tmux_send -l test:tester
tmux_send Enter
tmux_wait '^> Secret key ' "the secret key line"
tmux_send -l "wrong-$s3_secret"
check "the secret key is shown as stars" quiet tmux_try "^> Secret key +\*{$((${#s3_secret} + 6))}_" 2
tmux_send Enter
tmux_wait '^> Region ' "the region line, S3's own"
check "the address: bucket, folder, access key" quiet tmux_try "^Address: s3://test%3Atester@lifeboat-images/office\$" 2
check "and the service: the endpoint, the default region" \
    quiet tmux_try "^Service: http://127\.0\.0\.1:$S3_PORT, region us-east-1\$" 2
tmux_send Enter
tmux_wait '>\[ Connect \]<' "Connect"
tmux_send Enter
tmux_wait 'Could not connect' "the refusal on the form" 60
[ -n "${SHOW_PANES:-}" ] && tmux_show
check "the refusal: the service refused the key or secret" pane_says 'refused the access key or secret'
check "and what to do, in S3's words" pane_says 'Check the access key and secret key'
check "no secret on the screen" eval "! tmux_pane | grep -qF -- '$s3_secret'"
tmux_send Up Up
tmux_wait '^> Secret key ' "back on the secret key"
backspaces $((${#s3_secret} + 6))
tmux_send -l "$s3_secret"
tmux_send Enter Enter Enter
tmux_wait "s3-$$\.lbi" "the image in the bucket" 60
tmux_choose_row " .*s3-$$\.lbi"
tmux_wait "^File: s3://test%3Atester@lifeboat-images/office/s3-$$\.lbi\$" "the image's URL"
check "no secret on the screen" eval "! tmux_pane | grep -qF -- '$s3_secret'"
verified_then_quit 4
check "the log names the S3 image" grep -qF "s3://test%3Atester@lifeboat-images/office/s3-$$.lbi" /run/lifeboat/lifeboat.log
check "no secret in the log" eval "! grep -qF -- '$s3_secret' /run/lifeboat/lifeboat.log"

lb_finish
