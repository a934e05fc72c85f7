#include "store/resolve.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

namespace imager::store {

Error unknown_host(const std::string& host) {
    return make_error(Errc::not_found, "the server " + host + " is not known (its name does not resolve)",
                      "check the server's name, and that the network is up (`ip addr`); an address works too");
}

Result<std::string> numeric_address(const std::string& host) {
    std::string name = host;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0 || found == nullptr)
        return std::unexpected(unknown_host(host));
    char text[INET6_ADDRSTRLEN] = "";
    const void* address = found->ai_family == AF_INET6
                              ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(found->ai_addr)->sin6_addr)
                              : static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr);
    const bool written = ::inet_ntop(found->ai_family, address, text, sizeof text) != nullptr;
    ::freeaddrinfo(found);
    if (!written) return std::unexpected(make_error(Errc::internal, "the address of " + host + " cannot be written"));
    return std::string(text);
}

}  // namespace imager::store
