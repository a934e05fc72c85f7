# A deployment network for the multicast tests and benchmarks: the server's
# side is a bridge in a network namespace of the test's own.
#   multicast_bridge NS ADDRESS/BITS   # makes NS with br0 holding ADDRESS
# udpcast's receivers find the sender by the broadcast address, so the address
# has one (brd +); multicast leaves by br0 (a route for 224.0.0.0/4); and the
# bridge floods multicast to every port (no IGMP snooping: no querier here).
multicast_bridge() {
    ip netns add "$1" || return 1
    ip -n "$1" link set lo up &&
        ip -n "$1" link add br0 type bridge mcast_snooping 0 &&
        ip -n "$1" addr add "$2" brd + dev br0 &&
        ip -n "$1" link set br0 up &&
        ip -n "$1" route add 224.0.0.0/4 dev br0
}
