#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/encoding.h"

namespace aiip::crypto {
namespace {

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL SHA-256 failed in %s\n", what);
  std::abort();
}

// Fetched once: with OpenSSL 3, EVP_sha256() triggers an implicit provider lookup on
// every Init, which costs more than hashing a 64-byte message.
const EVP_MD* Md() {
  static EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) Fatal("EVP_MD_fetch");
    return fetched;
  }();
  return md;
}

EVP_MD_CTX* NewContext() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) Fatal("EVP_MD_CTX_new");
  if (EVP_DigestInit_ex2(ctx, Md(), nullptr) != 1) Fatal("EVP_DigestInit_ex2");
  return ctx;
}

Sha256Digest FinishAndReset(EVP_MD_CTX* ctx) {
  Sha256Digest digest;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx, digest.data(), &length) != 1 || length != kSha256Size) {
    Fatal("EVP_DigestFinal_ex");
  }
  if (EVP_DigestInit_ex2(ctx, Md(), nullptr) != 1) Fatal("EVP_DigestInit_ex2");
  return digest;
}

void UpdateContext(EVP_MD_CTX* ctx, const void* data, size_t size) {
  if (EVP_DigestUpdate(ctx, data, size) != 1) Fatal("EVP_DigestUpdate");
}

// The per-thread context behind the one-shot functions; freed when the thread exits.
struct ThreadContext {
  EVP_MD_CTX* ctx = NewContext();
  ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(NewContext()) {}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

Sha256Hasher::Sha256Hasher(Sha256Hasher&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void Sha256Hasher::Update(std::string_view data) { UpdateContext(ctx_, data.data(), data.size()); }

void Sha256Hasher::Update(std::span<const uint8_t> data) { UpdateContext(ctx_, data.data(), data.size()); }

Sha256Digest Sha256Hasher::Finish() { return FinishAndReset(ctx_); }

Sha256Digest Sha256(std::string_view data) {
  thread_local ThreadContext context;
  UpdateContext(context.ctx, data.data(), data.size());
  return FinishAndReset(context.ctx);
}

Sha256Digest Sha256(std::span<const uint8_t> data) {
  return Sha256(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::optional<Sha256Digest> DigestFromBytes(std::string_view bytes) {
  if (bytes.size() != kSha256Size) return std::nullopt;
  Sha256Digest digest;
  std::memcpy(digest.data(), bytes.data(), kSha256Size);
  return digest;
}

std::optional<Sha256Digest> DigestFromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  if (!bytes) return std::nullopt;
  return DigestFromBytes(*bytes);
}

std::string DigestHex(const Sha256Digest& digest) { return HexEncode(std::span<const uint8_t>(digest)); }

}  // namespace aiip::crypto
