#!/bin/bash
# lifeboat-deploy's per-machine choices and its view of the clients (issue
# 20), with its real servers in a network namespace (a bridge with the
# server's address; no QEMU: tests/boot/deploy.sh boots real clients):
#   1. --config lines that are wrong are refused before anything starts, each
#      saying what is wrong and where; nothing is left running;
#   2. a good --config: the plan names each exception, and the boot menus
#      send each MAC address to its own kernel options (restore by multicast,
#      unicast over HTTP, capture, the wizard), all other machines to the
#      default: lifeboat.ipxe over HTTP for iPXE, PXELINUX's and GRUB's menus
#      over TFTP for a firmware's own PXE;
#   3. reports PUT as the clients do (lifeboat.report): only files named by a
#      MAC address, at most 64 KiB; `lifeboat-deploy status` shows one line per
#      client (done, failed with its words, working, silent for 30 s and more;
#      control characters removed); clients.log gets each final result once;
#   4. the status page in headless Chromium shows the same, with a client's
#      markup shown as text; a screenshot is kept in build/test-output/;
#   5. SIGTERM (as Ctrl+C) stops dnsmasq, nginx and udp-sender.
#   usage: deploy_status.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
source "$LB_LIB_DIR/network.sh"
lb_init deploy-status "${1:-}"
need_tools ip curl jq chromium dnsmasq nginx udp-sender busybox
top=$(cd "$LB_LIB_DIR/../../.." && pwd)
[ -f "$top/build/netboot/pxelinux.0" ] || die "no netboot tree in $top/build/netboot: run tools/build-media"
output=${LB_TEST_OUTPUT:-$top/build/test-output}/deploy-status
mkdir -p "$output"

images=$WORK/images
mkdir "$images"
cp "$top/tests/data/golden-v1-inline.lbi" "$images/lab.lbi"
cp "$top/tests/data/golden-v1-inline.lbi" "$images/other.lbi"

ns=lbds$$
deploy=""
trap '[ -n "$deploy" ] && kill "$deploy" 2>/dev/null && wait "$deploy"; ip netns pids "$ns" | xargs -r kill 2>/dev/null
      ip netns del "$ns" 2>/dev/null; lb_cleanup' EXIT
multicast_bridge "$ns" 10.79.0.1/24 || skip "cannot make a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
# deploy_cmd OPTIONS...: lifeboat-deploy on the bridge; in a subshell of its own
# ( (deploy_cmd ...) & ) it is that process, so $! is lifeboat-deploy itself.
deploy_cmd() {
    LIFEBOAT=$LB exec ip netns exec "$ns" "$top/tools/lifeboat-deploy" --interface br0 --dhcp 10.79.0.100,10.79.0.150 \
        --image "$images/lab.lbi" --logs "$WORK/logs" "$@"
}

say "--- 1. wrong config lines"
# refused CONFIG-LINE MESSAGE: lifeboat-deploy --config with that line exits 1 saying MESSAGE.
refused() {
    printf '# a lab\n%s\n' "$1" >"$WORK/bad.conf"
    local rc=0 message=$2
    (deploy_cmd --config "$WORK/bad.conf") >"$WORK/bad.out" 2>&1 || rc=$?
    # The message names the config's last line, the one that is wrong.
    check "refused: '$(echo "$1" | paste -sd/)' (exit 1, says: $2)" \
        eval '[ $rc = 1 ] && grep -qF "$WORK/bad.conf line $(grep -c . "$WORK/bad.conf"): $message" "$WORK/bad.out"'
}
refused "52:54:00:12:00:0g restore" "'52:54:00:12:00:0g' is not a MAC address"
refused "52:54:00:12:00:01 install" "the action must be restore, unicast, capture or wizard, not 'install'"
refused "52:54:00:12:00:01 restore image=other.lbi" "the multicast session carries lab.lbi; restore other.lbi with 'unicast'"
refused "52:54:00:12:00:01 unicast image=missing.lbi" "no image $images/missing.lbi"
refused "52:54:00:12:00:01 unicast image=../etc/passwd" "image= takes a file name in $images, not '../etc/passwd'"
refused "52:54:00:12:00:01 capture image=other.lbi" "$images/other.lbi exists; choose a new name"
refused "52:54:00:12:00:01 capture" "capture needs image=NAME, a new file (not lab.lbi)"
refused "52:54:00:12:00:01 restore disk=sda" "disk must be auto or a device path (/dev/sda, /dev/nvme0n1), not 'sda'"
refused "52:54:00:12:00:01 restore after=sleep" "after must be reboot, poweroff or shell, not 'sleep'"
refused "52:54:00:12:00:01 restore speed=fast" "unknown option 'speed=fast' (disk=, after=, image=)"
refused "52:54:00:12:00:01,52:54:00:12:00:02 wizard
52:54:00:12:00:0A restore
52:54:00:12:00:0a unicast" "52:54:00:12:00:0a is named twice"
check "nothing was started by a refused run" eval '[ -z "$(ip netns pids "$ns")" ] && [ ! -e "$WORK/logs" ]'

