#!/bin/bash
# Images in an S3 bucket (issue 19), against OpenStack Swift's s3api started
# here (servers.sh: start_s3), which checks AWS Signature V4: the stores'
# round trip (lib/store_suite.sh: a whole disk and a split filesystem
# captured, listed, verified, restored in place and judged; a byte altered on
# the server is damage), with s3cmd as the independent client that makes the
# bucket, lists it and alters an object; a wrong secret and an unknown access
# key refused (exit 8) without repeating the secret; a missing bucket named;
# credentials from the environment; no multipart upload left after a capture
# that failed, and none after one that was killed once the next capture of
# that name ran; the service killed mid-capture and mid-restore (error
# within 60 s, nothing left under the name).
#   usage: store_s3.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/servers.sh"
own_network "$@"
source "$(dirname "$0")/lib/common.sh"
lb_init store-s3 "${1:-}"
source "$(dirname "$0")/lib/disk.sh"
source "$(dirname "$0")/lib/store_suite.sh"
disk_init
need_tools sgdisk curl

start_s3 "$WORK/s3"
$S3CMD mb s3://lifeboat-images >"$WORK/s3cmd.out" 2>&1 || { cat "$WORK/s3cmd.out"; die "s3cmd mb"; }
creds=(--credentials "$S3_CREDS")
url=s3://lifeboat-images/office

suite_files() { $S3CMD ls s3://lifeboat-images/office/ 2>/dev/null | awk '{print $4}' | sed 's|.*/||' | sort; }
suite_get() { $S3CMD get --force "s3://lifeboat-images/office/$1" "$2" >/dev/null 2>&1; }
suite_put() { $S3CMD put "$1" "s3://lifeboat-images/office/$2" >/dev/null 2>&1; }
# Unfinished multipart uploads in the bucket, as s3cmd sees them.
uploads_left() { $S3CMD multipart s3://lifeboat-images 2>/dev/null | awk 'seen { n++ } /^Initiated/ { seen = 1 } END { print n + 0 }'; }

store_round_trip s3 "$url" "" "${creds[@]}"
check "no multipart upload left unfinished" test "$(uploads_left)" = 0

fs=$WORK/fs.img
truncate -s 48M "$fs"
mkfs.ext4 -q -F "$fs" || die "mkfs.ext4"
printf 'user = test:tester\npassword = not-the-Secret-42\nendpoint = %s\n' "$S3_ENDPOINT" >"$WORK/wrong.creds"
lb_expect 8 "a wrong secret" capture --progress none --credentials "$WORK/wrong.creds" "$fs" "$url/anon.lbi" && {
    err_has "says the service refused it" "refused the access key or secret"
    check "and never repeats the secret" sh -c '! grep -q "not-the-Secret" "$1"' sh "$ERR"
}
printf 'user = nobody:here\npassword = testing\nendpoint = %s\n' "$S3_ENDPOINT" >"$WORK/stranger.creds"
lb_expect 8 "an unknown access key" info --credentials "$WORK/stranger.creds" "$url/pc.lbi" &&
    err_has "says the service refused it" "refused the access key or secret"
lb_expect 7 "a bucket that is not there" list "${creds[@]}" s3://no-such-bucket/images/ &&
    err_has "names the bucket" "the bucket no-such-bucket does not exist"
AWS_ACCESS_KEY_ID=test:tester AWS_SECRET_ACCESS_KEY=testing AWS_ENDPOINT_URL=$S3_ENDPOINT \
    lb_ok "credentials and endpoint from the environment" info "$url/root.lbi"
lb_ok "--endpoint on the command line" info --credentials "$WORK/s3/creds" --endpoint "$S3_ENDPOINT" "$url/root.lbi"
lb_expect 2 "a bucket name that is not one" info "${creds[@]}" "s3://No_Bucket/pc.lbi" &&
    err_has "says how to write it" "does not name a bucket"

# ---------------------------------------------- a service that goes away ----
# Killed once the upload has begun / the restore writes: no timing to guess
# (the machine's loopback cannot be shaped for the proxy alone: Swift's own
# servers talk over it too, and time out when it is slow).
big=$WORK/big.img
head -c $((320 << 20)) /dev/urandom >"$big"
DIES_WHEN='test "$(uploads_left)" -gt 0' server_dies_during "a capture" "kill -KILL $S3_PROXY_PID" \
    "connection to 127.0.0.1:$S3_PORT broke|cannot be reached|stopped answering" \
    capture --progress none --level 1 "${creds[@]}" "$big" "$url/big.lbi"
restart_s3_proxy
check "nothing under the name" test -z "$(suite_files | grep '^big\.lbi')"
check "the killed capture's upload is still there (the service could not be told)" test "$(uploads_left)" -gt 0
lb_ok "the next capture of that name" capture --progress none --level 1 "${creds[@]}" "$fs" "$url/big.lbi"
check "which aborted the killed capture's upload" test "$(uploads_left)" = 0

"$LB" capture --progress none --level 1 --force "${creds[@]}" "$big" "$url/big.lbi" >/dev/null 2>&1 || die "capture big.img"
DIES_WHEN='test -s "$WORK/target2.img"' server_dies_during "a restore" "kill -KILL $S3_PROXY_PID" \
    "connection to 127.0.0.1:$S3_PORT broke|cannot be reached|stopped answering" \
    restore --yes --progress none "${creds[@]}" "$url/big.lbi" "$WORK/target2.img"
check "and says what the target holds now" grep -q "target2.img" "$WORK/dies.out"
lb_finish
