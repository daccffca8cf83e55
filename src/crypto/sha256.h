// SHA-256 (FIPS 180-4), computed by OpenSSL's EVP interface, which picks the fastest code
// for the CPU (SHA-NI, AVX2). Every hash in AIIP's audit log — entry hashes, Merkle leaves
// and nodes, object digests — is a `Sha256Digest`, a plain 32-byte array.
//
// The only way these functions can fail is an OpenSSL allocation failure or internal
// error; they then abort the process (as `Random` does), because an audit log that
// silently computed a wrong hash would be worse than no server at all.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

// OpenSSL's context type, named here so this header does not pull in <openssl/evp.h>.
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace aiip::crypto {

inline constexpr size_t kSha256Size = 32;
using Sha256Digest = std::array<uint8_t, kSha256Size>;

// Incremental hashing of a message that arrives in pieces. Not thread-safe: use one hasher
// per thread. Move-only.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&& other) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&& other) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Appends `data` to the message. Must not be called on a moved-from hasher.
  void Update(std::string_view data);
  void Update(std::span<const uint8_t> data);

  // Returns the digest of everything passed to Update since construction or the previous
  // Finish, and resets the hasher so it can hash a new message.
  Sha256Digest Finish();

 private:
  EVP_MD_CTX* ctx_;
};

// One-shot digest of `data`. Thread-safe (each thread reuses its own OpenSSL context, so a
// call costs little more than the compression function itself).
Sha256Digest Sha256(std::string_view data);
Sha256Digest Sha256(std::span<const uint8_t> data);

// The digest's bytes as a string (e.g. to bind as a BLOB).
inline std::string DigestBytes(const Sha256Digest& digest) {
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// Reads a digest from exactly 32 raw bytes; nullopt for any other length.
std::optional<Sha256Digest> DigestFromBytes(std::string_view bytes);

// Reads a digest from 64 hex digits (either case); nullopt otherwise.
std::optional<Sha256Digest> DigestFromHex(std::string_view hex);

// Lower-case hex of the digest (64 characters).
std::string DigestHex(const Sha256Digest& digest);

}  // namespace aiip::crypto
