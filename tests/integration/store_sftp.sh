#!/bin/bash
# Images on an SSH server over SFTP (issue 19), against OpenSSH's sshd started
# here on 127.0.0.1 with a key made here: the stores' round trip
# (lib/store_suite.sh: a whole disk and a split filesystem captured, listed,
# verified, restored in place and judged; a byte altered on the server is
# damage); a host key not
# pinned or pinned wrong refused with the server's fingerprint; a key the
# server does not know refused; a server killed mid-capture (error within
# 60 s, no image; a partial is never listed and the next capture clears it).
#   usage: store_sftp.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init store-sftp "${1:-}"
source "$(dirname "$0")/lib/disk.sh"
source "$(dirname "$0")/lib/servers.sh"
source "$(dirname "$0")/lib/store_suite.sh"
disk_init
need_tools sgdisk

start_sshd "$WORK/ssh"
files=$WORK/ssh/files
mkdir -p "$files/images"
ssh=(--credentials "$SSHD_CREDS" --host-key "$SSHD_HOST_KEY")
url=$SSHD_URL$files/images
key_re=${SSHD_HOST_KEY//+/\\+}  # base64 holds '+': as a regular expression (err_has)

fs=$WORK/fs.img
truncate -s 48M "$fs"
mkfs.ext4 -q -F "$fs" || die "mkfs.ext4"

lb_expect 8 "a host key not pinned is refused" info --credentials "$SSHD_CREDS" "$url/none.lbi" && {
    err_has "with the server's fingerprint" "the host key of 127.0.0.1:$SSHD_PORT \\($key_re\\) is not known"
    err_has "and how to pin it" "--host-key $key_re"
}
lb_expect 8 "a host key pinned wrong is refused" info --credentials "$SSHD_CREDS" \
    --host-key SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "$url/none.lbi" &&
    err_has "names both keys" "is $key_re, not SHA256:AAAA"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/stranger" && printf 'key = %s\n' "$WORK/stranger" >"$WORK/stranger.creds"
lb_expect 8 "a key the server does not know" info --credentials "$WORK/stranger.creds" --host-key "$SSHD_HOST_KEY" \
    "$url/none.lbi" && err_has "says so" "refused the user name, password or key"

store_round_trip sftp "$url" "$files/images" "${ssh[@]}"

big=$WORK/big.img
head -c $((120 << 20)) /dev/urandom >"$big"
server_dies_during "a capture" stop_sshd "127.0.0.1:$SSHD_PORT|connection" \
    capture --progress none --level 19 "${ssh[@]}" "$big" "$url/big.lbi"
check "no image under its name" test ! -e "$files/images/big.lbi"
restart_sshd
lb_ok "list after the kill" list --json "${ssh[@]}" "$url/" &&
    check "the partial is not listed" sh -c '! grep -q "big.lbi" "$1"' sh "$OUT"
lb_ok "a new capture of the name" capture --progress none "${ssh[@]}" "$fs" "$url/big.lbi" &&
    check "cleared the partial" test ! -e "$files/images/big.lbi.partial"
lb_finish
