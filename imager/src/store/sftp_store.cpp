#include "store/sftp_store.hpp"

#include "store/listings.hpp"
#include "store/read_ahead.hpp"
#include "store/streaming_writer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <sstream>
#include <thread>

namespace imager::store {

namespace {

using net::Session;

// A path in an SFTP quote command: in double quotes, with '"' and '\' escaped.
std::string quoted(const std::string& path) {
    std::string q = "\"";
    for (char c : path) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

struct Outcome {
    int code = CURLE_OK;
    std::string detail;
};

// One SFTP transfer on a pooled handle, set up by `setup` (and read by `after`);
// a transient failure
// (a broken or refused connection) is tried again after 1, 2 and 4 s.
Result<void> sftp_transfer(const Session& session, const std::string& what, const std::function<void(CURL*)>& setup,
                 const std::function<void(CURL*)>& after = {}) {
    for (int attempt = 1;; ++attempt) {
        CURL* h = session.take();
        if (h == nullptr) return std::unexpected(make_error(Errc::internal, "libcurl could not start a transfer"));
        char detail[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
        setup(h);
        const CURLcode code = curl_easy_perform(h);
        if (after) after(h);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(h, CURLOPT_QUOTE, nullptr);
        curl_easy_setopt(h, CURLOPT_POSTQUOTE, nullptr);
        if (code == CURLE_OK) {
            session.give(h);
            return {};
        }
        curl_easy_cleanup(h);
        if (attempt >= net::kAttempts || !Session::transient_transfer(code))
            return std::unexpected(session.transfer_error(code, detail, what));
        std::this_thread::sleep_for(std::chrono::seconds(1 << (attempt - 1)));
    }
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

struct Stat {
    std::uint64_t size = 0;
    std::int64_t modified = -1;
};

// The size and modification time of a file; not_found when it is not there.
Result<Stat> stat_file(const Session& session, const std::string& name, const std::string& what) {
    const std::string url = session.request_url(name);
    Stat st;
    auto done = sftp_transfer(
        session, what,
        [&](CURL* h) {
            curl_easy_setopt(h, CURLOPT_URL, url.c_str());
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
            curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
        },
        [&](CURL* h) {
            curl_off_t size = -1, modified = -1;
            curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
            curl_easy_getinfo(h, CURLINFO_FILETIME_T, &modified);
            st.size = size < 0 ? 0 : static_cast<std::uint64_t>(size);
            st.modified = modified;
        });
    if (!done) return std::unexpected(done.error());
    return st;
}

// Runs SFTP commands (rm, rename) against the server, as libcurl's quote list.
Status commands(const Session& session, const std::string& folder, const std::vector<std::string>& lines,
                const std::string& what) {
    const std::string url = session.request_url(folder == "/" ? "/" : folder + "/");
    curl_slist* list = nullptr;
    for (const auto& l : lines) list = curl_slist_append(list, l.c_str());
    auto done = sftp_transfer(session, what, [&](CURL* h) {
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(h, CURLOPT_QUOTE, list);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    });
    curl_slist_free_all(list);
    return done;
}

class SftpWriter final : public StreamingWriter {
public:
    SftpWriter(std::shared_ptr<Session> session, std::string name)
        : StreamingWriter("write " + session->describe(name + kPartialSuffix)),
          session_(std::move(session)), name_(std::move(name)), partial_(name_ + kPartialSuffix) {
        start();
    }
    ~SftpWriter() override { stop(); }

private:
    Status transfer() override {
        const std::string what = "write " + session_->describe(partial_);
        const std::string url = session_->request_url(partial_);
        auto sent = sftp_transfer(*session_, what, [&](CURL* h) {
            curl_easy_setopt(h, CURLOPT_URL, url.c_str());
            curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);  // creates or truncates NAME.partial
            curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
            curl_easy_setopt(h, CURLOPT_NEW_FILE_PERMS, 0644L);
            curl_easy_setopt(h, CURLOPT_READFUNCTION, read);
            curl_easy_setopt(h, CURLOPT_READDATA, static_cast<StreamingWriter*>(this));
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, static_cast<StreamingWriter*>(this));
            curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 0L);  // progress() judges stalls
        });
        if (sent) return {};
        if (stalled())
            return std::unexpected(make_error(Errc::io,
                                              what + ": " + session_->url().host + " took nothing for " +
                                                  std::to_string(net::kStallSeconds) + " s",
                                              "check the server and the network, then capture again"));
        if (cancelled()) return std::unexpected(make_error(Errc::cancelled, what + ": cancelled"));
        return sent;
    }

    Status publish() override {
        // SFTP 3 renames onto no existing file: an older NAME goes first ('*': it may not be there).
        return commands(*session_, folder_of(name_),
                        {"*rm " + quoted(name_), "rename " + quoted(partial_) + " " + quoted(name_)},
                        "rename " + session_->describe(partial_) + " to its name");
    }

    void discard() noexcept override {
        (void)commands(*session_, folder_of(name_), {"*rm " + quoted(partial_)},
                       "remove " + session_->describe(partial_));
    }

    std::shared_ptr<Session> session_;
    std::string name_;
    std::string partial_;
};

class SftpReader final : public ObjectReader {
public:
    SftpReader(std::shared_ptr<const Session> session, std::string name, Stat st)
        : session_(std::move(session)), name_(std::move(name)), stat_(st) {}

