// HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256), computed by OpenSSL. AIIP signs the
// webhooks it sends with it, so a receiver holding the shared secret can check that a
// delivery came from the node and was not altered (doc/notify.md gives the exact scheme).
#pragma once

#include <string_view>

#include "crypto/sha256.h"

namespace aiip::crypto {

// HMAC-SHA256 of `message` under `key` (any length). Aborts only on an OpenSSL internal
// failure, like Sha256. Thread-safe.
Sha256Digest HmacSha256(std::string_view key, std::string_view message);

// Compares two digests in time independent of where they differ.
bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace aiip::crypto
