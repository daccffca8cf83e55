// Fuzz target for the TAXII 2.1 protocol parsers of src/taxii/protocol.h, which read what a
// TAXII client sends: query parameters (filters and the `next` cursor), Accept and
// Content-Type headers, and POSTed envelopes.
//
// The input is split at the first two NUL bytes into (query, header, body); the query is
// "name=value" pairs separated by '&' (no decoding: the router has decoded them).
//
// Invariants (a violation aborts):
//  - ParseQuery either fails with InvalidArgument naming one of the parameters it reads, or
//    gives a limit in 1..kMaxLimit, at least one version selector, and lists without empty
//    items; the same input gives the same answer for every endpoint that reads the same
//    parameters;
//  - a timestamp that parses formats to 27 characters and parses back to the same instant;
//  - DecodeCursor of the input fails with "invalid-cursor" at "next" unless the input is
//    what EncodeCursor writes for the decoded position (no other value is accepted), and a
//    cursor encoded from any decoded position decodes back to it;
//  - ParseEnvelope either fails naming a JSON Pointer (or "" for malformed JSON) or returns
//    a non-empty array of objects each with string "type" and "id";
//  - AcceptsTaxii and IsTaxiiContentType never crash, and a Content-Type TAXII accepts is
//    also admitted as an Accept value.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz/check.h"
#include "taxii/protocol.h"

namespace {

using aiip::taxii::Endpoint;

std::multimap<std::string, std::string> SplitQuery(std::string_view text) {
  std::multimap<std::string, std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos)
      out.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    start = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t first = input.find('\0');
  const std::string_view query = input.substr(0, first);
  const std::string_view rest =
      first == std::string_view::npos ? std::string_view() : input.substr(first + 1);
  const size_t second = rest.find('\0');
  const std::string_view header = rest.substr(0, second);
  const std::string_view body =
      second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);

  const auto params = SplitQuery(query);
  for (Endpoint endpoint :
       {Endpoint::kObjects, Endpoint::kManifest, Endpoint::kObject, Endpoint::kVersions}) {
    auto q = aiip::taxii::ParseQuery(params, endpoint);
    if (!q) {
      const std::string& field = q.error().field();
      AIIP_FUZZ_CHECK(q.error().code() == aiip::Code::kInvalidArgument, "query errors are InvalidArgument");
      AIIP_FUZZ_CHECK(field == "added_after" || field == "limit" || field == "next" || field == "match[id]" ||
                          field == "match[type]" || field == "match[version]" ||
                          field == "match[spec_version]",
                      "a query error names a parameter");
      continue;
    }
    AIIP_FUZZ_CHECK(q->limit >= 1 && q->limit <= aiip::taxii::kMaxLimit, "limit in range");
    AIIP_FUZZ_CHECK(q->versions.last || q->versions.first || q->versions.all || !q->versions.at.empty(),
                    "a version selector");
    for (const auto* list : {&q->ids, &q->types, &q->spec_versions}) {
      for (const std::string& item : *list) AIIP_FUZZ_CHECK(!item.empty(), "no empty list item");
    }
  }
  AIIP_FUZZ_CHECK(aiip::taxii::ParseQuery(params, Endpoint::kObjects).has_value() ==
                      aiip::taxii::ParseQuery(params, Endpoint::kManifest).has_value(),
                  "objects and manifest read the same parameters");

  if (auto t = aiip::taxii::ParseTimestamp(header)) {
    const std::string text = aiip::taxii::FormatTimestamp(*t);
    AIIP_FUZZ_CHECK(text.size() == 27, "timestamps format to 27 characters");
    auto back = aiip::taxii::ParseTimestamp(text);
    AIIP_FUZZ_CHECK(back.has_value() && *back == *t, "timestamps round-trip");
  }

  const std::string key(32, 'k');
  const std::string scope = "/taxii2/aiip/collections/incidents/objects/";
  if (auto p = aiip::taxii::DecodeCursor(header, scope, key)) {
    AIIP_FUZZ_CHECK(aiip::taxii::EncodeCursor(*p, scope, key) == header, "only issued cursors decode");
  } else {
    AIIP_FUZZ_CHECK(p.error().type() == "invalid-cursor" && p.error().field() == "next", "cursor errors");
  }

  auto objects = aiip::taxii::ParseEnvelope(body);
  if (objects) {
    AIIP_FUZZ_CHECK(!objects->empty(), "an envelope has objects");
    for (const auto& o : *objects) {
      AIIP_FUZZ_CHECK(
          o.is_object() && o.as_object().at("type").is_string() && o.as_object().at("id").is_string(),
          "objects have string type and id");
    }
  } else {
    const std::string& field = objects.error().field();
    AIIP_FUZZ_CHECK(field.empty() || field.front() == '/', "envelope errors name a JSON Pointer");
  }

  if (aiip::taxii::IsTaxiiContentType(header)) {
    AIIP_FUZZ_CHECK(aiip::taxii::AcceptsTaxii(header), "an accepted Content-Type is acceptable");
  }
  return 0;
}
