#include "store/listings.hpp"

#include <curl/curl.h>
#include <expat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>

namespace imager::store {

namespace {

// PROPFIND's answer: for each <response>, its <href>, <getcontentlength> and
// whether its <resourcetype> holds a <collection>. Namespaces are ignored.
struct Propfind {
    struct Entry {
        std::string href;
        std::string length;
        bool collection = false;
    };
    std::vector<Entry> entries;
    std::string text;

    static std::string local(const char* name) {
        const char* colon = std::strrchr(name, ':');
        return colon ? colon + 1 : name;
    }
    static void on_start(void* user, const char* name, const char**) {
        auto& p = *static_cast<Propfind*>(user);
        const std::string n = local(name);
        p.text.clear();
        if (n == "response") p.entries.emplace_back();
        else if (n == "collection" && !p.entries.empty()) p.entries.back().collection = true;
    }
    static void on_end(void* user, const char* name) {
        auto& p = *static_cast<Propfind*>(user);
        const std::string n = local(name);
        if (p.entries.empty()) return;
        if (n == "href") p.entries.back().href = p.text;
        else if (n == "getcontentlength") p.entries.back().length = p.text;
        p.text.clear();
    }
    static void on_text(void* user, const char* s, int len) {
        auto& p = *static_cast<Propfind*>(user);
        if (p.text.size() < 8192) p.text.append(s, static_cast<std::size_t>(len));
    }
};

std::string percent_decoded(const std::string& s) {
    int n = 0;
    char* d = curl_easy_unescape(nullptr, s.c_str(), static_cast<int>(s.size()), &n);
    if (d == nullptr) return s;
    std::string out(d, static_cast<std::size_t>(n));
    curl_free(d);
    return out;
}

bool is_size(const std::string& s) {
    return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string in_folder(const std::string& folder, const std::string& file) {
    return (folder == "/" ? "" : folder) + "/" + file;
}

// "-rw-r--r--    1 ann  ann   31629216 Dec  6 17:20 pc.lbi": regular files only.
std::optional<ObjectInfo> parse_listing_line(const std::string& line, const std::string& folder) {
    std::istringstream in(line);
    std::string mode, links, owner, group, size, month, day, time;
    if (!(in >> mode >> links >> owner >> group >> size >> month >> day >> time) || mode[0] != '-') return std::nullopt;
    std::string name;
    std::getline(in, name);
    if (name.size() < 2 || name[0] != ' ') return std::nullopt;
    name.erase(0, 1);
    if (name.find('/') != std::string::npos || name.find('\0') != std::string::npos || !is_size(size))
        return std::nullopt;
    return ObjectInfo{in_folder(folder, name), std::stoull(size)};
}

// The element names along the path from the record element down, kept flat:
// a record's fields are the leaf elements anywhere below it.
struct XmlCollector {
    std::string record;
    XmlAnswer answer;
    int depth_in_record = 0;  // 0: outside a record
    std::string text;
    bool too_many = false;

    static constexpr std::size_t kMaxRecords = 100000;
    static constexpr std::size_t kMaxText = 8192;

    static void on_start(void* user, const char* name, const char**) {
        auto& c = *static_cast<XmlCollector*>(user);
        c.text.clear();
        if (c.depth_in_record > 0) {
            ++c.depth_in_record;
        } else if (Propfind::local(name) == c.record) {
            if (c.answer.records.size() >= kMaxRecords) c.too_many = true;
            else c.answer.records.emplace_back();
            c.depth_in_record = 1;
        }
    }
    static void on_end(void* user, const char* name) {
        auto& c = *static_cast<XmlCollector*>(user);
        const std::string n = Propfind::local(name);
        if (c.depth_in_record == 1) {  // the record's own end
            c.depth_in_record = 0;
        } else if (c.depth_in_record > 1) {
            --c.depth_in_record;
            if (!c.too_many) c.answer.records.back()[n] = c.text;
        } else {
            c.answer.top[n] = c.text;
        }
        c.text.clear();
    }
    static void on_text(void* user, const char* s, int len) {
        auto& c = *static_cast<XmlCollector*>(user);
        if (c.text.size() < kMaxText) c.text.append(s, std::min(static_cast<std::size_t>(len), kMaxText - c.text.size()));
    }
};

// Runs expat over `xml` with `handler`'s static on_start, on_end and on_text;
// an answer that is not XML (or over 64 MiB) is an error saying it is not `expected`.
template <class Handler>
Status parse_with(Handler& handler, std::string_view xml, const char* expected) {
    std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr),
                                                                                         &XML_ParserFree);
    if (!parser) return std::unexpected(make_error(Errc::internal, "expat could not allocate a parser"));
    XML_SetUserData(parser.get(), &handler);
    XML_SetElementHandler(parser.get(), Handler::on_start, Handler::on_end);
    XML_SetCharacterDataHandler(parser.get(), Handler::on_text);
    if (xml.size() > (64u << 20) ||
        XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), 1) != XML_STATUS_OK)
        return std::unexpected(make_error(Errc::io, std::string("the server's answer is not ") + expected + " (" +
                                                        XML_ErrorString(XML_GetErrorCode(parser.get())) + ")"));
    return {};
}

