// Compiles the migrations that cmake/embed.cmake generates into migrations.cc. Its
// definitions of kFiles and kFileCount are plain `const`, which on their own would have
// internal linkage; declared extern first, they keep external linkage for migrate.cc.
#include <cstddef>

#include "common/embedded.h"

namespace aiip::store::migrations {
extern const aiip::EmbeddedFile kFiles[];
extern const std::size_t kFileCount;
}  // namespace aiip::store::migrations

#include "migrations.cc"  // generated in the build directory
