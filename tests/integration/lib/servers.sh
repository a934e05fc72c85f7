# shellcheck shell=bash
# Real servers for the network store tests, on a free port of 127.0.0.1,
# started by the test and stopped by common.sh's EXIT trap (source common.sh
# first, then lb_init, then this file).
#
#   free_port                         # prints a TCP port nothing listens on
#   start_nginx DIR [tls] [auth USER PASSWORD] [rate BYTES-PER-S]
#                                     # nginx serving DIR/www with WebDAV (PUT,
#                                     # DELETE, MOVE, PROPFIND); sets NGINX_URL,
#                                     # NGINX_PID, and with tls NGINX_CA (the CA's PEM)
#   stop_nginx, restart_nginx         # kill it (as a crash would), start it again
#   start_sshd DIR                    # OpenSSH sshd with SFTP, key logins (below)
#   stop_sshd, restart_sshd
#   start_nfs DIR                     # rpcbind and nfs-ganesha exporting DIR/export
#                                     # (root not squashed); sets NFS_URL
#                                     # (nfs://127.0.0.1 + DIR/export). Needs the
#                                     # test in namespaces of its own (own_network)
#   stop_nfs, restart_nfs             # ganesha only; rpcbind stays
#   stop_smb                          # smbd killed
#   start_smb DIR USER PASSWORD       # Samba's smbd on port 445 sharing DIR/share as
#                                     # "images", USER (a system user) with PASSWORD
#                                     # in its own password database; sets SMB_CREDS
#                                     # (a credentials file). Needs own_network (port 445)
#   start_s3 DIR                      # OpenStack Swift with s3api (AWS Signature V4
#                                     # checked); sets S3_ENDPOINT, S3_CREDS, S3CMD.
#                                     # Needs own_network (/etc/swift is bound)
#   restart_s3_proxy                  # Swift's proxy again after a kill -KILL $S3_PROXY_PID
#
# An NFS server needs the portmapper's port 111 and rpcbind's socket
# /run/rpcbind.sock, which are the machine's: a test that starts one runs
# `own_network "$@"` first (before lb_init), which runs the script again in
# network and mount namespaces of its own, with only loopback and an empty /run.
source "$(dirname "${BASH_SOURCE[0]}")/swift.sh"

own_network() {
    [ -n "${LB_OWN_NETWORK:-}" ] && return 0
    [ "$(id -u)" -eq 0 ] || return 0  # lb_init skips the test
    exec env LB_OWN_NETWORK=1 unshare --net --mount --propagation private bash "$0" "$@"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: up to 5 s for something to accept on 127.0.0.1:PORT.
wait_port() {
    local i
    for i in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_nginx() {
    local dir=$1 tls=no user="" password="" scheme=http rate=0
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        tls) tls=yes scheme=https ;;
        auth) user=$2 password=$3; shift 2 ;;
        rate) rate=$2; shift ;;
        esac
        shift
    done
    need_tools nginx openssl
    mkdir -p "$dir/www" "$dir/tmp"
    NGINX_DIR=$dir NGINX_PORT=$(free_port)
    {
        echo "load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;"
        echo "user root; worker_processes 2; daemon off; pid $dir/nginx.pid; error_log $dir/error.log;"
        echo "events { worker_connections 64; }"
        echo "http { access_log $dir/access.log; client_body_temp_path $dir/tmp/body;"
        echo " proxy_temp_path $dir/tmp/p; fastcgi_temp_path $dir/tmp/f; uwsgi_temp_path $dir/tmp/u; scgi_temp_path $dir/tmp/s;"
        echo " server { listen 127.0.0.1:$NGINX_PORT$([ $tls = yes ] && echo ' ssl');"
        echo "  root $dir/www; client_max_body_size 0; dav_methods PUT DELETE MOVE; dav_ext_methods PROPFIND OPTIONS;"
        echo "  dav_access user:rw group:r all:r; limit_rate $rate;"
        if [ $tls = yes ]; then echo "  ssl_certificate $dir/server.crt; ssl_certificate_key $dir/server.key;"; fi
        if [ -n "$user" ]; then echo "  auth_basic lifeboat; auth_basic_user_file $dir/htpasswd;"; fi
        echo " }"
        echo "}"
    } >"$dir/nginx.conf"
    if [ $tls = yes ] && [ ! -f "$dir/server.crt" ]; then
        (
            cd "$dir" &&
                openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=lifeboat-test-ca -keyout ca.key -out ca.crt &&
                openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr &&
                printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
                openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
                    -out server.crt
        ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log"; die "openssl could not make the test certificates"; }
        NGINX_CA=$dir/ca.crt
    fi
    if [ -n "$user" ]; then
        printf '%s:%s\n' "$user" "$(openssl passwd -apr1 "$password")" >"$dir/htpasswd" || die "htpasswd"
    fi
    restart_nginx
    NGINX_URL=$scheme://127.0.0.1:$NGINX_PORT
}

restart_nginx() {
    nginx -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" &
    NGINX_PID=$!
    LB_SERVERS+=("$NGINX_PID")
    wait_port "$NGINX_PORT" || { cat "$NGINX_DIR/error.log"; die "nginx did not start"; }
}

