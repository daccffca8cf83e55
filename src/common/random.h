// Random: the injected source of randomness. Security-relevant values (tokens, keys,
// ids) come from a Random so tests can make them deterministic with SeededRandom.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <span>

namespace aiip {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes. Thread-safe. Aborts if the OS generator fails,
  // since continuing without randomness would mint guessable tokens.
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Cryptographically secure randomness from the OS (OpenSSL RAND_bytes). Thread-safe;
// the returned reference lives for the whole program.
Random& SecureRandom();

// Deterministic, NOT secure: for tests only. Thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    std::lock_guard lock(mu_);
    for (auto& b : out) b = static_cast<uint8_t>(engine_() & 0xff);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace aiip
