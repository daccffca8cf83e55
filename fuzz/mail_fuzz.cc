// Fuzz target for the mail engine (src/notify/mail_message.h), which reads e-mail addresses
// organisations register and turns event fields (subjects, TLP values, JSON data that other
// parties influence) into message headers and bodies.
//
// The input is used as an address, as header text, as a body and as an event's subject and
// data. Invariants (a violation aborts):
//  - an accepted address is printable ASCII, at most 254 bytes, with an '@' and at most 64
//    bytes before the last one that is not quoted; a message to it renders;
//  - header text is accepted exactly when it has no control character and is UTF-8; the
//    header it gives is ASCII, CRLF-terminated lines, continuations starting with a space,
//    and reads back as the text (unfolded, encoded-words decoded);
//  - quoted-printable output is ASCII (printable or tab), lines of at most 76 characters,
//    none starting with '.', and decodes back to the text;
//  - a rendered message has exactly the fixed header set, each once: nothing in an event
//    can add a header (no injection), and its body is ASCII in lines of at most 76.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "fuzz/check.h"
#include "notify/mail_message.h"

namespace {

using aiip::notify::Event;

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find("\r\n", start);
    AIIP_FUZZ_CHECK(end != std::string_view::npos, "output does not end with CRLF");
    std::string line(text.substr(start, end - start));
    AIIP_FUZZ_CHECK(line.find_first_of("\r\n") == std::string::npos, "bare CR or LF in output");
    lines.push_back(std::move(line));
    start = end + 2;
  }
  return lines;
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "=\r\n") {
      i += 2;
    } else if (text[i] == '=') {
      AIIP_FUZZ_CHECK(i + 2 < text.size(), "truncated =XX");
      auto byte = aiip::HexDecode(std::string(text.substr(i + 1, 2)));
      AIIP_FUZZ_CHECK(byte && byte->size() == 1, "=XX is not hex");
      out += (*byte)[0];
      i += 2;
    } else if (text.substr(i, 2) == "\r\n") {
      out += '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool HasControl(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

void CheckAddress(std::string_view address) {
  if (!aiip::notify::ValidateMailAddress(address, "/address").ok()) return;
  AIIP_FUZZ_CHECK(address.size() <= 254, "an address over 254 bytes was accepted");
  for (char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    AIIP_FUZZ_CHECK(byte >= 0x20 && byte < 0x7f, "an address with a control or non-ASCII byte was accepted");
  }
  const size_t at = address.rfind('@');
  AIIP_FUZZ_CHECK(at != std::string_view::npos && at > 0, "an address without local part was accepted");
  if (address.front() != '"') AIIP_FUZZ_CHECK(at <= 64, "a local part over 64 bytes was accepted");
  Event event{1, "2026-11-29T10:00:00.000Z", "org_a", "incident.warning", "inc_1", "{}"};
  auto message = aiip::notify::RenderMailMessage(aiip::notify::MailMessage{
      "aiip@node.example.org", std::string(address),
      aiip::notify::MailMessageId(1, "mrc_1", "aiip@node.example.org"), aiip::SystemTime{}, event});
  AIIP_FUZZ_CHECK(message.has_value(), "a message to an accepted address does not render");
}

void CheckHeader(std::string_view text) {
  auto header = aiip::notify::UnstructuredHeader("Subject", text);
  // Validity of UTF-8 is checked by the engine; here: refused whenever a control is present.
  if (HasControl(text)) {
    AIIP_FUZZ_CHECK(!header.has_value(), "header text with a control character was accepted");
    return;
  }
  if (!header) return;
  std::string unfolded;
  for (const std::string& line : Lines(*header)) {
    for (char c : line) AIIP_FUZZ_CHECK(c >= 0x20 && c < 0x7f, "a header line is not printable ASCII");
    if (!unfolded.empty()) AIIP_FUZZ_CHECK(line.starts_with(' '), "a header continuation without a space");
    AIIP_FUZZ_CHECK(line.size() <= 998, "a header line over 998 characters");
    unfolded += line;
  }
  AIIP_FUZZ_CHECK(unfolded.starts_with("Subject: "), "the header lost its name");
  std::string value = unfolded.substr(9);
  if (value.starts_with("=?UTF-8?B?")) {
    std::string decoded;
    size_t at = 0;
    while ((at = value.find("=?UTF-8?B?", at)) != std::string::npos) {
      const size_t close = value.find("?=", at + 10);
      AIIP_FUZZ_CHECK(close != std::string::npos, "an unterminated encoded-word");
      auto bytes = aiip::Base64Decode(value.substr(at + 10, close - at - 10));
      AIIP_FUZZ_CHECK(bytes.has_value(), "an encoded-word is not base64");
      decoded += *bytes;
      at = close + 2;
    }
    value = decoded;
  }
  AIIP_FUZZ_CHECK(value == text, "a header does not read back as its text");
}

void CheckQuotedPrintable(std::string_view text) {
  const std::string encoded = aiip::notify::QuotedPrintable(text);
  for (const std::string& line : Lines(encoded)) {
    AIIP_FUZZ_CHECK(line.size() <= 76, "a quoted-printable line over 76 characters");
    AIIP_FUZZ_CHECK(!line.starts_with('.'), "a quoted-printable line starts with '.'");
    for (char c : line)
      AIIP_FUZZ_CHECK((c >= 0x20 && c < 0x7f) || c == '\t', "quoted-printable is not ASCII");
  }
  // A CR before LF is a line break the encoder normalises; elsewhere text must survive.
  if (text.find('\r') == std::string_view::npos) {
    AIIP_FUZZ_CHECK(DecodeQuotedPrintable(encoded) == std::string(text) + "\n",
                    "quoted-printable does not decode to its text");
  }
}

void CheckMessage(std::string_view text) {
  // The input as the event's subject and as its data (JSON or not).
  Event event{
      7, "2026-11-29T10:00:00.000Z", "org_a", "incident.warning", std::string(text), std::string(text)};
  auto message = aiip::notify::RenderMailMessage(aiip::notify::MailMessage{
      "aiip@node.example.org", "soc@cert.example.nl", "7.mrc_1@node.example.org", aiip::SystemTime{}, event});
  if (!message) {
    AIIP_FUZZ_CHECK(message.error().type() == "header-injection", "a message failed for another reason");
    return;
  }
  const size_t end = message->find("\r\n\r\n");
  AIIP_FUZZ_CHECK(end != std::string::npos, "a message without a blank line");
  static const std::set<std::string> kNames = {"Date",
                                               "From",
                                               "To",
                                               "Subject",
                                               "Message-ID",
                                               "Auto-Submitted",
                                               "X-AIIP-Event",
                                               "X-AIIP-Event-Seq",
                                               "MIME-Version",
                                               "Content-Type",
                                               "Content-Transfer-Encoding"};
  std::set<std::string> seen;
  for (const std::string& line : Lines(message->substr(0, end + 2))) {
    if (line.starts_with(' ')) continue;
    const size_t colon = line.find(':');
    AIIP_FUZZ_CHECK(colon != std::string::npos, "a header line without a name");
    const std::string name = line.substr(0, colon);
    AIIP_FUZZ_CHECK(kNames.contains(name), "an unexpected header: injection");
    AIIP_FUZZ_CHECK(seen.insert(name).second, "a header appears twice: injection");
  }
  AIIP_FUZZ_CHECK(seen.size() == kNames.size(), "a header is missing");
  for (const std::string& line : Lines(message->substr(end + 4))) {
    AIIP_FUZZ_CHECK(line.size() <= 76, "a body line over 76 characters");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckAddress(text);
  CheckHeader(text);
  CheckQuotedPrintable(text);
  CheckMessage(text);
  return 0;
}