say "--- 2. a good config"
cat >"$WORK/lab.conf" <<'END'
# the teacher's machine keeps its second disk; two others get another image
52:54:00:12:00:01                    restore  disk=/dev/vdb
52:54:00:12:00:02,52:54:00:12:00:03  unicast  image=other.lbi after=poweroff   # by HTTP
52:54:00:12:00:04                    capture  image=pc4.lbi
52:54:00:12:00:05                    wizard
END
(deploy_cmd --config "$WORK/lab.conf" --clients 3 --wait 600 --after shell) >"$WORK/deploy.out" 2>&1 &
deploy=$!
for _ in $(seq 100); do grep -q 'session 1: waiting for clients' "$WORK/deploy.out" && break; sleep 0.2; done
sed 's/^/     | /' "$WORK/deploy.out"
check "the plan names every exception" eval '
    grep -qFx "  except:    52:54:00:12:00:01: the multicast session onto /dev/vdb, then shell" "$WORK/deploy.out" &&
    grep -qFx "             52:54:00:12:00:02,52:54:00:12:00:03: other.lbi alone over HTTP onto auto, then poweroff" "$WORK/deploy.out" &&
    grep -qFx "             52:54:00:12:00:04: capture auto into $images/pc4.lbi, then shell" "$WORK/deploy.out" &&
    grep -qFx "             52:54:00:12:00:05: the wizard" "$WORK/deploy.out" &&
    grep -qF "$images as /images/, written by the captures" "$WORK/deploy.out"'
check "the image restored over HTTP is verified too" grep -qF "checking $images/other.lbi (lifeboat verify)" "$WORK/deploy.out"
in_ns curl -sf http://10.79.0.1:8080/lifeboat.ipxe >"$WORK/lifeboat.ipxe" || bad "GET lifeboat.ipxe"
sed 's/^/     | /' "$WORK/lifeboat.ipxe"
kernel="kernel vmlinuz initrd=initrd.img $(sed -n 's/^kernel vmlinuz initrd=initrd.img //p' "$top/build/netboot/lifeboat.ipxe")"
server=http://10.79.0.1:8080
report="lifeboat.report=$server/status/"
# booted_by MAC: the kernel line iPXE runs for that MAC (it follows its goto, or falls through).
booted_by() {
    awk -v mac="$1" '$1 == "iseq" && $3 == mac { label = $6 } $1 == "kernel" && !found && (label == "" || seen) { print; found = 1 }
                     label != "" && $0 == ":" label { seen = 1 }' "$WORK/lifeboat.ipxe"
}
check "iPXE: 52-54-00-12-00-01 restores from the session onto /dev/vdb" eval '[ "$(booted_by 52-54-00-12-00-01)" = \
    "$kernel lifeboat.action=restore lifeboat.target=/dev/vdb lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi" ]'
for mac in 52-54-00-12-00-02 52-54-00-12-00-03; do
    check "iPXE: $mac restores other.lbi over HTTP and powers off" eval '[ "$(booted_by $mac)" = \
        "$kernel lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=poweroff $report lifeboat.image=$server/images/other.lbi" ]'
done
check "iPXE: 52-54-00-12-00-04 captures its disk into pc4.lbi" eval '[ "$(booted_by 52-54-00-12-00-04)" = \
    "$kernel lifeboat.action=capture lifeboat.source=auto lifeboat.after=shell $report lifeboat.image=$server/images/pc4.lbi" ]'
