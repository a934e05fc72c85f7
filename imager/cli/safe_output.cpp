#include "safe_output.hpp"

#include "imager/text.hpp"

#include <iostream>
#include <streambuf>
#include <string>

namespace cli {

namespace {

// A streambuf in front of another: what is written is escaped, except an
// unfinished UTF-8 sequence at the end, held back until its rest comes (or
// the stream is synced, when it is escaped as it is).
class EscapingBuffer final : public std::streambuf {
public:
    explicit EscapingBuffer(std::streambuf* target) : target_(target) {}

protected:
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        pending_ += traits_type::to_char_type(c);
        // A line at a time keeps the progress bar's partial lines and prompts whole.
        if (pending_.size() >= 4096 || c == '\n') write_complete();
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        pending_.append(s, static_cast<std::size_t>(n));
        write_complete();
        return n;
    }
    int sync() override {
        write(imager::printable(pending_, true));
        pending_.clear();
        return target_->pubsync();
    }

private:
    void write_complete() {
        const std::size_t n = imager::complete_prefix(pending_);
        write(imager::printable(std::string_view(pending_).substr(0, n), true));
        pending_.erase(0, n);
    }
    void write(const std::string& text) { target_->sputn(text.data(), static_cast<std::streamsize>(text.size())); }

    std::streambuf* target_;
    std::string pending_;
};

}  // namespace

struct SafeOutput::Stream {
    Stream(std::ostream& s) : stream(s), original(s.rdbuf()), escaping(original) { stream.rdbuf(&escaping); }
    ~Stream() {
        stream.flush();
        stream.rdbuf(original);
    }
    std::ostream& stream;
    std::streambuf* original;
    EscapingBuffer escaping;
};

SafeOutput::SafeOutput() : out_(std::make_unique<Stream>(std::cout)), err_(std::make_unique<Stream>(std::cerr)) {}

SafeOutput::~SafeOutput() = default;

}  // namespace cli
