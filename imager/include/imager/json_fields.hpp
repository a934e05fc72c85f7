// Fields of JSON someone else may have written (an image's manifest, a verified
// mark): a member that is missing, or of another type, reads as the fallback.
// nlohmann's own value() and at() throw in those cases, and operator[] on a
// const object with no such member is undefined.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace imager::json_fields {

inline const nlohmann::json& member(const nlohmann::json& object, const char* key) {
    static const nlohmann::json null_value;
    if (!object.is_object()) return null_value;
    const auto it = object.find(key);
    return it == object.end() ? null_value : *it;
}

inline std::string text(const nlohmann::json& object, const char* key, std::string fallback = {}) {
    const auto& m = member(object, key);
    return m.is_string() ? m.get<std::string>() : fallback;
}

inline std::uint64_t number(const nlohmann::json& object, const char* key, std::uint64_t fallback = 0) {
    const auto& m = member(object, key);
    return m.is_number_unsigned() ? m.get<std::uint64_t>() : fallback;
}

// An array member, or an empty array.
inline const nlohmann::json& array(const nlohmann::json& object, const char* key) {
    static const nlohmann::json empty = nlohmann::json::array();
    const auto& m = member(object, key);
    return m.is_array() ? m : empty;
}

}  // namespace imager::json_fields
