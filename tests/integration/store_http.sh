#!/bin/bash
# Images on an HTTP(S) server (issue 19), against a real nginx with WebDAV
# started here on 127.0.0.1: the stores' round trip (lib/store_suite.sh: a
# whole disk and a split filesystem captured, listed, verified, restored in
# place and judged; a byte altered on the server is damage); https with the
# test's own CA (refused without --ca); credentials from a file or the
# environment and never shown; a server killed mid-capture (no image, no
# partial left) and mid-restore (error within 60 s, the aftermath said).
#   usage: store_http.sh PATH/TO/lifeboat      (root; exit 77 = skipped)
source "$(dirname "$0")/lib/common.sh"
lb_init store-http "${1:-}"
source "$(dirname "$0")/lib/disk.sh"
source "$(dirname "$0")/lib/servers.sh"
source "$(dirname "$0")/lib/store_suite.sh"
disk_init
need_tools sgdisk curl

start_nginx "$WORK/web" auth ann 's3cret Pa55'
www=$WORK/web/www
mkdir -p "$www/images/office"
printf 'user = ann\npassword = s3cret Pa55\n' >"$WORK/creds"
creds=(--credentials "$WORK/creds")
url=$NGINX_URL/images/office

store_round_trip http "$url" "$www/images/office" "${creds[@]}"

fs=$WORK/fs.img
truncate -s 48M "$fs"
mkfs.ext4 -q -F "$fs" || die "mkfs.ext4"
lb_expect 8 "wrong credentials" capture --progress none "$fs" "$url/anon.lbi" && {
    err_has "says the server refused them" "refused the user name or password \\(HTTP 401\\)"
    err_has "says where credentials come from" "--credentials FILE"
}
LIFEBOAT_USER=ann LIFEBOAT_PASSWORD='s3cret Pa55' lb_ok "credentials from the environment" info "$url/root.lbi"
lb_expect 2 "a password in the URL is refused" info "http://ann:s3cret@127.0.0.1:$NGINX_PORT/images/office/pc.lbi" &&
    check "and not repeated" sh -c '! grep -q s3cret "$1"' sh "$ERR"

# ---------------------------------------------------------------- https ----
start_nginx "$WORK/tls" tls
mkdir -p "$WORK/tls/www/images"
cp "$www/images/office/root.lbi"* "$WORK/tls/www/images/"
lb_expect 8 "https with an unknown CA is refused" info "$NGINX_URL/images/root.lbi" &&
    err_has "says the certificate is not trusted" "TLS certificate of 127.0.0.1:$NGINX_PORT is not trusted"
lb_ok "https trusted with --ca" verify --progress none --ca "$NGINX_CA" "$NGINX_URL/images/root.lbi"
lb_ok "capture over https" capture --progress none --ca "$NGINX_CA" "$fs" "$NGINX_URL/images/new.lbi" &&
    check "the image arrived whole" test "$(info_get "$WORK/tls/www/images/new.lbi" .image.records)" -gt 0

# ---------------------------------------------- a server that goes away ----
start_nginx "$WORK/dying" rate 4m
mkdir -p "$WORK/dying/www/images"
big=$WORK/big.img
head -c $((120 << 20)) /dev/urandom >"$big"
server_dies_during "a capture" stop_nginx "connection to 127.0.0.1:$NGINX_PORT broke|cannot be reached" \
    capture --progress none --level 19 "$big" "$NGINX_URL/images/big.lbi"
restart_nginx
check "no image and no partial left on the server" test -z "$(ls -A "$WORK/dying/www/images")"

"$LB" capture --progress none --level 1 "$big" "$WORK/dying/www/images/big.lbi" >/dev/null 2>&1 || die "capture big.img"
# The server sends 4 MiB/s per connection: 2 s in, the restore of 120 MiB is under way.
server_dies_during "a restore" stop_nginx "cannot be reached|connection to 127.0.0.1:$NGINX_PORT broke" \
    restore --yes --progress none "$NGINX_URL/images/big.lbi" "$WORK/target2.img"
check "and says what the target holds now" grep -q "target2.img" "$WORK/dies.out"
lb_finish
