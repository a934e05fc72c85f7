#!/bin/bash
# Images on an SSH server over SFTP (issue 19), against OpenSSH's sshd started
# here on 127.0.0.1 with a key made here: a whole GPT disk (ESP + ext4) and a
# filesystem in split volumes captured to the server, listed, verified and
# restored from it in place, judged by sgdisk -v, the checkers and file
# checksums; a byte altered on the server caught as damage; a host key not
# pinned or pinned wrong refused with the server's fingerprint; a key the
# server does not know refused; a server killed mid-capture (error within
# 60 s, no image; a partial is never listed and the next capture clears it).
#   usage: store_sftp.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init store-sftp "${1:-}"
source "$(dirname "$0")/lib/disk.sh"
source "$(dirname "$0")/lib/servers.sh"
disk_init
need_tools sgdisk

start_sshd "$WORK/ssh"
files=$WORK/ssh/files
mkdir -p "$files/images"
ssh=(--credentials "$SSHD_CREDS" --host-key "$SSHD_HOST_KEY")
url=$SSHD_URL$files/images
key_re=${SSHD_HOST_KEY//+/\\+}  # base64 holds '+': as a regular expression (err_has)

esp_root_disk "$WORK/disk.img" 160M 200704
fs=$WORK/fs.img
truncate -s 48M "$fs"
mkfs.ext4 -q -F -d "$DATA" "$fs" || die "mkfs.ext4"

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

lb_ok "capture a whole disk over SFTP" capture --progress none "${ssh[@]}" "$WORK/disk.img" "$url/pc.lbi" &&
    check "the image is on the server, nothing else" test "$(cd "$files/images" && echo *)" = "pc.lbi"
lb_ok "capture a filesystem in 2 MiB volumes" capture --progress none --split 2M "${ssh[@]}" "$fs" "$url/root.lbi" &&
    check "several volumes ($(find "$files/images" -name 'root.lbi*' | wc -l))" \
        test "$(find "$files/images" -name 'root.lbi*' | wc -l)" -ge 3
lb_ok "list the folder" list --json "${ssh[@]}" "$url/" &&
    check "both images, by their URLs" \
        test "$(jq -r '[.machines[].images[].path] | sort | join(" ")' "$OUT")" = "$url/pc.lbi $url/root.lbi"
lb_ok "verify in place" verify --progress none "${ssh[@]}" "$url/root.lbi"

junk "$WORK/target.img" $((160 << 20))
lb_ok "restore the whole disk over SFTP" restore --yes --progress none "${ssh[@]}" "$url/pc.lbi" "$WORK/target.img" && {
    check "sgdisk -v: the table is whole" quiet sgdisk -v "$WORK/target.img"
    judge_part "$WORK/disk.img" "$WORK/target.img" 1 fat32 "restored over sftp"
    judge_part "$WORK/disk.img" "$WORK/target.img" 2 ext4 "restored over sftp"
}
lb_ok "restore the split filesystem" restore --yes --progress none "${ssh[@]}" "$url/root.lbi" "$WORK/root.out" && {
    check "e2fsck -fn clean" quiet e2fsck -fn "$WORK/root.out"
    mkdir -p "$WORK/files" && debugfs -R "rdump / $WORK/files" "$WORK/root.out" >/dev/null 2>&1
    rm -rf "$WORK/files/lost+found"
    same_tree "every file as captured" "$DATA_SUMS" "$WORK/files"
}

cp "$files/images/root.lbi.002" "$WORK/vol2.bak"
printf '\xff' | dd of="$files/images/root.lbi.002" bs=1 seek=$((1 << 20)) conv=notrunc status=none
touch -r "$WORK/vol2.bak" "$files/images/root.lbi.002"
lb_expect 3 "a byte altered on the server is damage" verify --progress none "${ssh[@]}" "$url/root.lbi" &&
    err_has "named with its volume" "root.lbi.002"
cp -p "$WORK/vol2.bak" "$files/images/root.lbi.002"

big=$WORK/big.img
head -c $((120 << 20)) /dev/urandom >"$big"
"$LB" capture --progress none --level 19 "${ssh[@]}" "$big" "$url/big.lbi" >"$WORK/cap.out" 2>&1 &
cap=$!
sleep 2
stop_sshd
SECONDS=0
wait "$cap"
rc=$?
took=$SECONDS
check "a capture whose server died fails (exit $rc)" test "$rc" -ne 0
check "within 60 s (${took} s)" test "$took" -le 60
check "says what broke" grep -Eq "127.0.0.1:$SSHD_PORT|connection" "$WORK/cap.out"
check "no image under its name" test ! -e "$files/images/big.lbi"
restart_sshd
lb_ok "list after the kill" list --json "${ssh[@]}" "$url/" &&
    check "the partial is not listed" sh -c '! grep -q "big.lbi" "$1"' sh "$OUT"
lb_ok "a new capture of the name" capture --progress none "${ssh[@]}" "$fs" "$url/big.lbi" &&
    check "cleared the partial" test ! -e "$files/images/big.lbi.partial"
lb_finish