    std::uint64_t size() const override { return stat_.size; }

    Status read_at(std::uint64_t offset, std::span<std::byte> buffer) const override {
        const std::string where = session_->describe(name_);
        if (offset > stat_.size || buffer.size() > stat_.size - offset)
            return std::unexpected(make_error(Errc::damaged_image, where + " is shorter than its image says",
                                              "the file on the server was cut short; use another copy"));
        if (buffer.empty()) return {};
        struct Into {
            std::span<std::byte> buffer;
            std::size_t received = 0;
            bool overflow = false;
        } into{buffer};
        const std::string url = session_->request_url(name_);
        const std::string range = std::to_string(offset) + "-" + std::to_string(offset + buffer.size() - 1);
        const std::string what = "read " + where + " at byte " + std::to_string(offset);
        curl_off_t modified = -1;
        auto done = sftp_transfer(
            *session_, what,
            [&](CURL* h) {
                into.received = 0;
                curl_easy_setopt(h, CURLOPT_URL, url.c_str());
                curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
                curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
                curl_easy_setopt(h, CURLOPT_WRITEDATA, &into);
                curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t s, std::size_t n, void* user) {
                    auto& in = *static_cast<Into*>(user);
                    if (s * n > in.buffer.size() - in.received) {
                        in.overflow = true;
                        return std::size_t{0};
                    }
                    std::memcpy(in.buffer.data() + in.received, data, s * n);
                    in.received += s * n;
                    return s * n;
                });
            },
            [&](CURL* h) { curl_easy_getinfo(h, CURLINFO_FILETIME_T, &modified); });
        if (!done && !into.overflow) return std::unexpected(done.error());
        // SFTP 3 has no file identity and times in whole seconds: the size and
        // time after the read, equal to those at open, say it is the same file.
        auto now = stat_file(*session_, name_, what);
        if (!now && now.error().code != Errc::not_found) return std::unexpected(now.error());
        if (into.overflow || into.received != buffer.size() || (modified >= 0 && modified != stat_.modified) || !now ||
            now->size != stat_.size || now->modified != stat_.modified)
            return std::unexpected(make_error(Errc::damaged_image,
                                              what + ": the file changed on the server while it was read",
                                              "something replaced or cut the image on the server; run the command "
                                              "again, or use another copy"));
        return {};
    }

private:
    std::shared_ptr<const Session> session_;
    std::string name_;
    Stat stat_;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> SftpStore::create(const std::string& name) {
    // The folder must be there before the source is read; and what a writer
    // that died left under the partial name goes.
    const std::string folder = folder_of(name);
    if (auto listed = list(folder); !listed) {
        Error e = listed.error();
        if (e.code == Errc::not_found)
            e = make_error(Errc::not_found, "write " + describe(name) + ": the folder " + describe(folder) +
                                                " does not exist on the server",
                           "create it first, or choose another folder");
        return std::unexpected(e);
    }
    if (auto cleared = commands(*session_, folder, {"*rm " + quoted(name + kPartialSuffix)},
                                "remove " + describe(name + kPartialSuffix));
        !cleared)
        return std::unexpected(cleared.error());
    return std::make_unique<SftpWriter>(session_, name);
}

Result<std::unique_ptr<ObjectReader>> SftpStore::open(const std::string& name) const {
    auto st = stat_file(*session_, name, "open " + describe(name));
    if (!st) return std::unexpected(st.error());
    return std::make_unique<ReadAheadReader>(std::make_unique<SftpReader>(session_, name, *st));
}

Result<bool> SftpStore::exists(const std::string& name) const {
    auto st = stat_file(*session_, name, "look for " + describe(name));
    if (st) return true;
    if (st.error().code == Errc::not_found) return false;
    return std::unexpected(st.error());
}

Result<std::vector<ObjectInfo>> SftpStore::list(const std::string& dir) const {
    std::string folder = dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    const std::string url = session_->request_url(folder == "/" ? "/" : folder + "/");
    std::string text;
    auto done = sftp_transfer(*session_, "list " + describe(folder), [&](CURL* h) {
        text.clear();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &text);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t s, std::size_t n, void* user) {
            auto& t = *static_cast<std::string*>(user);
            if (t.size() + s * n > (16u << 20)) return std::size_t{0};  // a folder of 100,000s of files: not images
            t.append(data, s * n);
            return s * n;
        });
    });
    if (!done) return std::unexpected(done.error());
    return parse_sftp_listing(text, folder);
}

Status SftpStore::remove(const std::string& name) {
    auto there = exists(name);
    if (!there) return std::unexpected(there.error());
    if (!*there) return {};
    return commands(*session_, folder_of(name), {"rm " + quoted(name)}, "remove " + describe(name));
}

}  // namespace imager::store
