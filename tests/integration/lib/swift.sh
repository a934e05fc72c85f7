# shellcheck shell=bash
# OpenStack Swift's configuration for an S3 service of one machine: the one
# the integration tests start (servers.sh: start_s3) and bench/network_store.sh.
# No dependencies: source it anywhere.
#
#   swift_config DIR PROXY_ADDRESS PROXY_PORT [PROXY_WORKERS]
#       writes DIR/etc: swift.conf, the rings (one replica, one device
#       DIR/node/d1) and the account, container and object servers' configs
#       (127.0.0.1, ports 6212, 6211 and 6210), and the proxy's on
#       PROXY_ADDRESS:PROXY_PORT with s3api (AWS Signature V4 checked) and
#       tempauth's user test:tester, secret "testing"; PROXY_WORKERS
#       processes (0, the default: one serving process). Swift reads
#       /etc/swift/swift.conf: the caller binds DIR/etc there (a mount
#       namespace of its own). Fails when swift-ring-builder does.
swift_config() {
    local dir=$1 address=$2 proxy_port=$3 workers=${4:-0} ring port
    mkdir -p "$dir/etc" "$dir/node/d1" || return 1
    printf '[swift-hash]\nswift_hash_path_suffix = lifeboat-test\n[storage-policy:0]\nname = gold\ndefault = yes\n' \
        >"$dir/etc/swift.conf"
    for ring in object:6210 container:6211 account:6212; do
        port=${ring#*:} ring=${ring%:*}
        (cd "$dir/etc" && swift-ring-builder "$ring.builder" create 8 1 1 &&
            swift-ring-builder "$ring.builder" add "r1z1-127.0.0.1:$port/d1" 1 &&
            swift-ring-builder "$ring.builder" rebalance) >>"$dir/rings.log" 2>&1 || { cat "$dir/rings.log"; return 1; }
        cat >"$dir/etc/$ring-server.conf" <<CONF
[DEFAULT]
devices = $dir/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = root
swift_dir = $dir/etc
[pipeline:main]
pipeline = $ring-server
[app:$ring-server]
use = egg:swift#$ring
CONF
    done
    cat >"$dir/etc/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = $address
bind_port = $proxy_port
workers = $workers
user = root
swift_dir = $dir/etc
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck cache listing_formats s3api tempauth copy slo dlo proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:1
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
}