check "iPXE: 52-54-00-12-00-05 boots the wizard (no lifeboat. options)" eval '[ "$(booted_by 52-54-00-12-00-05)" = "$kernel" ]'
check "iPXE: any other machine restores from the session onto its one disk" eval '[ "$(booted_by 52-54-00-12-00-99)" = \
    "$kernel lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi" ]'
# tftp FILE: FILE from the server's TFTP, as a firmware's PXE reads it.
tftp() { rm -f "$WORK/tftp.out"; in_ns busybox tftp -g -r "$1" -l "$WORK/tftp.out" 10.79.0.1 && cat "$WORK/tftp.out"; }
pxelinux_append() { tftp "pxelinux.cfg/$1" | grep -m1 '^ *append ' | sed 's/^ *append //'; }
base=$(grep -m1 '^ *append ' "$top/build/netboot/pxelinux.cfg/default" | sed 's/^ *append //')
check "PXELINUX: 01-52-54-00-12-00-01 restores from the session onto /dev/vdb" eval '[ "$(pxelinux_append 01-52-54-00-12-00-01)" = \
    "$base lifeboat.action=restore lifeboat.target=/dev/vdb lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi" ]'
check "PXELINUX: 01-52-54-00-12-00-05 boots the wizard" eval '[ "$(pxelinux_append 01-52-54-00-12-00-05)" = "$base" ]'
check "PXELINUX: default restores from the session" eval '[ "$(pxelinux_append default)" = \
    "$base lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi" ]'
check "PXELINUX: the rest of the menu as built" eval 'diff <(tftp pxelinux.cfg/01-52-54-00-12-00-03 | grep -v "^ *append ") \
    <(grep -v "^ *append " "$top/build/netboot/pxelinux.cfg/default")'
tftp grub/grub.cfg >"$WORK/grub.cfg"
check "GRUB: the default options, then each MAC address's" eval 'diff <(grep -E "lifeboat_options=" "$WORK/grub.cfg") - <<END
set lifeboat_options="lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi"
if [ "\$net_default_mac" = 52:54:00:12:00:01 ]; then set lifeboat_options="lifeboat.action=restore lifeboat.target=/dev/vdb lifeboat.yes=1 lifeboat.after=shell $report lifeboat.multicast=9000 lifeboat.image=$server/images/lab.lbi"; fi
if [ "\$net_default_mac" = 52:54:00:12:00:02 ]; then set lifeboat_options="lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=poweroff $report lifeboat.image=$server/images/other.lbi"; fi
if [ "\$net_default_mac" = 52:54:00:12:00:03 ]; then set lifeboat_options="lifeboat.action=restore lifeboat.target=auto lifeboat.yes=1 lifeboat.after=poweroff $report lifeboat.image=$server/images/other.lbi"; fi
if [ "\$net_default_mac" = 52:54:00:12:00:04 ]; then set lifeboat_options="lifeboat.action=capture lifeboat.source=auto lifeboat.after=shell $report lifeboat.image=$server/images/pc4.lbi"; fi
if [ "\$net_default_mac" = 52:54:00:12:00:05 ]; then set lifeboat_options=""; fi
END'
check "GRUB: the first entry boots with them" eval 'grep -m1 "^ *linux " "$WORK/grub.cfg" | grep -qF " \$lifeboat_options"'
# What 52:54:00:12:00:04 runs, from the host: a capture into the server's folder (WebDAV).
lb_ok "a disk to capture" restore --yes --progress none "$images/lab.lbi" "$WORK/pc4.img"
check "the capture of 52:54:00:12:00:04 lands in the image's folder as pc4.lbi" \
    eval 'in_ns "$LB" capture --progress none "$WORK/pc4.img" "$server/images/pc4.lbi" >/dev/null 2>"$WORK/capture.err" &&
          [ -f "$images/pc4.lbi" ] && [ ! -e "$images/pc4.lbi.partial" ]'
lb_ok "pc4.lbi restores" restore --yes --progress none "$images/pc4.lbi" "$WORK/pc4-again.img" &&
    check "to the bytes of the disk captured" cmp -s "$WORK/pc4.img" "$WORK/pc4-again.img"