# stop_nginx: as a crash or a pulled cable looks to a client: the master and
# its workers killed at once, connections reset.
stop_nginx() {
    local workers
    kill -STOP "$NGINX_PID" 2>/dev/null  # a running master would start new workers
    workers=$(pgrep -P "$NGINX_PID")
    # shellcheck disable=SC2086
    [ -n "$workers" ] && kill -KILL $workers 2>/dev/null
    kill -KILL "$NGINX_PID" 2>/dev/null
    wait "$NGINX_PID" 2>/dev/null
    rm -f "$NGINX_DIR/nginx.pid"
}

# start_sshd DIR: OpenSSH's sshd with SFTP on a free port, logins as root with
# a key made here only. Sets SSHD_URL (ssh://root@127.0.0.1:PORT, to which a
# path is added), SSHD_HOST_KEY (its SHA256 fingerprint), SSHD_CREDS (a
# credentials file naming the client key), SSHD_PID.
start_sshd() {
    local dir=$1
    need_tools /usr/sbin/sshd ssh-keygen
    mkdir -p "$dir" /run/sshd
    SSHD_DIR=$dir SSHD_PORT=$(free_port)
    ssh-keygen -q -t ed25519 -N '' -C host -f "$dir/host_key" || die "ssh-keygen"
    ssh-keygen -q -t ed25519 -N '' -C client -f "$dir/client_key" || die "ssh-keygen"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    SSHD_HOST_KEY=$(ssh-keygen -lf "$dir/host_key.pub" | awk '{print $2}')
    printf 'key = %s\n' "$dir/client_key" >"$dir/creds"
    SSHD_CREDS=$dir/creds
    cat >"$dir/sshd_config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
    restart_sshd
    SSHD_URL=ssh://root@127.0.0.1:$SSHD_PORT
}

restart_sshd() {
    /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" 2>>"$SSHD_DIR/sshd.log" &
    SSHD_PID=$!
    LB_SERVERS+=("$SSHD_PID")
    wait_port "$SSHD_PORT" || { cat "$SSHD_DIR/sshd.log"; die "sshd did not start"; }
}

# stop_sshd: the server and every session it started killed at once.
stop_sshd() {
    local sessions
    sessions=$(pgrep -P "$SSHD_PID")
    kill -KILL "$SSHD_PID" 2>/dev/null
    # shellcheck disable=SC2086
    [ -n "$sessions" ] && kill -KILL $sessions 2>/dev/null
    wait "$SSHD_PID" 2>/dev/null
}

start_nfs() {
    local dir=$1 i
    need_tools /usr/bin/ganesha.nfsd /usr/sbin/rpcbind rpcinfo ip
    [ -n "${LB_OWN_NETWORK:-}" ] || die "start_nfs: run own_network first"
    mount -t tmpfs tmpfs /run && ip link set lo up || die "namespaces for the NFS server"
    # One NFS test server on the machine at a time, as tests/unit/nfs_server.hpp
    # (two ganeshas at once failed to register or take writes); held until exit.
    exec {NFS_LOCK}>/tmp/lifeboat-nfs-server.lock && flock "$NFS_LOCK" || die "the NFS test servers' lock"
    NFS_DIR=$dir
    mkdir -p "$dir/export" "$dir/recovery"
    /usr/sbin/rpcbind -f >>"$dir/rpcbind.log" 2>&1 &
    LB_SERVERS+=("$!")
    wait_port 111 || die "rpcbind did not start"
    nfs_protocols "3, 4"
    NFS_URL=nfs://127.0.0.1$dir/export
}

# nfs_protocols "3, 4" | 4: (re)starts ganesha serving these NFS versions. Its
# NFSv4 tree shows the export at its own path, as Linux's nfsd does.
nfs_protocols() {
    [ -z "${NFS_PID:-}" ] || stop_nfs
    cat >"$NFS_DIR/ganesha.conf" <<CONF
NFS_CORE_PARAM { NFS_Port = 2049; Protocols = $1; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; RecoveryRoot = $NFS_DIR/recovery; }
EXPORT {
    Export_Id = 1; Path = $NFS_DIR/export; Pseudo = $NFS_DIR/export; Access_Type = RW; Squash = No_Root_Squash;
    Protocols = $1; Transports = TCP; SecType = sys; FSAL { Name = VFS; }
}
CONF
    restart_nfs
}

# restart_nfs: ganesha (again); ready once the portmapper knows its MOUNT
# service (NFSv3), or its NFSv4 service when it serves only that.
restart_nfs() {
    local i ready="mountd 3"
    grep -q "Protocols = 4;" "$NFS_DIR/ganesha.conf" && ready="nfs 4"
    /usr/bin/ganesha.nfsd -F -L "$NFS_DIR/ganesha.log" -f "$NFS_DIR/ganesha.conf" -p "$NFS_DIR/ganesha.pid" \
        >>"$NFS_DIR/ganesha.out" 2>&1 &
    NFS_PID=$!
    LB_SERVERS+=("$NFS_PID")
    for i in $(seq 600); do  # on a loaded machine it has taken more than 10 s
        kill -0 "$NFS_PID" 2>/dev/null || break
        rpcinfo -T tcp 127.0.0.1 $ready >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    tail -20 "$NFS_DIR/ganesha.log"
    die "nfs-ganesha did not start"
}

