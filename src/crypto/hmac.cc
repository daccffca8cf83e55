#include "crypto/hmac.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>

namespace aiip::crypto {

Sha256Digest HmacSha256(std::string_view key, std::string_view message) {
  Sha256Digest digest{};
  unsigned int length = 0;
  // A zero-length key is legal for HMAC, but OpenSSL wants a non-null pointer for it.
  static constexpr unsigned char kEmpty = 0;
  const void* key_data = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()), data, message.size(), digest.data(),
           &length) == nullptr ||
      length != digest.size()) {
    std::fputs("fatal: OpenSSL HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  return digest;
}

bool DigestsEqual(const Sha256Digest& a, const Sha256Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace aiip::crypto