say "--- 3. reports and lifeboat-deploy status"
# put NAME BODY: the HTTP status of a PUT of BODY as /status/NAME.
put() { in_ns curl -s -o /dev/null -w '%{http_code}' -T - "$server/status/$1" <<<"$2"; }
client() {  # MAC PHASE PROGRESS EXIT MESSAGE
    printf '{"mac":"%s","address":"10.79.0.1%s","firmware":"BIOS","action":"restore","disk":"/dev/vda","how":"multicast session, port 9000","phase":"%s","message":"%s","progress":%s,"exit_code":%s}' \
        "$1" "${1: -2}" "$2" "$5" "$3" "$4"
}
progress() { printf '{"bytes_per_second":%s,"done":%s,"elapsed":9.5,"step":"restore","total":200000000}' "$1" "$2"; }
check "PUT: a done client's report" [ "$(put 52-54-00-12-00-11.json "$(client 52:54:00:12:00:11 done "$(progress 21500000 200000000)" 0 "")")" = 201 ]
check "PUT: a failed one's, with control characters and markup in its words" [ "$(put 52-54-00-12-00-12.json \
    "$(client 52:54:00:12:00:12 failed null 3 'standard input ended \u001b[31mearly; <b>the partition table was not written</b>')")" = 201 ]
check "PUT: a working one's" [ "$(put 52-54-00-12-00-13.json "$(client 52:54:00:12:00:13 restore "$(progress 12300000 50000000)" null "")")" = 201 ]
check "PUT: one that went silent" [ "$(put 52-54-00-12-00-14.json "$(client 52:54:00:12:00:14 restore "$(progress 9000000 100000000)" null "")")" = 201 ]
touch -d '-95 seconds' "$WORK/logs/clients/52-54-00-12-00-14.json"
check "PUT: one that waits for its session" [ "$(put 52-54-00-12-00-15.json "$(client 52:54:00:12:00:15 waiting null null "for the multicast session on port 9000")")" = 201 ]
check "PUT: a file not named by a MAC address is refused (405)" [ "$(put x.json '{}')" = 405 ]
check "PUT: the page cannot be replaced (405)" eval '[ "$(put ../status.html "<p>x</p>")" = 405 ] &&
    in_ns curl -sf "$server/status.html" | grep -q "<title>Lifeboat deployment</title>"' 
check "PUT: a report over 64 KiB is refused (413)" [ "$(put 52-54-00-12-00-16.json "$(head -c 70000 /dev/zero | tr '\0' x)")" = 413 ]
check "the listing is JSON with the five reports" eval '[ "$(in_ns curl -sf "$server/status/" | jq -r "map(.name) | join(\" \")")" = \
    "52-54-00-12-00-11.json 52-54-00-12-00-12.json 52-54-00-12-00-13.json 52-54-00-12-00-14.json 52-54-00-12-00-15.json" ]'

"$top/tools/lifeboat-deploy" status --logs "$WORK/logs" >"$WORK/status.out" 2>&1
sed 's/^/     | /' "$WORK/status.out"
row() { grep "^$1 " "$WORK/status.out" | sed 's/ *([0-9]* s ago)$//; s/  */ /g'; }
check "status: the header" eval '[ "$(head -n 1 "$WORK/status.out" | sed "s/  */ /g")" = "MAC ADDRESS BOOT DISK PHASE DONE RATE RESULT" ]'
check "status: done" eval '[ "$(row 52:54:00:12:00:11)" = "52:54:00:12:00:11 10.79.0.111 BIOS /dev/vda done 100% 21.5 MB/s ok" ]'
check "status: failed, with its words and no escape character" eval '[ "$(row 52:54:00:12:00:12)" = \
    "52:54:00:12:00:12 10.79.0.112 BIOS /dev/vda failed - - failed (exit 3): standard input ended [31mearly; <b>the partition table was not written</b>" ]'
