# shellcheck shell=bash
# What every network store's integration test runs through the CLI: the round
# trip below, and server_dies_during (at the end)
# (source common.sh, disk.sh and servers.sh first; disk_init made $DATA):
#
#   store_round_trip NAME URL FOLDER ARGS...
#       URL     the store's folder as a URL ("http://127.0.0.1:PORT/images")
#       FOLDER  the same folder on this machine, as the server keeps it; or ""
#               for a store that keeps no files (S3), whose test then defines
#               suite_files (the names in the folder, one per line), suite_get
#               NAME FILE and suite_put FILE NAME with the server's own tools
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
    if [ -n "$folder" ]; then  # the folder as the server keeps it
        suite_files() { (cd "$folder" && find . -maxdepth 1 -type f -printf '%f\n' | sort); }
        suite_get() { cp -p "$folder/$1" "$2"; }
        suite_put() { cp -p "$1" "$folder/$2"; }
    fi
    local disk=$WORK/store-disk.img fs=$WORK/store-fs.img
    esp_root_disk "$disk" 160M 200704
    truncate -s 48M "$fs"
    mkfs.ext4 -q -F -d "$DATA" "$fs" || die "mkfs.ext4"

    lb_ok "$name: capture a whole disk" capture --progress none "$@" "$disk" "$url/pc.lbi" && {
        check "$name: the image is in the folder under its name, nothing else" test "$(suite_files | paste -sd' ')" = pc.lbi
        check "$name: capture read it back from the store (verified)" grep -q ', verified$' "$ERR"
    }
    lb_ok "$name: capture a filesystem in 2 MiB volumes" capture --progress none --split 2M "$@" "$fs" "$url/root.lbi" && {
        n=$(suite_files | grep -c '^root\.lbi')
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
    check "$name: nothing was copied to this machine" \
        test -z "$(find "$WORK" -name '*.lbi*' ! -path "${folder:-/nowhere}/*" ! -path "${S3_DIR:-/nowhere}/*")"

    suite_get root.lbi.002 "$WORK/store-vol2" || die "$name: fetch root.lbi.002 from the server"
    cp -p "$WORK/store-vol2" "$WORK/store-vol2.altered"
    # Every bit of the byte at 1 MiB flipped (a fixed value is the byte itself once in 256 runs).
    local byte
    byte=$(od -An -tu1 -j $((1 << 20)) -N1 "$WORK/store-vol2" | tr -d ' ')
    # shellcheck disable=SC2059  # the format is the byte, as an octal escape
    printf "$(printf '\\%03o' $((byte ^ 255)))" | dd of="$WORK/store-vol2.altered" bs=1 seek=$((1 << 20)) conv=notrunc status=none
    touch -r "$WORK/store-vol2" "$WORK/store-vol2.altered"  # where the time is kept, only the chunk checks see it
    check "$name: the altered volume differs from the server's" eval '! cmp -s "$WORK/store-vol2" "$WORK/store-vol2.altered"'
    suite_put "$WORK/store-vol2.altered" root.lbi.002 || die "$name: put the altered volume back"
    lb_expect 3 "$name: a byte altered on the server is damage" verify --progress none "$@" "$url/root.lbi" &&
        err_has "$name: named with its volume" "root.lbi.002"
    suite_put "$WORK/store-vol2" root.lbi.002 || die "$name: put the volume back whole"
    rm -f "$WORK/store-vol2.altered"
    rm -f "$disk" "$fs" "$WORK/store-target.img" "$WORK/store-root.img" "$WORK/store-vol2"
}

# server_dies_during WHAT STOP REGEX ARGS...: runs lifeboat ARGS in the
# background, runs the command STOP (the server killed, as a crash would)
# 2 s later, or once the command DIES_WHEN succeeds (up to 30 s), and checks that lifeboat fails within 60 s saying REGEX (grep -E).
# Its output stays in $WORK/dies.out.
server_dies_during() {
    local what=$1 stop=$2 regex=$3 pid rc took i
    shift 3
    "$LB" "$@" >"$WORK/dies.out" 2>&1 &
    pid=$!
    if [ -n "${DIES_WHEN:-}" ]; then
        for i in $(seq 300); do eval "$DIES_WHEN" && break; sleep 0.1; done
    else
        sleep 2
    fi
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
