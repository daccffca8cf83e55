#include "response/attribution/address_list.h"

#include <cstdio>

namespace aiip::attribution {

namespace {

constexpr size_t kShownBytes = 64;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The text of a bad line as it can be shown on a terminal.
std::string Shown(std::string_view text) {
  std::string out;
  const bool cut = text.size() > kShownBytes;
  for (char c : text.substr(0, kShownBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || byte >= 0x80) {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", byte);
      out += hex;
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace

AddressList ParseAddressList(std::string_view text) {
  AddressList list;
  size_t line_number = 0;
  bool seen_data = false;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);

    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    std::string_view field = Trim(line.substr(0, comma));
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
      field = Trim(field.substr(1, field.size() - 2));
    }
    const bool first = !seen_data;
    seen_data = true;
    auto address = IpAddress::Parse(field);
    if (address) {
      list.addresses.push_back({line_number, *address});
    } else if (first && comma != std::string_view::npos) {
      list.header_skipped = true;
    } else {
      list.errors.push_back({line_number, "not an IPv4 or IPv6 address: '" + Shown(field) + "'"});
    }
  }
  return list;
}

}  // namespace aiip::attribution
