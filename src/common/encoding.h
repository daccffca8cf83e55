// Byte encodings used across AIIP: lower-case hex and unpadded base64url (RFC 4648 §5).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace aiip {

std::string HexEncode(std::span<const uint8_t> bytes);
std::string HexEncode(std::string_view bytes);
// Returns nullopt unless `hex` has even length and only [0-9a-fA-F].
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64UrlEncode(std::string_view bytes);
// Accepts the encoder's output, unpadded or padded; returns nullopt on any invalid
// character, on padding that does not exactly complete the last 4-character group, and on
// non-zero unused bits in the last character (so each byte string has one accepted text).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Standard base64 with padding (RFC 4648 §4), for interop (e.g. PEM bodies, JSON blobs).
// Decoding is as strict as Base64UrlDecode's, and also accepts unpadded text.
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace aiip