stop_nfs() {
    kill -KILL "$NFS_PID" 2>/dev/null
    wait "$NFS_PID" 2>/dev/null
}

start_smb() {
    local dir=$1 user=$2 password=$3
    need_tools smbd smbpasswd
    [ -n "${LB_OWN_NETWORK:-}" ] || die "start_smb: run own_network first"
    ip link set lo up || die "loopback up"
    mkdir -p "$dir/share" "$dir/private" "$dir/lock" "$dir/state" "$dir/cache" "$dir/ncalrpc"
    cat >"$dir/smb.conf" <<CONF
[global]
    server role = standalone server
    smb ports = 445
    private dir = $dir/private
    lock directory = $dir/lock
    state directory = $dir/state
    cache directory = $dir/cache
    pid directory = $dir
    ncalrpc dir = $dir/ncalrpc
    passdb backend = tdbsam:$dir/private/passdb.tdb
    log file = $dir/smbd.log
    load printers = no
    printcap name = /dev/null
    disable spoolss = yes
    map to guest = never
    server min protocol = SMB2_10
[images]
    path = $dir/share
    read only = no
CONF
    printf '%s\n%s\n' "$password" "$password" | smbpasswd -c "$dir/smb.conf" -s -a "$user" >/dev/null || die "smbpasswd"
    printf 'user = %s\npassword = %s\n' "$user" "$password" >"$dir/creds"
    SMB_CREDS=$dir/creds
    # In a process group of its own: smbd signals its whole group when it stops.
    smbd --foreground --configfile="$dir/smb.conf" >>"$dir/smbd.out" 2>&1 &
    SMB_PID=$!
    LB_SERVERS+=("$SMB_PID")
    wait_port 445 || { tail -20 "$dir/smbd.out" "$dir/smbd.log"; die "smbd did not start"; }
}

# stop_smb: smbd and the processes it serves connections from killed, as a crash would.
stop_smb() {
    pkill -KILL -P "$SMB_PID"
    kill -KILL "$SMB_PID" 2>/dev/null
    wait "$SMB_PID" 2>/dev/null
}

# start_s3 DIR: OpenStack Swift (proxy, account, container and object servers,
# one replica; lib/swift.sh) with its s3api middleware, which checks AWS
# Signature V4, on 127.0.0.1 (the proxy on a free port); tempauth's user test:tester with the secret
# "testing". Sets S3_ENDPOINT (http://127.0.0.1:PORT), S3_CREDS (a credentials
# file with the key, the secret and the endpoint), S3_PROXY_PID, and S3CMD
# (s3cmd with that endpoint and key: `$S3CMD mb s3://bucket`). Swift reads
# /etc/swift/swift.conf: the test's own folder is bound there, which needs
# the test in a mount namespace of its own (own_network).
start_s3() {
    local dir=$1 name
    need_tools swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder s3cmd
    [ -n "${LB_OWN_NETWORK:-}" ] || die "start_s3: run own_network first"
    [ -d /etc/swift ] || die "start_s3: no /etc/swift (the swift packages: run tools/install-deps)"
    ip link set lo up || die "loopback up"
    S3_DIR=$dir S3_PORT=$(free_port)
    swift_config "$dir" 127.0.0.1 "$S3_PORT" || die "the Swift configuration"
    mount --bind "$dir/etc" /etc/swift || die "bind the test's Swift configuration on /etc/swift"
    for name in account container object; do
        "swift-$name-server" "$dir/etc/$name-server.conf" >>"$dir/$name.log" 2>&1 &
        LB_SERVERS+=("$!")
    done
    S3_ENDPOINT=http://127.0.0.1:$S3_PORT
    restart_s3_proxy
    printf 'user = test:tester\npassword = testing\nendpoint = %s\n' "$S3_ENDPOINT" >"$dir/creds"
    S3_CREDS=$dir/creds
    S3CMD="s3cmd --config=/dev/null --access_key=test:tester --secret_key=testing --host=127.0.0.1:$S3_PORT
        --host-bucket=127.0.0.1:$S3_PORT --no-ssl --region=us-east-1"
}

# restart_s3_proxy: Swift's proxy (again), ready once its healthcheck answers
# (python servers take seconds to start).
restart_s3_proxy() {
    local i
    swift-proxy-server "$S3_DIR/etc/proxy-server.conf" >>"$S3_DIR/proxy.log" 2>&1 &
    S3_PROXY_PID=$!
    LB_SERVERS+=("$S3_PROXY_PID")
    for i in $(seq 600); do
        [ "$(curl -s "$S3_ENDPOINT/healthcheck" 2>/dev/null)" = OK ] && return 0
        kill -0 "$S3_PROXY_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -20 "$S3_DIR"/*.log
    die "swift's proxy did not start"
}
