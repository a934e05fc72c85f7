# shellcheck shell=bash
# tmux helpers of the wizard's end-to-end tests (sourced after common.sh and
# lb_init): the real binary in a private tmux server, 80x24 by default, its
# shell in a private mount namespace where every terminfo database is hidden
# by an empty tmpfs, as on the initramfs, so the binary's built-in entries
# must do the drawing.
#
#   tmux_init                        # after lb_init; the EXIT trap also kills the servers
#   tmux_start NAME [COLS ROWS]      # a new private server running that shell; waits for "lbt$"
#   tmux_also NAME [COLS ROWS] / tmux_use NAME   # a second server beside it / switch between them
#   tmux_hidden TERM                 # stops the test if the system's terminfo is still visible
#   tmux_pane / tmux_row N           # the pane's text / its row N (from 1)
#   tmux_send KEYS... / tmux_type TEXT   (send-keys; TEXT literally, then Enter)
#   tmux_wait REGEX WHAT [SECONDS]   # a line matches, else the test stops showing the pane
#   tmux_try REGEX [SECONDS]         # the same, but only returns 1 on timeout
#   tmux_gone REGEX WHAT [SECONDS]   # no line matches any more
#   tmux_sane RUN CODE               # after "...; echo exit-RUN=$?": that exit code,
#                                    # icanon and echo on, a prompt, no terminfo copy left
#   tmux_wizard_pid                  # the lifeboat process under the pane's shell
#   tmux_cleanup
# Waits default to TMUX_WAIT_SECONDS (20).

TMUX_WAIT_SECONDS=${TMUX_WAIT_SECONDS:-20}
TMUX_DIR=''
TMUX_SOCK=''
TMUX_SOCKS=()

tmux_init() {
    need_tools tmux unshare
    unshare -m true 2>/dev/null || skip "cannot create a mount namespace here"
    TMUX_DIR=$WORK/tmux
    mkdir -p "$TMUX_DIR/home" "$TMUX_DIR/tmp"
    # TERMINFO, TERMINFO_DIRS and ~/.terminfo could otherwise still provide entries.
    cat >"$TMUX_DIR/rc" <<RC
PS1='lbt\$ '
unset TERMINFO TERMINFO_DIRS
export HOME=$TMUX_DIR/home TMPDIR=$TMUX_DIR/tmp
for d in /usr/share/terminfo /lib/terminfo /etc/terminfo; do
    [ -d "\$d" ] && mount -t tmpfs -o size=64k,mode=0755 lifeboat-empty "\$d"
done
RC
    # The servers go first: their wizard may hold loop devices and mounts.
    trap 'tmux_cleanup; tmux_speed_up; lb_cleanup' EXIT
}

# One server per name (reusing a socket races with the old server's exit),
# sockets in TMUX_DIR: nobody else's sessions are touched.
tmux_start() {
    [ -n "$TMUX_SOCK" ] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
    tmux_also "$@"
}

# tmux_also NAME [COLS ROWS]: another server beside the current one (two
# consoles at once); tmux_use NAME makes one of them the current one.
tmux_also() {
    local cols=${2:-80} rows=${3:-24}
    TMUX_SOCK="$TMUX_DIR/tmux-$1"
    TMUX_SOCKS+=("$TMUX_SOCK")
    tmux -S "$TMUX_SOCK" new-session -d -s lbt -x "$cols" -y "$rows" \
        "unshare -m bash --noprofile --rcfile $TMUX_DIR/rc -i" || die "tmux new-session"
    tmux_wait '^lbt\$' "the shell prompt"
}

tmux_use() { TMUX_SOCK="$TMUX_DIR/tmux-$1"; }

tmux_cleanup() {
    local s pid
    for s in "${TMUX_SOCKS[@]}"; do
        # The wizard first, by its pid: it unmounts what it mounted on its way out.
        pid=$(tmux -S "$s" display-message -p -t lbt '#{pane_pid}' 2>/dev/null)
        [ -n "$pid" ] && pid=$(pgrep -P "$pid" -x lifeboat)
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && sleep 1
        tmux -S "$s" kill-server 2>/dev/null
    done
    TMUX_SOCKS=()
    TMUX_SOCK=''
}

tmux_pane() { tmux -S "$TMUX_SOCK" capture-pane -p -t lbt 2>/dev/null; }
tmux_row() { tmux_pane | sed -n "${1}p"; }
tmux_send() { tmux -S "$TMUX_SOCK" send-keys -t lbt "$@"; }
tmux_type() { tmux_send -l "$1" && tmux_send Enter; }

