// Helpers the advisory parsers (OSV, CVE JSON 5) share on top of json::ObjectReader: reading
// timestamps into the model's normalised UTC form, walking arrays of objects with a JSON
// Pointer for each item, and closing a reader without refusing unknown members (both formats
// let producers add fields; only the fields the parser reads are checked).
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/status.h"

namespace aiip::advisories::parse {

// The reader's first error, or OK. Members the caller never read are accepted (unlike
// ObjectReader::Finish, which reports them as "unknown-field").
Status Close(json::ObjectReader& reader);

// Reads `key` as an RFC 3339 date-time and returns it normalised by FormatRfc3339 (UTC,
// milliseconds). With `assume_utc`, a time with no offset is read as UTC (CVE JSON 5 allows
// that). nullopt when absent (a required one then fails the reader "missing-field") or
// invalid (the reader fails "invalid-timestamp" at the key).
std::optional<std::string> Timestamp(json::ObjectReader& reader, std::string_view key, bool required,
                                     bool assume_utc = false);

// Item `index` of `array` as an object; on another kind fails `reader` with "wrong-type" at
// `array_pointer`/index and returns nullptr.
const boost::json::object* ObjectItem(json::ObjectReader& reader, const boost::json::array& array,
                                      size_t index, const std::string& array_pointer);

// Reads `key` as a required array (missing-field when absent, wrong-type otherwise);
// nullptr on error.
const boost::json::array* RequiredArray(json::ObjectReader& reader, std::string_view key);

}  // namespace aiip::advisories::parse
