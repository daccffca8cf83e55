#include "common/random.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace aiip {
namespace {
class OsRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    if (out.empty()) return;
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
      std::fputs("fatal: RAND_bytes failed\n", stderr);
      std::abort();
    }
  }
};
}  // namespace

Random& SecureRandom() {
  static OsRandom random;
  return random;
}

}  // namespace aiip
