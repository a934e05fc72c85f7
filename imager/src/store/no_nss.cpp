// The static binary resolves names with c-ares, which reads /etc/hosts and
// /etc/resolv.conf itself: libcurl through its own c-ares resolver, and every
// getaddrinfo() (libnfs's, the NFS store's) through the one below. glibc's own
// lookups (getaddrinfo, getnameinfo, gethostbyname, getservbyname, getpwnam...)
// go through NSS, which in a static binary dlopen()s libnss_* modules of the
// system it runs on: on a host whose glibc differs from the one linked in,
// that can crash. The static build links those lookups to these stand-ins
// (-Wl,--wrap, imager/CMakeLists.txt); the ones Lifeboat never needs
// (OpenSSL's BIO_lookup, c-ares' service names, libnfs's NFSv4 owner names)
// fail as "not known", and no NSS code is linked in (tests/integration/static_binary.sh).
#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/select.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

struct Lookup {
    bool done = false;
    int status = ARES_EOF;
    ares_addrinfo* found = nullptr;
};

void finished(void* arg, int status, int /*timeouts*/, ares_addrinfo* found) {
    auto& lookup = *static_cast<Lookup*>(arg);
    lookup.done = true;
    lookup.status = status;
    lookup.found = found;
}

int ares_flags(int flags) {
    int out = 0;
    if ((flags & AI_NUMERICHOST) != 0) out |= ARES_AI_NUMERICHOST;
    if ((flags & AI_NUMERICSERV) != 0) out |= ARES_AI_NUMERICSERV;
    if ((flags & AI_PASSIVE) != 0) out |= ARES_AI_PASSIVE;
    if ((flags & AI_CANONNAME) != 0) out |= ARES_AI_CANONNAME;
    return out;
}

// One addrinfo in one malloc(), the address right after it.
addrinfo* one_address(int family, int socktype, int protocol, const sockaddr* address, socklen_t length) {
    auto* a = static_cast<addrinfo*>(std::calloc(1, sizeof(addrinfo) + length));
    if (a == nullptr) return nullptr;
    a->ai_family = family;
    a->ai_socktype = socktype;
    a->ai_protocol = protocol;
    a->ai_addrlen = length;
    a->ai_addr = reinterpret_cast<sockaddr*>(a + 1);
    std::memcpy(a->ai_addr, address, length);
    return a;
}

// An address written as one ("10.0.2.2", "::1") is not looked up: c-ares 1.18
// sends such a name to the DNS server when it has one.
addrinfo* numeric(const char* node, const char* service, const addrinfo* hints) {
    if (node == nullptr) return nullptr;
    const int family = hints != nullptr ? hints->ai_family : AF_UNSPEC;
    const int socktype = hints != nullptr ? hints->ai_socktype : 0;
    const int protocol = hints != nullptr ? hints->ai_protocol : 0;
    char* end = nullptr;
    const long port = service != nullptr ? std::strtol(service, &end, 10) : 0;
    if (service != nullptr && (*end != '\0' || port < 0 || port > 65535)) return nullptr;
    sockaddr_in v4{};
    if ((family == AF_UNSPEC || family == AF_INET) && ::inet_pton(AF_INET, node, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<std::uint16_t>(port));
        return one_address(AF_INET, socktype, protocol, reinterpret_cast<sockaddr*>(&v4), sizeof v4);
    }
    sockaddr_in6 v6{};
    if ((family == AF_UNSPEC || family == AF_INET6) && ::inet_pton(AF_INET6, node, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<std::uint16_t>(port));
        return one_address(AF_INET6, socktype, protocol, reinterpret_cast<sockaddr*>(&v6), sizeof v6);
    }
    return nullptr;
}

}  // namespace

extern "C" {

// getaddrinfo(): an address as written, or a name looked up by c-ares and
// waited for here; one malloc() per address, which __wrap_freeaddrinfo frees.
int __wrap_getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
    if (result == nullptr) return EAI_FAIL;
    *result = numeric(node, service, hints);
    if (*result != nullptr) return 0;
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    // A DNS server that does not answer costs at most 2 + 4 + 8 s, not c-ares' 75.
    ares_options options{};
    options.timeout = 2000;
    options.tries = 3;
    ares_channel channel = nullptr;
    if (ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) return EAI_FAIL;
    ares_addrinfo_hints h{};
    if (hints != nullptr) {
        h.ai_flags = ares_flags(hints->ai_flags);
        h.ai_family = hints->ai_family;
        h.ai_socktype = hints->ai_socktype;
        h.ai_protocol = hints->ai_protocol;
    }
    Lookup lookup;
    ares_getaddrinfo(channel, node, service, &h, finished, &lookup);
    while (!lookup.done) {  // c-ares bounds it: its own timeouts and tries
        fd_set readable, writable;
        FD_ZERO(&readable);
        FD_ZERO(&writable);
        const int fds = ares_fds(channel, &readable, &writable);
        if (fds == 0) break;
        timeval wait{};
        timeval* until = ares_timeout(channel, nullptr, &wait);
        (void)::select(fds, &readable, &writable, nullptr, until);
        ares_process(channel, &readable, &writable);
    }
    ares_destroy(channel);  // a lookup still pending ends here, as failed
    if (lookup.status != ARES_SUCCESS || lookup.found == nullptr) {
        if (lookup.found != nullptr) ares_freeaddrinfo(lookup.found);
        return lookup.status == ARES_ENOTFOUND || lookup.status == ARES_ENODATA ? EAI_NONAME : EAI_AGAIN;
    }
    addrinfo** tail = result;
    for (const ares_addrinfo_node* n = lookup.found->nodes; n != nullptr; n = n->ai_next) {
        addrinfo* a = one_address(n->ai_family, n->ai_socktype, n->ai_protocol, n->ai_addr, n->ai_addrlen);
        if (a == nullptr) break;
        *tail = a;
        tail = &a->ai_next;
    }
    ares_freeaddrinfo(lookup.found);
    return *result != nullptr ? 0 : EAI_NONAME;
}

void __wrap_freeaddrinfo(addrinfo* a) {
    while (a != nullptr) {
        addrinfo* next = a->ai_next;
        std::free(a);
        a = next;
    }
}

int __wrap_getnameinfo(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int) { return EAI_NONAME; }

hostent* __wrap_gethostbyname(const char*) {
    h_errno = HOST_NOT_FOUND;
    return nullptr;
}

servent* __wrap_getservbyname(const char*, const char*) { return nullptr; }

servent* __wrap_getservbyport(int, const char*) { return nullptr; }

int __wrap_getservbyport_r(int, const char*, servent*, char*, size_t, servent** result) {
    if (result != nullptr) *result = nullptr;
    return ENOENT;
}

passwd* __wrap_getpwnam(const char*) { return nullptr; }

}  // extern "C"
