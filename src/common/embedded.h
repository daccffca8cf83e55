// EmbeddedFile: a data file compiled into the binary by cmake/embed.cmake
// (migrations, the OpenAPI document, reference data).
#pragma once

#include <string_view>

namespace aiip {
struct EmbeddedFile {
  std::string_view name;      // base file name, e.g. "0001_registry.sql"
  std::string_view contents;  // the file's bytes
};
}  // namespace aiip
