// Fuzz target for the request that opens an attack case (src/responsenet/case_spec.h):
// ReadSources and ReadCaseSpec read what a victim sends to POST /api/v1/attacks and
// /attacks/{id}/sources — a JSON body with the case fields and "sources", "sources_text" or
// a base64 "capture", or a raw text/CSV list or pcap capture whose case fields come from
// the query string (strings).
//
// The input is read as a JSON body when it parses as a JSON object; it is always read as a
// raw list and as a raw capture too (with the case fields of an empty query string, so a
// capture supplies them).
//
// Invariants (a violation aborts; exceptions escaping count as crashes):
//  - every failure is InvalidArgument with a type; from a JSON body its field is a JSON
//    Pointer ("/..."), and a "/sources/N" field names an element of the array;
//  - a batch holds 1..max addresses, each printing as text that parses back to it, and a
//    capture batch has one address per source of the capture;
//  - an accepted spec has to >= from, a lifetime of -1 or 1..31536000 and ordered port
//    ranges, and reading its canonical JSON (target, ports, protocol number, RFC 3339
//    times, lifetime) gives the same spec back.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/time.h"
#include "fuzz/check.h"
#include "responsenet/case_spec.h"

namespace {

namespace bj = boost::json;
namespace rn = aiip::responsenet;

constexpr size_t kMaxSources = 1 << 14;

void CheckFailure(const aiip::Status& status, bool json_body) {
  AIIP_FUZZ_CHECK(status.code() == aiip::Code::kInvalidArgument, "failure is not InvalidArgument");
  AIIP_FUZZ_CHECK(!status.type().empty(), "failure has no type");
  if (json_body) AIIP_FUZZ_CHECK(status.field().starts_with("/"), "failure of a JSON body names no field");
}

void CheckBatch(const rn::SourceBatch& batch) {
  AIIP_FUZZ_CHECK(!batch.addresses.empty() && batch.addresses.size() <= kMaxSources,
                  "batch size out of bounds");
  for (const auto& a : batch.addresses) {
    auto again = aiip::attribution::IpAddress::Parse(a.ToString());
    AIIP_FUZZ_CHECK(again.has_value() && *again == a, "source does not survive ToString/Parse");
  }
  if (batch.capture) {
    AIIP_FUZZ_CHECK(batch.addresses.size() == batch.capture->sources.size(), "capture sources lost");
  }
  AIIP_FUZZ_CHECK(batch.errors.size() <= 20 && batch.errors.size() <= batch.rejected_lines,
                  "more listed errors than rejected lines");
}

void CheckSpec(const rn::CaseSpec& spec) {
  AIIP_FUZZ_CHECK(spec.from <= spec.to, "to before from");
  AIIP_FUZZ_CHECK(spec.lifetime == -1 || (spec.lifetime >= 1 && spec.lifetime <= 31'536'000),
                  "lifetime out of range");
  for (const auto& p : spec.ports) AIIP_FUZZ_CHECK(p.lower <= p.upper, "port range reversed");
  bj::object canonical{{"target", spec.target.ToString()},
                       {"from", aiip::FormatRfc3339(spec.from)},
                       {"to", aiip::FormatRfc3339(spec.to)},
                       {"attack_time", aiip::FormatRfc3339(spec.attack_time)},
                       {"lifetime", spec.lifetime}};
  if (!spec.ports.empty()) canonical["ports"] = rn::PortsText(spec.ports);
  if (spec.protocol) canonical["protocol"] = *spec.protocol;
  if (spec.victim) canonical["victim"] = *spec.victim;
  auto again = rn::ReadCaseSpec(canonical, false, nullptr);
  AIIP_FUZZ_CHECK(again.has_value(), "the canonical form of an accepted spec is refused");
  AIIP_FUZZ_CHECK(*again == spec, "the canonical form of an accepted spec reads differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto body = aiip::json::ParseObject(input)) {
    auto batch = rn::ReadSources(*body, std::nullopt, kMaxSources);
    if (batch) {
      CheckBatch(*batch);
    } else {
      CheckFailure(batch.error(), true);
      if (batch.error().field().starts_with("/sources/")) {
        const bj::value* sources = body->if_contains("sources");
        AIIP_FUZZ_CHECK(sources != nullptr && sources->is_array() && !sources->get_array().empty(),
                        "an element of 'sources' is blamed without an array");
      }
    }
    auto spec = rn::ReadCaseSpec(*body, true, batch && batch->capture ? &*batch->capture : nullptr);
    if (spec) {
      CheckSpec(*spec);
    } else {
      CheckFailure(spec.error(), true);
    }
  }

  for (bool pcap : {false, true}) {
    auto batch = rn::ReadSources(bj::object{}, rn::RawSources{pcap, input}, kMaxSources);
    if (!batch) {
      CheckFailure(batch.error(), false);
      continue;
    }
    CheckBatch(*batch);
    AIIP_FUZZ_CHECK(batch->input == (pcap ? "pcap" : "list"), "raw batch input kind");
    auto spec = rn::ReadCaseSpec(bj::object{}, false, batch->capture ? &*batch->capture : nullptr);
    if (spec) {
      AIIP_FUZZ_CHECK(pcap, "a case without a target or window was accepted");
      CheckSpec(*spec);
    } else {
      CheckFailure(spec.error(), true);
    }
  }
  return 0;
}