tmux_try() {
    local i tries=$((${2:-$TMUX_WAIT_SECONDS} * 5))
    for ((i = 0; i < tries; i++)); do
        tmux_pane | grep -qE -- "$1" && return 0
        sleep 0.2
    done
    return 1
}

tmux_show() { tmux_pane | sed 's/^/     | /'; }

tmux_wait() {
    tmux_try "$1" "${3:-$TMUX_WAIT_SECONDS}" && return 0
    tmux_show
    die "timed out waiting for /$1/ ($2)"
}

tmux_gone() {
    local i tries=$((${3:-$TMUX_WAIT_SECONDS} * 5))
    for ((i = 0; i < tries; i++)); do
        tmux_pane | grep -qE -- "$1" || return 0
        sleep 0.2
    done
    tmux_show
    die "timed out waiting for /$1/ to go ($2)"
}

tmux_hidden() {
    tmux_type "tput -T $1 cols >/dev/null 2>&1; echo hidden=\$?"
    tmux_wait '^hidden=[0-9]+$' "the terminfo database check"
    tmux_pane | grep -qx 'hidden=0' && die "the system's terminfo is still visible: the test would prove nothing"
    return 0
}

tmux_sane() {
    local run=$1 code=$2
    tmux_wait "^exit-$run=$code\$" "exit code $code of run $run" 60
    tmux_type "stty -a | tr -s ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | paste -sd, - | sed 's/^/stty-$run=/'"
    tmux_wait "^stty-$run=" "stty output"
    tmux_pane | grep -qx "stty-$run=icanon,echo" || { tmux_show; die "the terminal is not sane after run $run"; }
    local i
    for ((i = 0; i < 25; i++)); do  # the prompt follows the output a moment later
        [ "$(tmux_pane | sed '/^$/d' | tail -n 1)" = 'lbt$' ] && break
        sleep 0.2
    done
    [ "$(tmux_pane | sed '/^$/d' | tail -n 1)" = 'lbt$' ] || { tmux_show; die "no shell prompt after run $run"; }
    [ -z "$(ls -A "$TMUX_DIR/tmp")" ] || die "the private terminfo directory was left behind"
}

tmux_wizard_pid() {
    local shell
    shell=$(tmux -S "$TMUX_SOCK" display-message -p -t lbt '#{pane_pid}')
    pgrep -P "$shell" -x lifeboat
}

# tmux_choose_row REGEX: moves the cursor from the list's top down until the
# line under it matches "> REGEX" (the wizard lists every disk and image of
# the machine, so a test finds its own by name).
tmux_choose_row() {
    local i
    tmux_send Home
    sleep 0.15
    for ((i = 0; i < 80; i++)); do
        tmux_pane | grep -qE -- "^> $1" && return 0
        tmux_send Down
        sleep 0.15
    done
    tmux_show
    die "no row /$1/ could be reached"
}

# A cancel must land while the wizard's restore or capture still runs, whatever
# the machine's speed: tmux_slow_down gives the pane's shell (and so the wizard
# it starts next) 5% of one CPU through a cpu cgroup quota (v1 cpu.cfs_quota_us
# or v2 cpu.max), which stretches the work to seconds while keys are still
# answered. Fails when there is no cpu cgroup. tmux_speed_up moves everything
# back and removes the group (also on exit).
TMUX_SLOW_GROUP=''
tmux_slow_down() {
    local v1=/sys/fs/cgroup/cpu v2=/sys/fs/cgroup name=lifeboat-test-$$
    if [ -f "$v1/cpu.cfs_quota_us" ] && mkdir "$v1/$name" 2>/dev/null; then
        TMUX_SLOW_GROUP=$v1/$name
        echo 100000 >"$TMUX_SLOW_GROUP/cpu.cfs_period_us" && echo 5000 >"$TMUX_SLOW_GROUP/cpu.cfs_quota_us"
    elif grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null && mkdir "$v2/$name" 2>/dev/null; then
        TMUX_SLOW_GROUP=$v2/$name
        echo "5000 100000" >"$TMUX_SLOW_GROUP/cpu.max"
    else
        return 1
    fi
    tmux -S "$TMUX_SOCK" display-message -p -t lbt '#{pane_pid}' >"$TMUX_SLOW_GROUP/cgroup.procs"
}
tmux_speed_up() {
    [ -n "$TMUX_SLOW_GROUP" ] || return 0
    local pid
    while read -r pid; do echo "$pid" >"$(dirname "$TMUX_SLOW_GROUP")/cgroup.procs"; done <"$TMUX_SLOW_GROUP/cgroup.procs"
    rmdir "$TMUX_SLOW_GROUP" 2>/dev/null && TMUX_SLOW_GROUP=''
}
