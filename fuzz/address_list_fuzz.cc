// Fuzz target for aiip::attribution::ParseAddressList (src/response/attribution/
// address_list.h), which reads the lists of attacking addresses victims upload and
// `aiip attribute` reads, and for IpAddress::Parse/Prefix::Parse underneath it.
//
// Invariants (a violation aborts):
//  - every non-blank line ends up in exactly one place: an address, an error, or the one
//    skipped CSV header; line numbers are increasing and within the input;
//  - an accepted address writes out as text that parses back to the same address, and
//    that text is itself a fixed point;
//  - error messages are printable ASCII (they go to a terminal) and bounded in length;
//  - Prefix::Parse of the input either fails as InvalidArgument("invalid-prefix") or gives
//    a prefix whose text parses back to it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/check.h"
#include "response/attribution/address.h"
#include "response/attribution/address_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aiip::attribution::IpAddress;
  using aiip::attribution::Prefix;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const aiip::attribution::AddressList list = aiip::attribution::ParseAddressList(text);

  size_t lines = 0;
  for (size_t i = 0; i < text.size(); ++i) lines += text[i] == '\n' || i + 1 == text.size();
  AIIP_FUZZ_CHECK(list.addresses.size() + list.errors.size() + (list.header_skipped ? 1 : 0) <= lines,
                  "more results than lines");
  size_t previous = 0;
  for (const auto& a : list.addresses) {
    AIIP_FUZZ_CHECK(a.line > previous && a.line <= lines, "address line numbers not increasing within input");
    previous = a.line;
    const std::string written = a.address.ToString();
    auto again = IpAddress::Parse(written);
    AIIP_FUZZ_CHECK(again.has_value() && *again == a.address, "address does not survive ToString/Parse");
    AIIP_FUZZ_CHECK(again->ToString() == written, "address text is not a fixed point");
  }
  previous = 0;
  for (const auto& e : list.errors) {
    AIIP_FUZZ_CHECK(e.line > previous && e.line <= lines, "error line numbers not increasing within input");
    previous = e.line;
    AIIP_FUZZ_CHECK(e.message.size() <= 64 * 4 + 64, "error message unbounded");
    for (char c : e.message) {
      AIIP_FUZZ_CHECK(c >= 0x20 && c < 0x7f, "error message holds a non-printable byte");
    }
  }

  auto prefix = Prefix::Parse(text);
  if (prefix) {
    auto again = Prefix::Parse(prefix->ToString());
    AIIP_FUZZ_CHECK(again.has_value() && *again == *prefix, "prefix does not survive ToString/Parse");
    AIIP_FUZZ_CHECK(prefix->Contains(prefix->address), "prefix does not contain its first address");
  } else {
    AIIP_FUZZ_CHECK(
        prefix.error().code() == aiip::Code::kInvalidArgument && prefix.error().type() == "invalid-prefix",
        "prefix failure is not InvalidArgument invalid-prefix");
  }
  return 0;
}
