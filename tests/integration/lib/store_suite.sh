# shellcheck shell=bash
# What every network store's integration test runs through the CLI: the round
# trip below, and server_dies_during (at the end)
# (source common.sh, disk.sh and servers.sh first; disk_init made $DATA):
#
#   store_round_trip NAME URL FOLDER ARGS...
#       URL     the store's folder as a URL ("http://127.0.0.1:PORT/images")
#       FOLDER  the same folder on this machine, as the server keeps it
#       ARGS    what every command needs to reach the store (--credentials ...)
#
# A whole GPT disk (ESP + ext4 with $DATA) and an ext4 filesystem in 2 MiB
# volumes are captured to the store, described, listed and verified there, and
# restored from it in place onto junk-filled targets, judged by sgdisk -v, the
# checkers and every file's checksum; then a byte altered on the server (the
# file's time kept, so only the chunk checks can see it) is damage, exit 3,
# with its volume named.
store_round_trip() {
    local name=$1 url=$2 folder=$3 n
    shift 3
    local disk=$WORK/store-disk.img fs=$WORK/store-fs.img
    esp_root_disk "$disk" 160M 200704
    truncate -s 48M "$fs"
    mkfs.ext4 -q -F -d "$DATA" "$fs" || die "mkfs.ext4"

    lb_ok "$name: capture a whole disk" capture --progress none "$@" "$disk" "$url/pc.lbi" && {
        check "$name: the image is in the folder under its name, nothing else" test "$(cd "$folder" && echo *)" = pc.lbi
        check "$name: capture read it back from the store (verified)" grep -q ', verified$' "$ERR"
    }
    lb_ok "$name: capture a filesystem in 2 MiB volumes" capture --progress none --split 2M "$@" "$fs" "$url/root.lbi" && {
        n=$(find "$folder" -name 'root.lbi*' | wc -l)
        check "$name: split into several volumes ($n)" test "$n" -ge 3
    }
    lb_ok "$name: info" info --json "$@" "$url/pc.lbi" &&
        check "$name: the image's two partitions" test "$(jq '.manifest.disk.partitions | length' "$OUT")" = 2
    lb_ok "$name: list the folder" list --json "$@" "$url/" && {
        check "$name: both images, by their URLs" \
            test "$(jq -r '[.machines[].images[].path] | sort | join(" ")' "$OUT")" = "$url/pc.lbi $url/root.lbi"
        check "$name: no volume listed as an image" test "$(jq '.unreadable | length' "$OUT")" = 0
    }
    lb_ok "$name: verify in place" verify --progress none "$@" "$url/root.lbi" &&
        check "$name: every chunk checked" grep -q ': OK, ' "$OUT"

    junk "$WORK/store-target.img" $((160 << 20))
    lb_ok "$name: restore the whole disk" restore --yes --progress none "$@" "$url/pc.lbi" "$WORK/store-target.img" && {
        check "$name: sgdisk -v: the table is whole" quiet sgdisk -v "$WORK/store-target.img"
        judge_part "$disk" "$WORK/store-target.img" 1 fat32 "$name"
        judge_part "$disk" "$WORK/store-target.img" 2 ext4 "$name"
    }
    lb_ok "$name: restore the split filesystem" restore --yes --progress none "$@" "$url/root.lbi" "$WORK/store-root.img" && {
        check "$name: e2fsck -fn clean" quiet e2fsck -fn "$WORK/store-root.img"
        rm -rf "$WORK/store-files" && mkdir -p "$WORK/store-files"
        debugfs -R "rdump / $WORK/store-files" "$WORK/store-root.img" >/dev/null 2>&1
        rm -rf "$WORK/store-files/lost+found"
        same_tree "$name: every file as captured" "$DATA_SUMS" "$WORK/store-files"
    }
    check "$name: nothing was copied to this machine" test -z "$(find "$WORK" -name '*.lbi*' ! -path "$folder/*")"

    cp -p "$folder/root.lbi.002" "$WORK/store-vol2"
    printf '\xff' | dd of="$folder/root.lbi.002" bs=1 seek=$((1 << 20)) conv=notrunc status=none
    touch -r "$WORK/store-vol2" "$folder/root.lbi.002"
    lb_expect 3 "$name: a byte altered on the server is damage" verify --progress none "$@" "$url/root.lbi" &&
        err_has "$name: named with its volume" "root.lbi.002"
    cp -p "$WORK/store-vol2" "$folder/root.lbi.002"
    rm -f "$disk" "$fs" "$WORK/store-target.img" "$WORK/store-root.img" "$WORK/store-vol2"
}

# server_dies_during WHAT STOP REGEX ARGS...: runs lifeboat ARGS in the
# background, runs the command STOP (the server killed, as a crash would) 2 s
# later, and checks that lifeboat fails within 60 s saying REGEX (grep -E).
# Its output stays in $WORK/dies.out.
server_dies_during() {
    local what=$1 stop=$2 regex=$3 pid rc took
    shift 3
    "$LB" "$@" >"$WORK/dies.out" 2>&1 &
    pid=$!
    sleep 2
    $stop
    SECONDS=0
    rc=0
    wait "$pid" || rc=$?
    took=$SECONDS
    check "$what whose server died fails (exit $rc)" test "$rc" -ne 0
    check "$what: within 60 s (${took} s)" test "$took" -le 60
    check "$what: says what broke" grep -Eq "$regex" "$WORK/dies.out"
    grep -Eq "$regex" "$WORK/dies.out" || sed 's/^/     | /' "$WORK/dies.out"
}