check "status: working" eval '[ "$(row 52:54:00:12:00:13)" = "52:54:00:12:00:13 10.79.0.113 BIOS /dev/vda restore 25% 12.3 MB/s multicast session, port 9000" ]'
check "status: silent for 95 s and more" eval 'row 52:54:00:12:00:14 | grep -Eqx "52:54:00:12:00:14 10.79.0.114 BIOS /dev/vda restore 50% 9 MB/s silent for (9[5-9]|1[0-9]{2}) s \(lost\?\)"'
check "status: waiting" eval '[ "$(row 52:54:00:12:00:15)" = "52:54:00:12:00:15 10.79.0.115 BIOS /dev/vda waiting - - for the multicast session on port 9000" ]'
check "status: no control character reaches the terminal" eval '! grep -q "[[:cntrl:]]" <(tr -d "\n" <"$WORK/status.out")'
for _ in $(seq 30); do [ "$(cat "$WORK/logs/clients.log" 2>/dev/null | grep -c .)" -ge 2 ] && break; sleep 0.2; done
sleep 2.5  # a second round of the watcher, which must not log them again
sed 's/^/     | /' "$WORK/logs/clients.log"
check "clients.log: each final result once" eval '[ "$(cut -c1-200 "$WORK/logs/clients.log")" = "lifeboat-deploy: client 52:54:00:12:00:11 10.79.0.111: restore done (exit 0) on /dev/vda by multicast session, port 9000
lifeboat-deploy: client 52:54:00:12:00:12 10.79.0.112: restore failed (exit 3) on /dev/vda by multicast session, port 9000: standard input ended  [31mearly; <b>the partition table was not written</b>" ]'

say "--- 4. the status page in headless Chromium"
chrome() {
    in_ns chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$WORK/chromium" --virtual-time-budget=5000 "$@" \
        "$server/status.html" 2>>"$WORK/chromium.log"
}
chrome --dump-dom >"$WORK/page.html"
page_row() { grep -o "<tr class=\"[a-z]*\" data-mac=\"$1\">.*</tr>" "$WORK/page.html" | sed 's|</tr>.*||'; }
check "page: the summary" grep -qF '<p id="summary">5 clients: 1 done, 1 failed, 1 silent, 2 working</p>' "$WORK/page.html"
check "page: done" eval '[ "$(page_row 52:54:00:12:00:11)" = "<tr class=\"done\" data-mac=\"52:54:00:12:00:11\"><td>52:54:00:12:00:11</td><td>10.79.0.111</td><td>BIOS</td><td>/dev/vda</td><td>done</td><td><progress max=\"200000000\" value=\"200000000\"></progress> 100%</td><td>21.5 MB/s</td><td class=\"result message\">ok</td><td>$(page_row 52:54:00:12:00:11 | grep -o "[0-9]* s ago")</td>" ]'
check "page: failed, its markup shown as text" eval 'page_row 52:54:00:12:00:12 | grep -qF "<tr class=\"failed\" data-mac=\"52:54:00:12:00:12\"><td>52:54:00:12:00:12</td>" &&
    page_row 52:54:00:12:00:12 | grep -qF "failed (exit 3): standard input ended" &&
    page_row 52:54:00:12:00:12 | grep -qF "&lt;b&gt;the partition table was not written&lt;/b&gt;"'
check "page: working, 25%" eval 'page_row 52:54:00:12:00:13 | grep -qF "<progress max=\"200000000\" value=\"50000000\"></progress> 25%</td><td>12.3 MB/s</td>"'
check "page: silent" eval 'page_row 52:54:00:12:00:14 | grep -Eq "^<tr class=\"silent\".*silent for (9[5-9]|1[0-9]{2}) s \(lost\?\)"'
check "page: waiting" eval 'page_row 52:54:00:12:00:15 | grep -qF "for the multicast session on port 9000"'
chrome --window-size=1200,320 --screenshot="$output/status.png"
check "page: a screenshot ($output/status.png)" eval '[ "$(head -c 8 "$output/status.png" | xxd -p)" = 89504e470d0a1a0a ]'

say "--- 5. SIGTERM stops everything"
kill -TERM "$deploy"
rc=0
wait "$deploy" || rc=$?
deploy=""
check "lifeboat-deploy exits 0 on SIGTERM (exit $rc)" [ "$rc" = 0 ]
for _ in $(seq 25); do [ -z "$(ip netns pids "$ns")" ] && break; sleep 0.2; done  # a signalled server takes a moment
left=$(ip netns pids "$ns" | xargs -r ps -o comm= -p | sort | tr '\n' ' ')
check "nginx, dnsmasq and udp-sender are gone (left: ${left:-nothing})" [ -z "$left" ]
lb_finish
