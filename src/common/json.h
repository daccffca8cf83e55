// Strict JSON entry: every external JSON document enters AIIP through these helpers, which
// reject malformed input with the byte offset, and read objects field by field so that a
// wrong type, a missing field, an unknown field or an out-of-range value is reported with
// the offending field as a JSON Pointer. Problem types used (stable): "malformed-json",
// "not-an-object", "wrong-type", "missing-field", "unknown-field", "out-of-range",
// "invalid-value".
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::json {

// Parses `text` as one JSON value (max nesting depth 64). On failure returns
// InvalidArgument("malformed-json") naming the byte offset of the error.
Result<boost::json::value> Parse(std::string_view text);

// Parses `text` and requires a JSON object at the top level ("not-an-object" otherwise).
Result<boost::json::object> ParseObject(std::string_view text);

// Escapes `token` for use inside a JSON Pointer (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string PointerEscape(std::string_view token);

// Reads the fields of one JSON object. Not thread-safe. Keeps the first error only; after
// an error, further reads return empty values. `Finish()` must be called last: it reports
// the first error, or else the first field that was never read (unknown field).
class ObjectReader {
 public:
  // `object` must outlive the reader. `pointer` is this object's JSON Pointer ("" = root).
  explicit ObjectReader(const boost::json::object& object, std::string pointer = "");

  bool Has(std::string_view key) const;      // present (even if null)
  bool IsNull(std::string_view key) const;   // present and null

  // Strings: required ones must be present, non-null and 1..max_length bytes of UTF-8
  // (after which the caller validates content). Optional ones treat null as absent.
  std::string RequiredString(std::string_view key, size_t max_length = 1024);
  std::optional<std::string> OptionalString(std::string_view key, size_t max_length = 1024);

  // Integers in [min, max] (JSON numbers with no fraction).
  int64_t RequiredInt(std::string_view key, int64_t min, int64_t max);
  std::optional<int64_t> OptionalInt(std::string_view key, int64_t min, int64_t max);

  std::optional<bool> OptionalBool(std::string_view key);

  // Arrays of strings with at most `max_items` items of at most `max_length` bytes each.
  std::vector<std::string> RequiredStringArray(std::string_view key, size_t max_items = 256,
                                               size_t max_length = 1024);
  std::optional<std::vector<std::string>> OptionalStringArray(std::string_view key,
                                                              size_t max_items = 256,
                                                              size_t max_length = 1024);

  // Nested values, returned for the caller to read (marks the key as known). nullptr when
  // absent/null (optional) or on a type error.
  const boost::json::object* OptionalObject(std::string_view key);
  const boost::json::array* OptionalArray(std::string_view key);
  // Marks `key` as known without reading it; returns the raw value or nullptr.
  const boost::json::value* Raw(std::string_view key);

  // Records a validation error found by the caller for `key` (e.g. "invalid-value").
  void Fail(std::string_view key, std::string type, std::string detail);
  // Records an error from a nested reader or validator (already carrying its own pointer).
  void Fail(Status status);

  // JSON Pointer of `key` in this object.
  std::string PointerOf(std::string_view key) const;
  bool ok() const { return first_error_.ok(); }

  // The first error; else InvalidArgument("unknown-field") for the first unread key; else OK.
  Status Finish();

 private:
  const boost::json::value* Lookup(std::string_view key);
  void TypeError(std::string_view key, std::string_view expected, const boost::json::value& got);

  const boost::json::object& object_;
  std::string pointer_;
  std::set<std::string, std::less<>> known_;
  Status first_error_;
};

// Name of a JSON value's kind as used in error messages: "string", "number", "object", ...
std::string_view KindName(const boost::json::value& value);

}  // namespace aiip::json
