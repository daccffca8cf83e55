// Fuzz target for aiip::audit::DecodeEntry (src/audit/entry.h), which verifiers and the CLI
// use to read back stored audit entries — bytes that may have been tampered with.
//
// Invariants (a violation aborts):
//  - a failure is DataLoss "malformed-audit-entry" with a detail;
//  - the encoding is canonical: whenever decoding succeeds, EncodeEntry of the result
//    reproduces the input bytes exactly (otherwise two byte strings would stand for one
//    entry, and a leaf hash recomputed from decoded fields would not match the stored one),
//    and decoding those bytes again gives the same entry.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "audit/entry.h"
#include "common/status.h"
#include "fuzz/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  aiip::Result<aiip::audit::Entry> entry = aiip::audit::DecodeEntry(bytes);
  if (!entry) {
    const aiip::Status& s = entry.error();
    AIIP_FUZZ_CHECK(s.code() == aiip::Code::kDataLoss, "a failure is not DataLoss");
    AIIP_FUZZ_CHECK(s.type() == "malformed-audit-entry", "a failure has another type");
    AIIP_FUZZ_CHECK(!s.detail().empty(), "a failure has no detail");
    return 0;
  }
  aiip::Result<std::string> encoded = aiip::audit::EncodeEntry(*entry);
  AIIP_FUZZ_CHECK(encoded.has_value(), "a decoded entry does not encode");
  AIIP_FUZZ_CHECK(*encoded == bytes, "EncodeEntry(DecodeEntry(b)) != b: the encoding is not canonical");
  aiip::Result<aiip::audit::Entry> again = aiip::audit::DecodeEntry(*encoded);
  AIIP_FUZZ_CHECK(again.has_value() && *again == *entry, "a re-encoded entry decodes to another entry");
  return 0;
}
