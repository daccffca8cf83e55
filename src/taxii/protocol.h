// The TAXII 2.1 protocol pieces that need no storage (OASIS TAXII Version 2.1, OASIS Standard,
// 10 June 2021): media-type negotiation, TAXII timestamps, the filter and pagination
// parameters of the collection endpoints, the stateless `next` cursor, the envelope a client
// POSTs, and the error message resource. The server (service.h) and the HTTP handlers
// (src/api/taxii_handlers.cc) are built on these. doc/taxii.md gives the formats.
//
// Every function is pure and thread-safe; outside input fails with InvalidArgument naming
// the query parameter ("match[version]", "next", ...) or a JSON Pointer into the body.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace aiip::taxii {

inline constexpr std::string_view kTaxiiMediaType = "application/taxii+json;version=2.1";
inline constexpr std::string_view kStixMediaType = "application/stix+json;version=2.1";

// TAXII timestamps carry microseconds: date_added must order every object of a collection.
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, six fraction digits: sorts lexically in time order).
std::string FormatTimestamp(Timestamp t);
// An RFC 3339 UTC timestamp as TAXII and STIX write them: "YYYY-MM-DDTHH:MM:SS[.f+]Z" with
// 'Z' (digits past the sixth are truncated), years 0000-9999. InvalidArgument
// "invalid-timestamp" (empty field) otherwise.
Result<Timestamp> ParseTimestamp(std::string_view text);

// Whether an Accept header admits application/taxii+json;version=2.1 (RFC 9110 §12.5.1:
// a media range "*/*", "application/*" or "application/taxii+json" with no version or
// version 2.1, and a q-value above zero). An absent header accepts anything.
bool AcceptsTaxii(std::optional<std::string_view> accept);
// Whether a Content-Type is application/taxii+json;version=2.1 (case-insensitive type,
// optional spaces around ';'; a missing version parameter is refused, as TAXII requires it).
bool IsTaxiiContentType(std::optional<std::string_view> content_type);

// The endpoints that take filters; each admits a subset of the parameters (TAXII 2.1 §3.4:
// objects and manifest all; one object: added_after, limit, next, match[version],
// match[spec_version]; versions: added_after, limit, next, match[spec_version]).
enum class Endpoint { kObjects, kManifest, kObject, kVersions };

struct VersionMatch {
  bool last = false;
  bool first = false;
  bool all = false;
  std::vector<Timestamp> at;  // explicit versions
};

inline constexpr size_t kDefaultLimit = 100;
inline constexpr size_t kMaxLimit = 1000;

struct Query {
  std::optional<Timestamp> added_after;
  size_t limit = kDefaultLimit;            // 1..kMaxLimit (a larger request is served kMaxLimit)
  std::optional<std::string> next;         // raw cursor, checked by DecodeCursor
  std::vector<std::string> ids;            // match[id]: any of
  std::vector<std::string> types;          // match[type]: any of
  VersionMatch versions;                   // match[version]; default {last}
  std::vector<std::string> spec_versions;  // match[spec_version]: any of; empty = the latest of each
};

// Reads the query parameters of `endpoint`. Parameters another endpoint takes, and unknown
// ones, are ignored (TAXII lets servers ignore filters they do not support). A parameter
// given twice, an empty list item, a malformed timestamp, type, id or spec version, or a
// limit that is not a positive integer is InvalidArgument naming the parameter.
Result<Query> ParseQuery(const std::multimap<std::string, std::string>& params, Endpoint endpoint);

// The keyset position of the last entry a page returned: entries are ordered by
// (date_added, object id, version).
struct Position {
  Timestamp date_added;
  std::string object_id;
  Timestamp version;
  bool operator==(const Position&) const = default;
};

// The opaque, stateless `next` value: the position and a MAC binding it to `scope` (the
// request path) under `key` (doc/taxii.md, "Cursors"). DecodeCursor returns
// InvalidArgument "invalid-cursor" naming "next" when the value is malformed, was issued for
// another scope or under another key, or was altered.
std::string EncodeCursor(const Position& position, std::string_view scope, std::string_view key);
Result<Position> DecodeCursor(std::string_view next, std::string_view scope, std::string_view key);

// The objects of a TAXII envelope a client POSTs: {"objects": [<object>, ...], "more"?,
// "next"?}. Each object must be a JSON object with string "type" and "id" (the STIX checks
// come later); at least one object. Errors name a JSON Pointer ("/objects/2/id").
Result<boost::json::array> ParseEnvelope(std::string_view body);

// The TAXII error message resource for a failed request: title (the HTTP reason),
// description (the detail), http_status as a string, error_code (the AIIP problem type) and,
// when the status names one, details.field.
boost::json::object ErrorResource(const Status& status, int http_status);

}  // namespace aiip::taxii