void sort_and_drop_partials(std::vector<ObjectInfo>& objects) {
    std::erase_if(objects, [](const ObjectInfo& o) { return o.name.ends_with(kPartialSuffix); });
    std::ranges::sort(objects, {}, &ObjectInfo::name);
}

}  // namespace

Result<std::vector<ObjectInfo>> parse_propfind(std::string_view xml, const std::string& folder) {
    Propfind answer;
    if (auto parsed = parse_with(answer, xml, "a WebDAV listing"); !parsed) return std::unexpected(parsed.error());
    std::vector<ObjectInfo> objects;
    const std::string prefix = folder == "/" ? "" : folder;
    for (const auto& e : answer.entries) {
        if (e.collection || !is_size(e.length)) continue;
        std::string path = percent_decoded(e.href);
        if (const auto scheme = path.find("://"); scheme != std::string::npos)  // an absolute href
            path = path.substr(std::min(path.size(), path.find('/', scheme + 3)));
        const auto slash = path.rfind('/');
        if (slash == std::string::npos) continue;
        const std::string file = path.substr(slash + 1);
        if (file.empty() || file.find('\0') != std::string::npos || path != prefix + "/" + file) continue;
        objects.push_back({path, std::stoull(e.length)});
    }
    sort_and_drop_partials(objects);
    return objects;
}

std::vector<ObjectInfo> parse_sftp_listing(std::string_view text, const std::string& folder) {
    std::vector<ObjectInfo> objects;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (auto o = parse_listing_line(line, folder)) objects.push_back(*o);
    }
    sort_and_drop_partials(objects);
    return objects;
}

Result<XmlAnswer> parse_xml_answer(std::string_view xml, const std::string& record) {
    XmlCollector collector;
    collector.record = record;
    if (auto parsed = parse_with(collector, xml, "the XML expected"); !parsed) return std::unexpected(parsed.error());
    if (collector.too_many)
        return std::unexpected(make_error(Errc::io, "the server's answer lists more than " +
                                                        std::to_string(XmlCollector::kMaxRecords) + " entries"));
    return std::move(collector.answer);
}

Result<S3Page> parse_s3_listing(std::string_view xml, const std::string& folder) {
    auto answer = parse_xml_answer(xml, "Contents");
    if (!answer) return std::unexpected(answer.error());
    const std::string prefix = folder == "/" || folder.empty() ? "" : folder.substr(folder.starts_with('/') ? 1 : 0) + "/";
    S3Page page;
    for (auto& object : answer->records) {
        const std::string& key = object["Key"];
        if (!key.starts_with(prefix) || key.size() == prefix.size() || key.find('/', prefix.size()) != std::string::npos ||
            key.find('\0') != std::string::npos || !is_size(object["Size"]))
            continue;
        page.objects.push_back({"/" + key, std::stoull(object["Size"])});
    }
    std::ranges::sort(page.objects, {}, &ObjectInfo::name);
    page.truncated = answer->top["IsTruncated"] == "true";
    page.next_token = answer->top["NextContinuationToken"];
    return page;
}

}  // namespace imager::store
