// Tolerant accessors over Boost.JSON used by the CSAF validator and resolver: each returns
// nullptr when the member is absent or of another kind, so that code walking a document that
// may violate the schema never throws and never dereferences a wrong kind.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

namespace aiip::advisories::csaf_internal {

inline const boost::json::object* ObjectAt(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const boost::json::value* m = v->get_object().if_contains(key);
  return m != nullptr && m->is_object() ? &m->get_object() : nullptr;
}

inline const boost::json::array* ArrayAt(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const boost::json::value* m = v->get_object().if_contains(key);
  return m != nullptr && m->is_array() ? &m->get_array() : nullptr;
}

// The string member `key` of `v`, or nullptr.
inline const boost::json::string* StringAt(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  const boost::json::value* m = v->get_object().if_contains(key);
  return m != nullptr && m->is_string() ? &m->get_string() : nullptr;
}

inline std::string_view StringOr(const boost::json::value* v, std::string_view key,
                                 std::string_view fallback = {}) {
  const boost::json::string* s = StringAt(v, key);
  return s == nullptr ? fallback : std::string_view(*s);
}

inline const boost::json::value* Member(const boost::json::value* v, std::string_view key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  return v->get_object().if_contains(key);
}

inline std::string Escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace aiip::advisories::csaf_internal
