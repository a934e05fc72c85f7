#include "imager/text.hpp"

#include <cstdint>
#include <optional>

namespace imager {

namespace {

void escape_byte(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xf];
}

// The length of the UTF-8 sequence `lead` begins, 0 when it begins none.
std::size_t sequence_length(unsigned char lead) {
    if (lead >= 0xc2 && lead <= 0xdf) return 2;
    if (lead >= 0xe0 && lead <= 0xef) return 3;
    if (lead >= 0xf0 && lead <= 0xf4) return 4;
    return 0;
}

// The code point of the well-formed sequence at `s` of `n` bytes, or none
// (overlong forms, surrogates, past U+10FFFF, bad continuation bytes).
std::optional<std::uint32_t> decode(std::string_view s, std::size_t n) {
    std::uint32_t cp = static_cast<unsigned char>(s[0]) & (0x7f >> n);
    for (std::size_t i = 1; i < n; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    return cp;
}

}  // namespace

std::string printable(std::string_view text, bool keep_line_breaks) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            const bool line_break = c == '\n' || c == '\r' || c == '\t';
            if ((c < 0x20 && !(keep_line_breaks && line_break)) || c == 0x7f) escape_byte(out, c);
            else out += static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t n = sequence_length(c);
        const auto cp = n > 0 && i + n <= text.size() ? decode(text.substr(i), n) : std::nullopt;
        if (!cp || *cp <= 0x9f) {  // not UTF-8, or a C1 control
            for (std::size_t k = 0; k < (cp ? n : 1); ++k) escape_byte(out, static_cast<unsigned char>(text[i + k]));
            i += cp ? n : 1;
            continue;
        }
        out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

std::size_t complete_prefix(std::string_view text) {
    // An unfinished sequence is at most 3 bytes: a lead byte and its continuations so far.
    for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
        const auto c = static_cast<unsigned char>(text[text.size() - back]);
        if ((c & 0xc0) == 0x80) continue;  // a continuation byte: look further back
        const std::size_t n = sequence_length(c);
        return n > back ? text.size() - back : text.size();
    }
    return text.size();
}

}  // namespace imager
