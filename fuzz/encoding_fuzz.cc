// Fuzz target for the byte encodings of src/common/encoding.h (hex, base64url, base64) and
// the API's pagination cursor (aiip::api::DecodeCursor, base64url of "v1:" + key), which
// read hashes, keys, signatures and cursors that callers and nodes send.
//
// The input is used both as bytes to encode and as text to decode. Invariants (a
// violation aborts):
//  - any bytes survive every encoding: Decode(Encode(b)) == b, and cursors likewise;
//  - decoders accept exactly the canonical texts: hex of even length in [0-9a-fA-F]
//    (re-encoding gives it back in lower case); base64 and base64url as their encoders
//    write them, with or without the padding "=" that completes the last quantum, so
//    re-encoding gives the input back. Anything else would let several texts stand for the
//    same bytes (two cursors for one page, two spellings of one key).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/routes.h"
#include "common/encoding.h"
#include "fuzz/check.h"

namespace {

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `unpadded` with the "=" padding that completes its last four-character quantum.
std::string Padded(std::string unpadded) {
  while (unpadded.size() % 4 != 0) unpadded += '=';
  return unpadded;
}

std::string Unpadded(std::string padded) {
  while (!padded.empty() && padded.back() == '=') padded.pop_back();
  return padded;
}

void CheckHex(std::string_view text) {
  bool valid = text.size() % 2 == 0;
  for (char c : text) valid = valid && IsHexDigit(c);
  const std::optional<std::string> bytes = aiip::HexDecode(text);
  AIIP_FUZZ_CHECK(bytes.has_value() == valid, valid ? "valid hex was refused" : "invalid hex was accepted");
  if (bytes) AIIP_FUZZ_CHECK(aiip::HexEncode(*bytes) == ToLower(text), "hex does not re-encode to itself");
}

// `encoded` is what the encoder writes for the decoded bytes.
void CheckCanonical64(std::string_view text, const std::string& encoded) {
  AIIP_FUZZ_CHECK(text == Unpadded(encoded) || text == Padded(encoded),
                  "a base64 decoder accepted a text its encoder would not write");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  AIIP_FUZZ_CHECK(aiip::HexDecode(aiip::HexEncode(input)) == input, "hex round trip lost bytes");
  AIIP_FUZZ_CHECK(aiip::Base64UrlDecode(aiip::Base64UrlEncode(input)) == input,
                  "base64url round trip lost bytes");
  AIIP_FUZZ_CHECK(aiip::Base64Decode(aiip::Base64Encode(input)) == input, "base64 round trip lost bytes");
  AIIP_FUZZ_CHECK(aiip::api::DecodeCursor(aiip::api::EncodeCursor(input)) == input,
                  "cursor round trip lost the key");

  CheckHex(input);
  if (std::optional<std::string> bytes = aiip::Base64UrlDecode(input)) {
    CheckCanonical64(input, aiip::Base64UrlEncode(*bytes));
  }
  if (std::optional<std::string> bytes = aiip::Base64Decode(input)) {
    CheckCanonical64(input, aiip::Base64Encode(*bytes));
  }
  if (std::optional<std::string> key = aiip::api::DecodeCursor(input)) {
    CheckCanonical64(input, aiip::api::EncodeCursor(*key));
  }
  return 0;
}
