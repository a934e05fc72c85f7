// FuzzToolchain.cmake raises __cpp_concepts so that clang 16-18 compile
// libstdc++'s <expected> (the whole core returns std::expected). This
// checks, at compile time and when "fuzz: toolchain" runs, that std::expected
// and the std::optional and std::variant it sits beside then behave as the
// standard and GCC's build of the same headers say: triviality follows the
// types held (P0848, what <expected> relies on), values and errors move,
// copy and compare, and nothing leaks or double-frees (ASan watches).
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

static_assert(__cpp_lib_expected >= 202202L);
static_assert(std::is_trivially_copy_constructible_v<std::expected<int, int>>);
static_assert(std::is_trivially_destructible_v<std::expected<int, int>>);
static_assert(std::is_trivially_destructible_v<std::expected<void, int>>);
static_assert(!std::is_trivially_destructible_v<std::expected<std::string, int>>);
static_assert(!std::is_trivially_copy_constructible_v<std::expected<int, std::string>>);
static_assert(!std::is_copy_constructible_v<std::expected<std::unique_ptr<int>, int>>);
static_assert(std::is_nothrow_move_constructible_v<std::expected<std::unique_ptr<int>, int>>);
static_assert(std::is_trivially_copy_constructible_v<std::optional<int>>);
static_assert(!std::is_trivially_destructible_v<std::optional<std::string>>);
static_assert(std::is_trivially_destructible_v<std::variant<int, double>>);
static_assert(!std::is_trivially_destructible_v<std::variant<int, std::string>>);

namespace {

struct Error {
    int code = 0;
    std::string context;
};
template <class T>
using Result = std::expected<T, Error>;

Result<std::vector<std::string>> make(int n) {
    if (n < 0) return std::unexpected(Error{n, std::string(100, 'e')});
    return std::vector<std::string>(static_cast<std::size_t>(n), std::string(50, 'v'));
}

std::expected<void, Error> check(int n) {
    if (n % 3 == 0) return std::unexpected(Error{3, "three"});
    return {};
}

bool run() {
    for (int n = -5; n < 20; ++n) {
        auto r = make(n);
        auto copy = r;
        auto moved = std::move(copy);
        copy = moved;                      // assign into a moved-from value
        copy = make(-n - 1);               // value <-> error
        copy = make(n + 1);                // and back
        if (r.has_value() != (n >= 0) || moved.has_value() != r.has_value()) return false;
        if (r && (r->size() != static_cast<std::size_t>(n) || *r != *moved)) return false;
        if (!r && (r.error().code != n || r.error().context.size() != 100 || moved.error().context != r.error().context))
            return false;
        if (copy.has_value() != (n + 1 >= 0) || (copy && copy->size() != static_cast<std::size_t>(n + 1)))
            return false;
        auto s = check(n);
        if (s.has_value() == (n % 3 == 0)) return false;
        std::expected<std::unique_ptr<int>, Error> p = std::make_unique<int>(n);
        auto q = std::move(p);
        if (!q || **q != n) return false;
        std::optional<std::string> o = std::string(40, 'o');
        std::variant<int, std::string> v = std::string(40, 'x');
        v = n;
        if (!o || std::get<int>(v) != n) return false;
    }
    return true;
}

}  // namespace

int main() { return run() ? 0 : 1; }
