// The static binary resolves names with c-ares (libcurl's resolver), which
// reads /etc/hosts and /etc/resolv.conf itself. glibc's own lookups
// (getaddrinfo, getnameinfo, gethostbyname, getservbyname...) go through NSS, which in a
// static binary dlopen()s libnss_* modules of the system it runs on: on a
// host whose glibc differs from the one linked in, that can crash. OpenSSL's
// and c-ares' archives reference those lookups in code Lifeboat never runs
// (OpenSSL's BIO_lookup, c-ares' service names), so the static build links
// them to these stand-ins (-Wl,--wrap, imager/CMakeLists.txt), which fail as
// "name not known", and no NSS code is linked in (tests/integration/static_binary.sh).
#include <netdb.h>

#include <cerrno>

extern "C" {

int __wrap_getaddrinfo(const char*, const char*, const addrinfo*, addrinfo** result) {
    if (result != nullptr) *result = nullptr;
    return EAI_NONAME;
}

void __wrap_freeaddrinfo(addrinfo*) {}  // nothing above ever gives one

int __wrap_getnameinfo(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int) { return EAI_NONAME; }

hostent* __wrap_gethostbyname(const char*) {
    h_errno = HOST_NOT_FOUND;
    return nullptr;
}

servent* __wrap_getservbyname(const char*, const char*) { return nullptr; }

int __wrap_getservbyport_r(int, const char*, servent*, char*, size_t, servent** result) {
    if (result != nullptr) *result = nullptr;
    return ENOENT;
}

}  // extern "C"
