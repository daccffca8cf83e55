// Ed25519 signatures (RFC 8032, pure Ed25519 without pre-hashing) through OpenSSL's
// EVP_PKEY interface. AIIP's node key signs the audit log's tree heads; anyone holding the
// matching public key (32 raw bytes, or a PEM "PUBLIC KEY" block) can check them.
//
// Keys are immutable values. Copies share one OpenSSL key object, and every operation
// uses its own OpenSSL context, so a key may be used from many threads at once.
//
// Key files: a private key is stored as unencrypted PKCS#8 PEM ("PRIVATE KEY") in a file
// of mode 0600, and is refused when the file is accessible to group or others, as ssh
// refuses a world-readable identity. Files are written to a temporary name created with
// O_EXCL and mode 0600, fsync'd, renamed into place and the directory fsync'd, so a crash
// leaves either the old file or the complete new one, never a torn key.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "common/random.h"
#include "common/status.h"

// OpenSSL's key type, named here so this header does not pull in <openssl/evp.h>.
typedef struct evp_pkey_st EVP_PKEY;

namespace aiip::crypto {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

class Ed25519PublicKey {
 public:
  // Accepts exactly 32 raw bytes (RFC 8032 §5.1.5 encoding); InvalidArgument
  // ("invalid-public-key") otherwise or if OpenSSL rejects the point.
  static Result<Ed25519PublicKey> FromRaw(std::string_view raw);
  // Accepts a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block holding an Ed25519 key;
  // InvalidArgument("invalid-public-key") for anything else.
  static Result<Ed25519PublicKey> FromPem(std::string_view pem);

  // The 32 raw bytes.
  const std::array<uint8_t, kEd25519PublicKeySize>& raw() const { return raw_; }
  std::string RawBytes() const;
  // PEM "PUBLIC KEY" block, newline-terminated.
  std::string ToPem() const;

  // True only if `signature` is a valid Ed25519 signature of `message` by this key. Any
  // malformed input (e.g. a signature of the wrong length) simply fails to verify.
  bool Verify(std::string_view message, std::string_view signature) const;
  bool Verify(std::string_view message, const Ed25519Signature& signature) const;

  friend bool operator==(const Ed25519PublicKey& a, const Ed25519PublicKey& b) { return a.raw_ == b.raw_; }

 private:
  Ed25519PublicKey(std::shared_ptr<EVP_PKEY> key, const std::array<uint8_t, kEd25519PublicKeySize>& raw)
      : key_(std::move(key)), raw_(raw) {}
  static Result<Ed25519PublicKey> FromKey(std::shared_ptr<EVP_PKEY> key);

  std::shared_ptr<EVP_PKEY> key_;
  std::array<uint8_t, kEd25519PublicKeySize> raw_;

  friend class Ed25519PrivateKey;
};

class Ed25519PrivateKey {
 public:
  // A new key whose 32-byte seed (RFC 8032 §5.1.5 private key) comes from `random`, so
  // tests can create deterministic keys with SeededRandom; production passes
  // SecureRandom(). Fails (kInternal) only if OpenSSL does.
  static Result<Ed25519PrivateKey> Generate(Random& random);
  // The key with the given 32-byte seed; InvalidArgument("invalid-private-key") if the
  // size is wrong. Used for known-answer tests.
  static Result<Ed25519PrivateKey> FromSeed(std::string_view seed);
  // Parses an unencrypted PKCS#8 PEM "PRIVATE KEY" block holding an Ed25519 key;
  // InvalidArgument("invalid-private-key") otherwise (encrypted keys are refused rather
  // than prompting for a passphrase).
  static Result<Ed25519PrivateKey> FromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM, newline-terminated. The string holds the secret: callers
  // must not log it.
  std::string ToPem() const;
  const Ed25519PublicKey& PublicKey() const { return public_key_; }

  // Signs `message` (deterministic: the same key and message give the same signature).
  // Fails (kInternal) only if OpenSSL does.
  Result<Ed25519Signature> Sign(std::string_view message) const;

 private:
  Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key, Ed25519PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  static Result<Ed25519PrivateKey> FromKey(std::shared_ptr<EVP_PKEY> key);

  std::shared_ptr<EVP_PKEY> key_;
  Ed25519PublicKey public_key_;
};

// Writes `key` as PEM to `path` with mode 0600 (see the file comment for the crash-safe
// procedure). Never replaces an existing file: returns kConflict if `path` exists, since
// overwriting a node key would orphan every tree head it signed. kInternal on I/O errors.
Status WritePrivateKeyFile(const Ed25519PrivateKey& key, const std::filesystem::path& path);

// Reads a private key file. Returns kNotFound if it does not exist,
// kFailedPrecondition("insecure-key-file") if its mode grants any access to group or
// others (or it is not a regular file), kFailedPrecondition("invalid-key-file") if it does
// not hold an Ed25519 private key, kInternal on other I/O errors.
Result<Ed25519PrivateKey> ReadPrivateKeyFile(const std::filesystem::path& path);

// Writes `key` as PEM to `path` with mode 0644, replacing any existing file atomically.
Status WritePublicKeyFile(const Ed25519PublicKey& key, const std::filesystem::path& path);

// Reads a PEM public key file. kNotFound if missing, kFailedPrecondition("invalid-key-file")
// if it does not hold an Ed25519 public key, kInternal on other I/O errors.
Result<Ed25519PublicKey> ReadPublicKeyFile(const std::filesystem::path& path);

// The node's signing key, kept as DIR/node.key (0600) with its public half in DIR/node.pub.
// Creates `dir` (mode 0700) and a new key from `random` on first use; afterwards loads
// it. Fails as ReadPrivateKeyFile does, or with kFailedPrecondition("node-key-mismatch")
// if node.pub exists but is not node.key's public key (one of them was replaced). Safe
// against another process creating the key at the same moment: both end up with the same
// key.
Result<Ed25519PrivateKey> LoadOrCreateNodeKey(const std::filesystem::path& dir, Random& random);

}  // namespace aiip::crypto
