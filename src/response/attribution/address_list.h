// Lists of attacking addresses as victims and tools write them: plain text or CSV.
//
// Format, line by line (lines end with "\n" or "\r\n"):
//   - "#" starts a comment that runs to the end of the line; blank lines are ignored;
//   - spaces and tabs around the address are ignored;
//   - CSV: the first field (up to the first ",") is the address, optionally in double
//     quotes; the other fields are ignored. A first data line whose first field is not an
//     address but which has a "," is a CSV header and is skipped;
//   - an address is IPv4 (dotted quad) or IPv6 (RFC 4291 text, no zone).
// Any other line is reported with its line number and skipped: one bad line does not
// discard the rest of the list.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "response/attribution/address.h"

namespace aiip::attribution {

struct ListedAddress {
  size_t line = 0;  // 1-based
  IpAddress address;
};

struct ListError {
  size_t line = 0;  // 1-based
  std::string message;
};

struct AddressList {
  std::vector<ListedAddress> addresses;  // in input order
  std::vector<ListError> errors;         // in input order
  bool header_skipped = false;
};

// Parses `text` as above. Never fails as a whole; bad lines go to `errors`, each message
// naming the offending text (control characters escaped as \xNN, at most 64 bytes shown).
AddressList ParseAddressList(std::string_view text);

}  // namespace aiip::attribution
