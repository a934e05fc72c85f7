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
#include <ares.h>
#include <netdb.h>
#include <pwd.h>
#include <sys/select.h>

#include <cerrno>
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

}  // namespace

extern "C" {

// getaddrinfo() by c-ares, waited for here; the result is one malloc() per
// address, which __wrap_freeaddrinfo frees.
int __wrap_getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
    if (result == nullptr) return EAI_FAIL;
    *result = nullptr;
    static std::once_flag once;
    std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_channel channel = nullptr;
    if (ares_init(&channel) != ARES_SUCCESS) return EAI_FAIL;
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
        auto* a = static_cast<addrinfo*>(std::calloc(1, sizeof(addrinfo) + n->ai_addrlen));
        if (a == nullptr) break;
        a->ai_family = n->ai_family;
        a->ai_socktype = n->ai_socktype;
        a->ai_protocol = n->ai_protocol;
        a->ai_addrlen = n->ai_addrlen;
        a->ai_addr = reinterpret_cast<sockaddr*>(a + 1);
        std::memcpy(a->ai_addr, n->ai_addr, n->ai_addrlen);
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
